//===- Checkpoint.cpp - Quantized linear weights in checkpoint formats ----===//

#include "wq/Formats/Checkpoint.h"
#include "wq/Formats/Json.h"

#include "llvm/Support/JSON.h"

#include <algorithm>
#include <cstring>
#include <numeric>

using namespace llvm;
using namespace wq_numerics;

namespace wq_formats {

namespace {

Error formatError(const Twine &message) {
  return createStringError(inconvertibleErrorCode(), message);
}

/// AutoAWQ's nibble order: nibble i of a word holds column order[i].
constexpr int kAwqOrder[8] = {0, 2, 4, 6, 1, 3, 5, 7};

std::vector<uint8_t> int32Bytes(const std::vector<int32_t> &values) {
  std::vector<uint8_t> bytes(values.size() * 4);
  std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

std::vector<int32_t> readInt32(const TensorView &t) {
  std::vector<int32_t> values(static_cast<size_t>(t.numElements()));
  std::memcpy(values.data(), t.data.data(), values.size() * 4);
  return values;
}

/// Stored column of each input channel.
std::vector<int32_t> storedPositions(const QuantizedLinear &linear) {
  std::vector<int32_t> position(static_cast<size_t>(linear.k));
  std::iota(position.begin(), position.end(), 0);
  for (int64_t j = 0; j < static_cast<int64_t>(linear.perm.size()); ++j)
    position[linear.perm[j]] = static_cast<int32_t>(j);
  return position;
}

/// Stored integer at (row, stored column).
int32_t storedQ(const QuantizedLinear &linear, int64_t row, int64_t column) {
  const QuantScheme &s = linear.scheme;
  int64_t gs = s.effectiveGroupSize(linear.k);
  int64_t g = column / gs;
  const uint8_t *bytes =
      linear.matrix.packed.data() +
      (row * s.numGroups(linear.k) + g) * s.bytesPerGroup(linear.k);
  return unpackElement(bytes, column - g * gs, s.bits, s.isSigned);
}

/// The unsigned grid that GPTQ/AWQ store: signed storage is shifted by
/// 2^(b-1), which becomes the zero point.
int32_t unsignedOffset(const QuantScheme &s) {
  return s.isSigned ? (1 << (s.bits - 1)) : 0;
}

int32_t zeroPoint(const QuantizedLinear &linear, int64_t row, int64_t group) {
  const QuantScheme &s = linear.scheme;
  if (s.zeroPoints)
    return linear.matrix.zeros[row * s.numGroups(linear.k) + group];
  return unsignedOffset(s);
}

Error checkRepresentable(const QuantizedLinear &linear, CheckpointFormat format,
                         const char *formatName) {
  if (linear.flatGroups)
    return formatError(Twine("weight '") + linear.name + "': the " +
                       formatName +
                       " format has no groups over the flattened weight "
                       "(use --format wq)");
  if (!linear.outlierChannels.empty())
    return formatError(Twine("weight '") + linear.name + "': the " +
                       formatName +
                       " format cannot carry outlier channels (use --format wq)");
  if (linear.scheme.offsets)
    return formatError(Twine("weight '") + linear.name + "': the " +
                       formatName +
                       " format cannot represent group offsets (scale * (q - "
                       "zero) + offset; use --format wq)");
  if (linear.scheme.scaleType != ScaleType::F16)
    return formatError(Twine("weight '") + linear.name + "': the " +
                       formatName + " format stores f16 scales (use --scale-type f16)");
  return Error::success();
}

std::vector<uint8_t> halfBytes(const std::vector<float> &values) {
  std::vector<uint8_t> bytes(values.size() * 2);
  for (size_t i = 0; i < values.size(); ++i) {
    uint16_t h = floatToHalfBits(values[i]);
    std::memcpy(&bytes[2 * i], &h, 2);
  }
  return bytes;
}

Error addGptq(SafetensorsWriter &writer, const QuantizedLinear &linear) {
  if (Error error = checkRepresentable(linear, CheckpointFormat::Gptq, "gptq"))
    return error;
  const QuantScheme &s = linear.scheme;
  const int64_t n = linear.n, k = linear.k;
  if (32 % s.bits != 0)
    return formatError("weight '" + linear.name +
                       "': the gptq writer supports 2, 4 and 8 bits");
  const int64_t perWord = 32 / s.bits;
  if (k % perWord != 0 || n % perWord != 0)
    return formatError("weight '" + linear.name + "': the gptq format needs K (" +
                       Twine(k) + ") and N (" + Twine(n) + ") divisible by " +
                       Twine(perWord));
  const int64_t gs = s.effectiveGroupSize(k), groups = s.numGroups(k);
  const uint32_t mask = (1u << s.bits) - 1u;
  std::vector<int32_t> position = storedPositions(linear);
  std::vector<int32_t> qweight(static_cast<size_t>(k / perWord * n), 0);
  std::vector<int32_t> gIdx(static_cast<size_t>(k));
  for (int64_t c = 0; c < k; ++c) {
    int64_t j = position[c];
    gIdx[c] = static_cast<int32_t>(j / gs);
    for (int64_t r = 0; r < n; ++r) {
      uint32_t q = static_cast<uint32_t>(storedQ(linear, r, j) +
                                         unsignedOffset(s));
      uint32_t &word = reinterpret_cast<uint32_t &>(
          qweight[(c / perWord) * n + r]);
      word |= (q & mask) << (s.bits * (c % perWord));
    }
  }
  std::vector<int32_t> qzeros(static_cast<size_t>(groups * (n / perWord)), 0);
  std::vector<float> scales(static_cast<size_t>(groups * n));
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t r = 0; r < n; ++r) {
      int32_t zero = zeroPoint(linear, r, g);
      if (zero == 0)
        return formatError("weight '" + linear.name + "' row " + Twine(r) +
                           " group " + Twine(g) +
                           ": a zero point of 0 cannot be stored in the GPTQ "
                           "v1 format (it stores zero - 1); use --sym or "
                           "--format wq");
      uint32_t &word =
          reinterpret_cast<uint32_t &>(qzeros[g * (n / perWord) + r / perWord]);
      word |= (static_cast<uint32_t>(zero - 1) & mask)
              << (s.bits * (r % perWord));
      scales[g * n + r] = linear.matrix.scales[r * groups + g];
    }
  std::string base = baseName(linear.name);
  writer.add(base + ".qweight", DType::I32, {k / perWord, n}, int32Bytes(qweight));
  writer.add(base + ".qzeros", DType::I32, {groups, n / perWord},
             int32Bytes(qzeros));
  writer.add(base + ".scales", DType::F16, {groups, n}, halfBytes(scales));
  writer.add(base + ".g_idx", DType::I32, {k}, int32Bytes(gIdx));
  if (!linear.inputScales.empty())
    writer.addFloats(base + ".input_scales", {k}, linear.inputScales);
  return Error::success();
}

Error addAwq(SafetensorsWriter &writer, const QuantizedLinear &linear) {
  if (Error error = checkRepresentable(linear, CheckpointFormat::Awq, "awq"))
    return error;
  const QuantScheme &s = linear.scheme;
  const int64_t n = linear.n, k = linear.k;
  const int64_t gs = s.effectiveGroupSize(k), groups = s.numGroups(k);
  if (s.bits != 4)
    return formatError("weight '" + linear.name +
                       "': the awq format is 4-bit only");
  if (!linear.perm.empty())
    return formatError("weight '" + linear.name +
                       "': the awq format has no act-order permutation");
  if (k % gs != 0 || n % 8 != 0)
    return formatError("weight '" + linear.name + "': the awq format needs K (" +
                       Twine(k) + ") divisible by the group size (" + Twine(gs) +
                       ") and N (" + Twine(n) + ") divisible by 8");
  std::vector<int32_t> qweight(static_cast<size_t>(k * (n / 8)), 0);
  for (int64_t c = 0; c < k; ++c)
    for (int64_t w = 0; w < n / 8; ++w) {
      uint32_t word = 0;
      for (int i = 0; i < 8; ++i) {
        int64_t r = w * 8 + kAwqOrder[i];
        uint32_t q = static_cast<uint32_t>(storedQ(linear, r, c) +
                                           unsignedOffset(s));
        word |= (q & 0xFu) << (4 * i);
      }
      qweight[c * (n / 8) + w] = static_cast<int32_t>(word);
    }
  std::vector<int32_t> qzeros(static_cast<size_t>(groups * (n / 8)), 0);
  std::vector<float> scales(static_cast<size_t>(groups * n));
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t w = 0; w < n / 8; ++w) {
      uint32_t word = 0;
      for (int i = 0; i < 8; ++i)
        word |= (static_cast<uint32_t>(zeroPoint(linear, w * 8 + kAwqOrder[i], g)) &
                 0xFu)
                << (4 * i);
      qzeros[g * (n / 8) + w] = static_cast<int32_t>(word);
    }
    for (int64_t r = 0; r < n; ++r)
      scales[g * n + r] = linear.matrix.scales[r * groups + g];
  }
  std::string base = baseName(linear.name);
  writer.add(base + ".qweight", DType::I32, {k, n / 8}, int32Bytes(qweight));
  writer.add(base + ".qzeros", DType::I32, {groups, n / 8}, int32Bytes(qzeros));
  writer.add(base + ".scales", DType::F16, {groups, n}, halfBytes(scales));
  if (!linear.inputScales.empty())
    writer.addFloats(base + ".input_scales", {k}, linear.inputScales);
  return Error::success();
}

/// Values (already rounded to `type`) as little-endian bytes of `type`.
std::vector<uint8_t> scaleTypeBytes(const std::vector<float> &values,
                                    ScaleType type) {
  if (type == ScaleType::F16)
    return halfBytes(values);
  std::vector<uint8_t> bytes;
  if (type == ScaleType::F32) {
    bytes.resize(values.size() * 4);
    std::memcpy(bytes.data(), values.data(), bytes.size());
    return bytes;
  }
  bytes.resize(values.size() * 2);
  for (size_t i = 0; i < values.size(); ++i) {
    uint16_t b = floatToBFloat16Bits(values[i]);
    std::memcpy(&bytes[2 * i], &b, 2);
  }
  return bytes;
}

Error addWq(SafetensorsWriter &writer, const QuantizedLinear &linear,
            bool referencePacked) {
  const QuantScheme &s = linear.scheme;
  const int64_t n = linear.n, k = linear.k;
  std::string base = baseName(linear.name);
  // Flat groups: one row of N*K elements (1-D packed, scales, zero points).
  const int64_t groups = linear.flatGroups ? s.numGroups(n * k) : s.numGroups(k);
  std::vector<int64_t> packedShape =
      linear.flatGroups ? std::vector<int64_t>{int64_t(linear.matrix.packed.size())}
                        : std::vector<int64_t>{n, groups, s.bytesPerGroup(k)};
  std::vector<int64_t> groupShape =
      linear.flatGroups ? std::vector<int64_t>{groups}
                        : std::vector<int64_t>{n, groups};
  // The largest part; referenced, it is written straight from `linear`.
  if (referencePacked)
    writer.addView(base + ".wq.packed", DType::U8, packedShape,
                   linear.matrix.packed);
  else
    writer.add(base + ".wq.packed", DType::U8, packedShape,
               linear.matrix.packed);
  std::vector<uint8_t> scaleBytes =
      scaleTypeBytes(linear.matrix.scales, s.scaleType);
  const DType scaleDType = s.scaleType == ScaleType::F16    ? DType::F16
                           : s.scaleType == ScaleType::BF16 ? DType::BF16
                                                            : DType::F32;
  writer.add(base + ".wq.scales", scaleDType, groupShape, std::move(scaleBytes));
  if (s.offsets) // in the scale type, shaped like the scales
    writer.add(base + ".wq.offsets", scaleDType, groupShape,
               scaleTypeBytes(linear.matrix.offsets, s.scaleType));
  if (s.zeroPoints) {
    std::vector<uint8_t> zeros(linear.matrix.zeros.begin(),
                               linear.matrix.zeros.end());
    writer.add(base + ".wq.zeros", DType::U8, groupShape, std::move(zeros));
  }
  if (!linear.perm.empty())
    writer.addInt32(base + ".wq.perm", {k}, linear.perm);
  if (!linear.outlierChannels.empty()) {
    int64_t o = static_cast<int64_t>(linear.outlierChannels.size());
    writer.addInt32(base + ".wq.outlier_channels", {o}, linear.outlierChannels);
    writer.addFloats(base + ".wq.outlier_weights", {n, o}, linear.outlierWeights);
  }
  if (!linear.inputScales.empty())
    writer.addFloats(base + ".wq.input_scales", {k}, linear.inputScales);
  json::Object scheme{{"n", n},
                      {"k", k},
                      {"bits", int64_t(s.bits)},
                      {"signed", s.isSigned},
                      {"group_size", s.groupSize},
                      {"scale_type", scaleTypeName(s.scaleType)},
                      {"zero_points", s.zeroPoints},
                      {"offsets", s.offsets},
                      {"flat_groups", linear.flatGroups}};
  std::string text;
  raw_string_ostream os(text);
  os << json::Value(std::move(scheme));
  writer.setMetadata("wq." + base, os.str());
  writer.setMetadata("wq.format_version", "1");
  return Error::success();
}

/// Checks a tensor's dtype and shape, naming it on failure.
Error expectTensor(const TensorView *t, StringRef name,
                   std::initializer_list<DType> dtypes, size_t rank) {
  if (!t)
    return formatError("missing tensor '" + name + "'");
  if (std::find(dtypes.begin(), dtypes.end(), t->dtype) == dtypes.end())
    return formatError("tensor '" + name + "' has dtype " + dtypeName(t->dtype));
  if (t->shape.size() != rank)
    return formatError("tensor '" + name + "' must have rank " + Twine(rank));
  return Error::success();
}

/// Reads scales of any float dtype.
Expected<std::vector<float>> readScales(const SafetensorsFile &file,
                                        const TensorView &t) {
  return file.readFloats(t);
}

/// AWQ input scales written beside GPTQ/AWQ tensors as <base>.input_scales.
Error readInputScales(const SafetensorsFile &file, const std::string &base,
                      QuantizedLinear &linear) {
  const TensorView *t = file.find(base + ".input_scales");
  if (!t)
    return Error::success();
  if (t->numElements() != linear.k)
    return formatError("tensor '" + base + ".input_scales' must have K = " +
                       Twine(linear.k) + " elements");
  Expected<std::vector<float>> values = file.readFloats(*t);
  if (!values)
    return values.takeError();
  linear.inputScales = std::move(*values);
  return Error::success();
}

/// The int32-packed weight, zero points and scales GPTQ and AWQ share.
struct PackedTensors {
  const TensorView *qweight, *qzeros, *scales;
};

Expected<PackedTensors> findPackedTensors(const SafetensorsFile &file,
                                          const std::string &base) {
  PackedTensors t{file.find(base + ".qweight"), file.find(base + ".qzeros"),
                  file.find(base + ".scales")};
  if (Error e = expectTensor(t.qweight, base + ".qweight", {DType::I32}, 2))
    return std::move(e);
  if (Error e = expectTensor(t.qzeros, base + ".qzeros", {DType::I32}, 2))
    return std::move(e);
  if (Error e = expectTensor(t.scales, base + ".scales",
                             {DType::F16, DType::BF16, DType::F32}, 2))
    return std::move(e);
  return t;
}

Expected<QuantizedLinear> readGptq(const SafetensorsFile &file,
                                   const std::string &base) {
  Expected<PackedTensors> tensors = findPackedTensors(file, base);
  if (!tensors)
    return tensors.takeError();
  const TensorView *qweight = tensors->qweight, *qzeros = tensors->qzeros,
                   *scalesT = tensors->scales;
  const TensorView *gIdxT = file.find(base + ".g_idx");
  if (Error e = expectTensor(gIdxT, base + ".g_idx", {DType::I32}, 1))
    return std::move(e);
  const int64_t k = gIdxT->shape[0], n = qweight->shape[1];
  const int64_t groups = scalesT->shape[0];
  if (k <= 0 || n <= 0 || (32 * qweight->shape[0]) % k != 0)
    return formatError("tensor '" + base + ".qweight' rows " +
                       Twine(qweight->shape[0]) + " do not pack K = " + Twine(k));
  const unsigned bits = static_cast<unsigned>(32 * qweight->shape[0] / k);
  if (bits != 2 && bits != 4 && bits != 8)
    return formatError("tensor '" + base + ".qweight' implies " + Twine(bits) +
                       " bits; supported: 2, 4, 8");
  const int64_t perWord = 32 / bits;
  if (scalesT->shape[1] != n || qzeros->shape[0] != groups ||
      qzeros->shape[1] * perWord != n)
    return formatError("tensors '" + base +
                       ".scales/.qzeros' do not match qweight's N = " + Twine(n));
  std::vector<int32_t> gIdx = readInt32(*gIdxT);
  std::vector<int64_t> groupSizes(static_cast<size_t>(groups), 0);
  for (int32_t g : gIdx) {
    if (g < 0 || g >= groups)
      return formatError("tensor '" + base + ".g_idx' has group " + Twine(g) +
                         " outside [0, " + Twine(groups) + ")");
    ++groupSizes[g];
  }
  const int64_t gs = groupSizes[0];
  for (int64_t g = 0; g < groups; ++g)
    if (groupSizes[g] != (g + 1 < groups ? gs : k - gs * (groups - 1)) ||
        groupSizes[g] == 0)
      return formatError("tensor '" + base +
                         ".g_idx' has groups of unequal sizes");
  QuantizedLinear linear;
  linear.name = base + ".weight";
  linear.n = n;
  linear.k = k;
  linear.scheme = QuantScheme{bits, false, true, groups == 1 ? 0 : gs,
                              scalesT->dtype == DType::F32    ? ScaleType::F32
                              : scalesT->dtype == DType::BF16 ? ScaleType::BF16
                                                              : ScaleType::F16};
  // Act-order checkpoints scatter groups; store them sorted by group so that
  // groups are contiguous, with the permutation on the side.
  std::vector<int32_t> perm(static_cast<size_t>(k));
  std::iota(perm.begin(), perm.end(), 0);
  std::stable_sort(perm.begin(), perm.end(),
                   [&](int32_t a, int32_t b) { return gIdx[a] < gIdx[b]; });
  bool identity = true;
  for (int64_t j = 0; j < k; ++j)
    identity &= perm[j] == j;
  if (!identity)
    linear.perm = perm;
  initQuantizedMatrix(n, k, linear.scheme, linear.matrix);
  std::vector<int32_t> qw = readInt32(*qweight), qz = readInt32(*qzeros);
  Expected<std::vector<float>> scales = readScales(file, *scalesT);
  if (!scales)
    return scales.takeError();
  const uint32_t mask = (1u << bits) - 1u;
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t r = 0; r < n; ++r) {
      uint32_t word = static_cast<uint32_t>(qz[g * (n / perWord) + r / perWord]);
      // v1: the stored field is zero - 1 (AutoGPTQ adds 1 when loading).
      int32_t zero =
          static_cast<int32_t>((word >> (bits * (r % perWord))) & mask) + 1;
      linear.matrix.zeros[r * groups + g] = zero;
      linear.matrix.scales[r * groups + g] = (*scales)[g * n + r];
    }
  for (int64_t j = 0; j < k; ++j) {
    int64_t c = perm[j];
    for (int64_t r = 0; r < n; ++r) {
      uint32_t word = static_cast<uint32_t>(qw[(c / perWord) * n + r]);
      storeElement(linear.matrix, linear.scheme, r, j,
                   static_cast<int32_t>((word >> (bits * (c % perWord))) & mask));
    }
  }
  if (Error e = readInputScales(file, base, linear))
    return std::move(e);
  return std::move(linear);
}

Expected<QuantizedLinear> readAwq(const SafetensorsFile &file,
                                  const std::string &base) {
  Expected<PackedTensors> tensors = findPackedTensors(file, base);
  if (!tensors)
    return tensors.takeError();
  const TensorView *qweight = tensors->qweight, *qzeros = tensors->qzeros,
                   *scalesT = tensors->scales;
  const int64_t k = qweight->shape[0], n = scalesT->shape[1];
  const int64_t groups = scalesT->shape[0];
  if (n % 8 != 0 || qweight->shape[1] * 8 != n || groups <= 0 || k % groups != 0 ||
      qzeros->shape[0] != groups || qzeros->shape[1] * 8 != n)
    return formatError("tensors of '" + base +
                       "' do not form an AWQ GEMM layer (qweight [K, N/8], "
                       "qzeros [G, N/8], scales [G, N])");
  const int64_t gs = k / groups;
  QuantizedLinear linear;
  linear.name = base + ".weight";
  linear.n = n;
  linear.k = k;
  linear.scheme = QuantScheme{4, false, true, groups == 1 ? 0 : gs,
                              scalesT->dtype == DType::F32    ? ScaleType::F32
                              : scalesT->dtype == DType::BF16 ? ScaleType::BF16
                                                              : ScaleType::F16};
  initQuantizedMatrix(n, k, linear.scheme, linear.matrix);
  std::vector<int32_t> qw = readInt32(*qweight), qz = readInt32(*qzeros);
  Expected<std::vector<float>> scales = readScales(file, *scalesT);
  if (!scales)
    return scales.takeError();
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t w = 0; w < n / 8; ++w) {
      uint32_t word = static_cast<uint32_t>(qz[g * (n / 8) + w]);
      for (int i = 0; i < 8; ++i) {
        int64_t r = w * 8 + kAwqOrder[i];
        linear.matrix.zeros[r * groups + g] =
            static_cast<int32_t>((word >> (4 * i)) & 0xFu);
      }
    }
  for (int64_t g = 0; g < groups; ++g)
    for (int64_t r = 0; r < n; ++r)
      linear.matrix.scales[r * groups + g] = (*scales)[g * n + r];
  for (int64_t c = 0; c < k; ++c)
    for (int64_t w = 0; w < n / 8; ++w) {
      uint32_t word = static_cast<uint32_t>(qw[c * (n / 8) + w]);
      for (int i = 0; i < 8; ++i)
        storeElement(linear.matrix, linear.scheme, w * 8 + kAwqOrder[i], c,
                     static_cast<int32_t>((word >> (4 * i)) & 0xFu));
    }
  if (Error e = readInputScales(file, base, linear))
    return std::move(e);
  return std::move(linear);
}

Expected<QuantizedLinear> readWq(const SafetensorsFile &file,
                                 const std::string &base) {
  auto meta = file.metadata().find("wq." + base);
  if (meta == file.metadata().end())
    return formatError("missing metadata 'wq." + base + "' (the scheme)");
  Expected<json::Value> parsed = parseJson(meta->second);
  if (!parsed)
    return formatError("metadata 'wq." + base + "' is not JSON: " +
                       toString(parsed.takeError()));
  json::Object *o = parsed->getAsObject();
  std::optional<int64_t> n = o ? o->getInteger("n") : std::nullopt;
  std::optional<int64_t> k = o ? o->getInteger("k") : std::nullopt;
  std::optional<int64_t> bits = o ? o->getInteger("bits") : std::nullopt;
  std::optional<int64_t> gs = o ? o->getInteger("group_size") : std::nullopt;
  std::optional<bool> isSigned = o ? o->getBoolean("signed") : std::nullopt;
  std::optional<bool> zp = o ? o->getBoolean("zero_points") : std::nullopt;
  std::optional<StringRef> st = o ? o->getString("scale_type") : std::nullopt;
  std::optional<ScaleType> scaleType =
      st ? parseScaleType(st->str()) : std::nullopt;
  if (!n || !k || !bits || !gs || !isSigned || !zp || !scaleType || *n <= 0 ||
      *k <= 0)
    return formatError("metadata 'wq." + base + "' is incomplete");
  QuantizedLinear linear;
  linear.name = base + ".weight";
  linear.n = *n;
  linear.k = *k;
  linear.scheme = QuantScheme{static_cast<unsigned>(*bits), *isSigned, *zp, *gs,
                              *scaleType};
  // Optional (files written before group offsets existed have none).
  linear.scheme.offsets = o->getBoolean("offsets").value_or(false);
  if (auto error = linear.scheme.validate())
    return formatError("weight '" + linear.name + "': " + *error);
  linear.flatGroups = o->getBoolean("flat_groups").value_or(false);
  const QuantScheme &s = linear.scheme;
  if (linear.flatGroups ? (s.groupSize <= 0 || (*n * *k) % s.groupSize != 0)
                        : s.groupSize > *k)
    return formatError("weight '" + linear.name +
                       "': group size does not fit the weight");
  // Flat groups are stored as one row of N*K elements.
  const int64_t rows = linear.flatGroups ? 1 : *n;
  const int64_t cols = linear.flatGroups ? *n * *k : *k;
  const int64_t groups = s.numGroups(cols);
  initQuantizedMatrix(rows, cols, s, linear.matrix);
  const std::vector<int64_t> packedShape =
      linear.flatGroups ? std::vector<int64_t>{groups * s.bytesPerGroup(cols)}
                        : std::vector<int64_t>{*n, groups, s.bytesPerGroup(*k)};
  const std::vector<int64_t> groupShape =
      linear.flatGroups ? std::vector<int64_t>{groups}
                        : std::vector<int64_t>{*n, groups};
  const TensorView *packed = file.find(base + ".wq.packed");
  if (Error e = expectTensor(packed, base + ".wq.packed", {DType::U8, DType::I8},
                             packedShape.size()))
    return std::move(e);
  if (packed->shape != packedShape)
    return formatError("tensor '" + base + ".wq.packed' does not match the scheme");
  std::memcpy(linear.matrix.packed.data(), packed->data.data(), packed->data.size());
  const TensorView *scales = file.find(base + ".wq.scales");
  if (Error e = expectTensor(scales, base + ".wq.scales",
                             {DType::F16, DType::BF16, DType::F32},
                             groupShape.size()))
    return std::move(e);
  if (scales->shape != groupShape)
    return formatError("tensor '" + base + ".wq.scales' does not match the scheme");
  Expected<std::vector<float>> scaleValues = file.readFloats(*scales);
  if (!scaleValues)
    return scaleValues.takeError();
  linear.matrix.scales = std::move(*scaleValues);
  if (s.zeroPoints) {
    const TensorView *zeros = file.find(base + ".wq.zeros");
    if (Error e = expectTensor(zeros, base + ".wq.zeros", {DType::U8},
                               groupShape.size()))
      return std::move(e);
    if (zeros->shape != groupShape)
      return formatError("tensor '" + base + ".wq.zeros' does not match the scheme");
    linear.matrix.zeros.assign(zeros->data.begin(), zeros->data.end());
    // Here, not only in validateWeights: a quantized embedding is
    // dequantized on import, after which a bad zero point is just a value.
    if (std::optional<size_t> bad =
            findZeroPointOutsideStorage(linear.matrix, s))
      return formatError("tensor '" + base + ".wq.zeros' element " +
                         Twine(*bad) + " is " +
                         Twine(linear.matrix.zeros[*bad]) + ", outside the " +
                         Twine(s.bits) + "-bit storage's [" + Twine(s.qmin()) +
                         ", " + Twine(s.qmax()) + "]");
  }
  const TensorView *offsets = file.find(base + ".wq.offsets");
  if (offsets && !s.offsets)
    return formatError("tensor '" + base + ".wq.offsets' is present but the "
                       "scheme in 'wq." + base + "' has no offsets");
  if (s.offsets) {
    // Stored in the scale type, so the values are exactly the file's.
    const DType scaleDType = s.scaleType == ScaleType::F16    ? DType::F16
                             : s.scaleType == ScaleType::BF16 ? DType::BF16
                                                              : DType::F32;
    if (Error e = expectTensor(offsets, base + ".wq.offsets", {scaleDType},
                               groupShape.size()))
      return std::move(e);
    if (offsets->shape != groupShape)
      return formatError("tensor '" + base +
                         ".wq.offsets' does not match the scheme");
    Expected<std::vector<float>> values = file.readFloats(*offsets);
    if (!values)
      return values.takeError();
    linear.matrix.offsets = std::move(*values);
  }
  if (const TensorView *perm = file.find(base + ".wq.perm")) {
    if (Error e = expectTensor(perm, base + ".wq.perm", {DType::I32}, 1))
      return std::move(e);
    linear.perm = readInt32(*perm);
    std::vector<int32_t> sorted = linear.perm;
    std::sort(sorted.begin(), sorted.end());
    for (int64_t i = 0; i < *k; ++i)
      if (static_cast<int64_t>(sorted.size()) != *k || sorted[i] != i)
        return formatError("tensor '" + base + ".wq.perm' is not a permutation of K");
  }
  if (const TensorView *channels = file.find(base + ".wq.outlier_channels")) {
    const TensorView *weights = file.find(base + ".wq.outlier_weights");
    if (Error e = expectTensor(channels, base + ".wq.outlier_channels",
                               {DType::I32}, 1))
      return std::move(e);
    if (Error e = expectTensor(weights, base + ".wq.outlier_weights",
                               {DType::F32}, 2))
      return std::move(e);
    linear.outlierChannels = readInt32(*channels);
    for (int32_t c : linear.outlierChannels)
      if (c < 0 || c >= *k)
        return formatError("tensor '" + base +
                           ".wq.outlier_channels' has a channel outside K");
    if (weights->shape != std::vector<int64_t>{
                              *n, int64_t(linear.outlierChannels.size())})
      return formatError("tensor '" + base +
                         ".wq.outlier_weights' must be [N, O]");
    Expected<std::vector<float>> v = file.readFloats(*weights);
    if (!v)
      return v.takeError();
    linear.outlierWeights = std::move(*v);
  }
  if (const TensorView *is = file.find(base + ".wq.input_scales")) {
    Expected<std::vector<float>> v = file.readFloats(*is);
    if (!v)
      return v.takeError();
    if (static_cast<int64_t>(v->size()) != *k)
      return formatError("tensor '" + base + ".wq.input_scales' must be [K]");
    linear.inputScales = std::move(*v);
  }
  return std::move(linear);
}

} // namespace

bool parseCheckpointFormat(StringRef name, CheckpointFormat &format) {
  if (name == "gptq")
    format = CheckpointFormat::Gptq;
  else if (name == "awq")
    format = CheckpointFormat::Awq;
  else if (name == "wq")
    format = CheckpointFormat::Wq;
  else
    return false;
  return true;
}

const char *checkpointFormatName(CheckpointFormat format) {
  switch (format) {
  case CheckpointFormat::Gptq:
    return "gptq";
  case CheckpointFormat::Awq:
    return "awq";
  case CheckpointFormat::Wq:
    return "wq";
  }
  return "?";
}

std::string baseName(StringRef name) {
  if (name.ends_with(".weight"))
    return name.drop_back(7).str();
  return name.str();
}

Error addQuantizedLinear(SafetensorsWriter &writer,
                         const QuantizedLinear &linear,
                         CheckpointFormat format, bool referencePacked) {
  switch (format) {
  case CheckpointFormat::Gptq:
    return addGptq(writer, linear);
  case CheckpointFormat::Awq:
    return addAwq(writer, linear);
  case CheckpointFormat::Wq:
    return addWq(writer, linear, referencePacked);
  }
  return formatError("unknown format");
}

std::optional<ConfigFile> checkpointConfig(CheckpointFormat format,
                                           const QuantScheme &scheme,
                                           bool actOrder, bool staticGroups,
                                           double dampPercent) {
  json::Object config;
  ConfigFile file;
  int64_t group = scheme.groupSize == 0 ? -1 : scheme.groupSize;
  if (format == CheckpointFormat::Gptq) {
    file.fileName = "quantize_config.json";
    config = json::Object{{"bits", int64_t(scheme.bits)},
                          {"group_size", group},
                          {"damp_percent", dampPercent},
                          {"desc_act", actOrder},
                          {"static_groups", staticGroups},
                          {"sym", !scheme.zeroPoints},
                          {"true_sequential", true},
                          {"model_name_or_path", nullptr},
                          {"model_file_base_name", nullptr},
                          {"quant_method", "gptq"},
                          {"checkpoint_format", "gptq"}};
  } else if (format == CheckpointFormat::Awq) {
    file.fileName = "quant_config.json";
    config = json::Object{{"zero_point", true},
                          {"q_group_size", group},
                          {"w_bit", int64_t(scheme.bits)},
                          {"version", "GEMM"}};
  } else {
    return std::nullopt;
  }
  raw_string_ostream os(file.text);
  os << formatv("{0:2}", json::Value(std::move(config))) << "\n";
  os.flush();
  return file;
}

Expected<std::optional<LinearCalibration>>
loadLinearCalibration(const SafetensorsFile &file, StringRef name, int64_t k) {
  std::string base = baseName(name);
  auto lookup = [&](StringRef suffix) -> const TensorView * {
    if (const TensorView *t = file.find((name + suffix).str()))
      return t;
    return file.find(base + suffix.str());
  };
  LinearCalibration result;
  if (const TensorView *x = lookup(".calib_input")) {
    if (x->shape.size() != 2 || x->shape[1] != k)
      return formatError(file.path() + ": calibration tensor '" + x->name +
                         "' must be [tokens, " + Twine(k) + "]");
    Expected<std::vector<float>> values = file.readFloats(*x);
    if (!values)
      return values.takeError();
    CalibrationStats stats(k);
    if (auto error = stats.add(values->data(), x->shape[0], 1))
      return formatError("'" + x->name + "': " + *error);
    result.hessian = stats.hessian();
    result.channelMeanAbs = stats.channelMeanAbs();
    return std::optional<LinearCalibration>(std::move(result));
  }
  const TensorView *h = lookup(".hessian");
  if (!h)
    return std::optional<LinearCalibration>();
  if (h->shape != std::vector<int64_t>{k, k})
    return formatError(file.path() + ": calibration tensor '" + h->name +
                       "' must be [" + Twine(k) + ", " + Twine(k) + "]");
  Expected<std::vector<float>> hessian = file.readFloats(*h);
  if (!hessian)
    return hessian.takeError();
  result.hessian = std::move(*hessian);
  if (const TensorView *m = lookup(".channel_mean_abs")) {
    if (m->numElements() != k)
      return formatError(file.path() + ": calibration tensor '" + m->name +
                         "' must have " + Twine(k) + " elements");
    Expected<std::vector<float>> mean = file.readFloats(*m);
    if (!mean)
      return mean.takeError();
    result.channelMeanAbs = std::move(*mean);
  }
  return std::optional<LinearCalibration>(std::move(result));
}

bool isQuantizedTensorName(StringRef name, CheckpointFormat format) {
  if (format == CheckpointFormat::Wq)
    return name.contains(".wq.");
  return name.ends_with(".qweight") || name.ends_with(".qzeros") ||
         name.ends_with(".scales") || name.ends_with(".g_idx") ||
         name.ends_with(".input_scales");
}

Expected<CheckpointFormat> detectFormat(const SafetensorsFile &file) {
  bool hasQweight = false, hasGIdx = false;
  for (const TensorView &t : file.tensors()) {
    StringRef name = t.name;
    if (name.ends_with(".wq.packed"))
      return CheckpointFormat::Wq;
    hasQweight |= name.ends_with(".qweight");
    hasGIdx |= name.ends_with(".g_idx");
  }
  if (hasQweight)
    return hasGIdx ? CheckpointFormat::Gptq : CheckpointFormat::Awq;
  return formatError(file.path() +
                     ": no quantized weights (.qweight or .wq.packed) found; "
                     "unknown format");
}

Expected<std::vector<QuantizedLinear>>
readQuantizedLinears(const SafetensorsFile &file, CheckpointFormat format) {
  std::vector<QuantizedLinear> linears;
  StringRef anchor = format == CheckpointFormat::Wq ? ".wq.packed" : ".qweight";
  for (const TensorView &t : file.tensors()) {
    StringRef name = t.name;
    if (!name.ends_with(anchor))
      continue;
    std::string base = name.drop_back(anchor.size()).str();
    Expected<QuantizedLinear> linear =
        format == CheckpointFormat::Gptq  ? readGptq(file, base)
        : format == CheckpointFormat::Awq ? readAwq(file, base)
                                          : readWq(file, base);
    if (!linear)
      return createStringError(inconvertibleErrorCode(),
                               file.path() + ": " +
                                   toString(linear.takeError()));
    linears.push_back(std::move(*linear));
  }
  return linears;
}

} // namespace wq_formats
