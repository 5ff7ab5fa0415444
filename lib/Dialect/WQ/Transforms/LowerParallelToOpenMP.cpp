//===- LowerParallelToOpenMP.cpp - wq-lower-parallel-to-openmp ------------===//
//
// scf.parallel -> omp.parallel in which each thread walks its own share of
// the iterations (a static schedule computed in the region), instead of
// convert-scf-to-openmp's omp.wsloop, whose runtime calls and extra barrier
// cost more than a small decode matmul's work.
//
//===----------------------------------------------------------------------===//

#include "wq/Dialect/WQ/Transforms/Passes.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/IR/SymbolTable.h"

namespace mlir::wq {
#define GEN_PASS_DEF_WQLOWERPARALLELTOOPENMPPASS
#include "wq/Dialect/WQ/Transforms/Passes.h.inc"
} // namespace mlir::wq

using namespace mlir;

namespace {

/// The declaration of the OpenMP runtime query `name` (() -> i32), added to
/// `module` if absent; null (after an error) if the module has another
/// symbol of that name.
func::FuncOp runtimeQuery(ModuleOp module, StringRef name) {
  OpBuilder b = OpBuilder::atBlockBegin(module.getBody());
  auto type = b.getFunctionType({}, {b.getI32Type()});
  if (Operation *existing = module.lookupSymbol(name)) {
    auto fn = dyn_cast<func::FuncOp>(existing);
    if (fn && fn.getFunctionType() == type)
      return fn;
    existing->emitError() << "'" << name
                          << "' is OpenMP's () -> i32 runtime query; this "
                             "symbol would shadow it";
    return nullptr;
  }
  auto fn = func::FuncOp::create(b, module.getLoc(), name, type);
  fn.setPrivate();
  return fn;
}

/// Emits, at `b`'s insertion point, a sequential walk of `loop`'s (no
/// reductions) iteration space from linear iteration `begin` to `end`
/// (exclusive): one scf.for over the linear index, the loop's induction
/// variables recovered by division (innermost dimension fastest, the order
/// of the loop nest it stands for), the body cloned once.
void emitLinearWalk(OpBuilder &b, Location loc, scf::ParallelOp loop,
                    ArrayRef<Value> trips, Value begin, Value end) {
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto walk = scf::ForOp::create(b, loc, begin, end, one);
  OpBuilder body = OpBuilder::atBlockBegin(walk.getBody());
  IRMapping mapping;
  Value rest = walk.getInductionVar();
  const size_t rank = trips.size();
  for (size_t i = rank; i-- > 0;) {
    Value position = rest;
    if (i > 0) {
      position = arith::RemUIOp::create(body, loc, rest, trips[i]);
      rest = arith::DivUIOp::create(body, loc, rest, trips[i]);
    }
    Value scaled = arith::MulIOp::create(body, loc, position,
                                         loop.getStep()[i]);
    mapping.map(loop.getInductionVars()[i],
                arith::AddIOp::create(body, loc, loop.getLowerBound()[i],
                                      scaled));
  }
  for (Operation &op : loop.getBody()->without_terminator())
    body.clone(op, mapping);
}

/// Iterations of each dimension of `loop` into `trips` (ceil((ub - lb) /
/// step), zero for empty ranges); returns their product, the iterations of
/// the whole loop.
Value countIterations(OpBuilder &b, Location loc, scf::ParallelOp loop,
                      SmallVectorImpl<Value> &trips) {
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value total;
  for (auto [lb, ub, step] : llvm::zip_equal(
           loop.getLowerBound(), loop.getUpperBound(), loop.getStep())) {
    Value span = arith::SubIOp::create(b, loc, ub, lb);
    Value count = arith::CeilDivSIOp::create(b, loc, span, step);
    trips.push_back(arith::MaxSIOp::create(b, loc, count, zero));
    total = total ? Value(arith::MulIOp::create(b, loc, total, trips.back()))
                  : trips.back();
  }
  return total;
}

/// `loop` as a sequential walk in place (a loop nested in a converted one).
void lowerToSequential(scf::ParallelOp loop) {
  OpBuilder b(loop);
  Location loc = loop.getLoc();
  SmallVector<Value> trips;
  Value total = countIterations(b, loc, loop, trips);
  emitLinearWalk(b, loc, loop, trips,
                 arith::ConstantIndexOp::create(b, loc, 0), total);
  loop.erase();
}

/// `loop` as an omp.parallel region: thread t of T walks linear iterations
/// [total * t / T, total * (t + 1) / T).
void lowerToThreads(scf::ParallelOp loop, func::FuncOp threadNum,
                    func::FuncOp numThreads) {
  // Nested parallel loops run inside the thread that reaches them.
  SmallVector<scf::ParallelOp> nested;
  loop.getBody()->walk([&](scf::ParallelOp inner) {
    if (inner.getNumReductions() == 0)
      nested.push_back(inner);
  });
  for (scf::ParallelOp inner : llvm::reverse(nested))
    lowerToSequential(inner);

  OpBuilder b(loop);
  Location loc = loop.getLoc();
  SmallVector<Value> trips;
  Value total = countIterations(b, loc, loop, trips);
  auto region = omp::ParallelOp::create(b, loc);
  Block *entry = b.createBlock(&region.getRegion());
  OpBuilder rb = OpBuilder::atBlockBegin(entry);
  auto asIndex = [&](func::FuncOp query) -> Value {
    Value v = func::CallOp::create(rb, loc, query, ValueRange{}).getResult(0);
    return arith::IndexCastOp::create(rb, loc, rb.getIndexType(), v);
  };
  Value thread = asIndex(threadNum), threads = asIndex(numThreads);
  Value one = arith::ConstantIndexOp::create(rb, loc, 1);
  auto boundary = [&](Value t) -> Value {
    Value scaled = arith::MulIOp::create(rb, loc, total, t);
    return arith::DivUIOp::create(rb, loc, scaled, threads);
  };
  Value begin = boundary(thread);
  Value end = boundary(arith::AddIOp::create(rb, loc, thread, one));
  emitLinearWalk(rb, loc, loop, trips, begin, end);
  omp::TerminatorOp::create(rb, loc);
  loop.erase();
}

struct WQLowerParallelToOpenMPPass
    : public mlir::wq::impl::WQLowerParallelToOpenMPPassBase<
          WQLowerParallelToOpenMPPass> {
  using Base::Base;
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<scf::ParallelOp> outermost;
    module.walk<WalkOrder::PreOrder>([&](Operation *op) {
      auto loop = dyn_cast<scf::ParallelOp>(op);
      if (!loop)
        return WalkResult::advance();
      if (loop.getNumReductions() != 0 ||
          loop->getParentOfType<omp::ParallelOp>())
        return WalkResult::advance(); // convert-scf-to-openmp's.
      outermost.push_back(loop);
      return WalkResult::skip();
    });
    if (outermost.empty())
      return;
    func::FuncOp threadNum = runtimeQuery(module, "omp_get_thread_num");
    func::FuncOp numThreads = runtimeQuery(module, "omp_get_num_threads");
    if (!threadNum || !numThreads)
      return signalPassFailure();
    for (scf::ParallelOp loop : outermost)
      lowerToThreads(loop, threadNum, numThreads);
  }
};

} // namespace
