// RUN: wq-opt %s --split-input-file --verify-diagnostics --wq-quantize-weights="bits=4 group-size=4"
// RUN: not wq-opt %s --wq-quantize-weights="bits=3" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not wq-opt %s --wq-quantize-weights="method=foo" 2>&1 | FileCheck %s --check-prefix=METHOD
// RUN: not wq-opt %s --wq-quantize-weights="method=gptq" 2>&1 | FileCheck %s --check-prefix=NOCALIB
// RUN: not wq-opt %s --wq-quantize-weights="method=awq calibration=%t.missing" 2>&1 | FileCheck %s --check-prefix=NOFILE
// RUN: not wq-opt %s --wq-quantize-weights="outlier-fraction=1.5" 2>&1 | FileCheck %s --check-prefix=OUTLIERS
// RUN: not wq-opt %s --wq-quantize-weights="outlier-fraction=nan" 2>&1 | FileCheck %s --check-prefix=OUTLIERS
// RUN: not wq-opt %s --wq-quantize-weights="damp=nan" 2>&1 | FileCheck %s --check-prefix=DAMP
// RUN: not wq-opt %s --wq-quantize-weights="damp=inf" 2>&1 | FileCheck %s --check-prefix=DAMP
// RUN: not wq-opt %s --wq-quantize-weights="scale-type=f64" 2>&1 | FileCheck %s --check-prefix=SCALE
// RUN: not wq-opt %s --wq-quantize-weights="ops=linalg.conv_2d" 2>&1 | FileCheck %s --check-prefix=OPS
// RUN: not wq-opt %s --wq-quantize-weights="group-size=-1" 2>&1 | FileCheck %s --check-prefix=GROUP
// RUN: not wq-opt %s --wq-quantize-weights="act-order=true" 2>&1 | FileCheck %s --check-prefix=ACTORDER

// BITS: wq-quantize-weights: bits must be 4 or 8, got 3
// METHOD: wq-quantize-weights: unknown method 'foo' (supported: rtn, rtn-mse, gptq, awq)
// NOCALIB: wq-quantize-weights: method=gptq needs calibration=<statistics.safetensors>
// NOFILE: wq-quantize-weights: {{.*}}.missing: cannot open
// OUTLIERS: wq-quantize-weights: the outlier fraction (--outlier-fraction) must be in [0, 1)
// DAMP: wq-quantize-weights: the GPTQ damping (--damp) must be a finite number >= 0
// SCALE: wq-quantize-weights: scale-type must be f16, bf16 or f32, got 'f64'
// OPS: wq-quantize-weights: unknown op kind 'linalg.conv_2d' in ops=
// GROUP: wq-quantize-weights: group-size must be positive, or 0 for per-channel
// ACTORDER: wq-quantize-weights: act-order and static-groups apply to method gptq

// A NaN weight is an error that names the op and the element.
func.func @nan_weight(%x: tensor<2x2xf32>) -> tensor<2x2xf32> {
  %w = arith.constant dense<[[1.0, 0x7FC00000], [2.0, 3.0]]> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2x2xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2x2xf32>) -> tensor<2x2xf32>
  // expected-error @+1 {{cannot quantize the weight of this op: weight [1, 0] is not finite (nan)}}
  %y = linalg.matmul ins(%x, %w : tensor<2x2xf32>, tensor<2x2xf32>) outs(%z : tensor<2x2xf32>) -> tensor<2x2xf32>
  return %y : tensor<2x2xf32>
}

// -----

func.func @inf_weight(%x: tensor<2xf32>) -> tensor<2xf32> {
  %w = arith.constant dense<[[1.0, 0x7F800000], [2.0, 3.0]]> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2xf32>) -> tensor<2xf32>
  // expected-error @+1 {{cannot quantize the weight of this op: weight [0, 1] is not finite (inf)}}
  %y = linalg.matvec ins(%w, %x : tensor<2x2xf32>, tensor<2xf32>) outs(%z : tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// A weight too large for f16 scales is an error rather than an Inf scale.
func.func @scale_overflow(%x: tensor<2xf32>) -> tensor<2xf32> {
  %w = arith.constant dense<[[1.0e+30, 2.0], [2.0, 3.0]]> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2xf32>) -> tensor<2xf32>
  // expected-error @+1 {{overflows the scale type f16}}
  %y = linalg.matvec ins(%w, %x : tensor<2x2xf32>, tensor<2xf32>) outs(%z : tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}

// -----

// A dense_resource whose blob is missing.
func.func @missing_blob(%x: tensor<2xf32>) -> tensor<2xf32> {
  %w = arith.constant dense_resource<nowhere> : tensor<2x2xf32>
  %cst = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<2xf32>
  %z = linalg.fill ins(%cst : f32) outs(%e : tensor<2xf32>) -> tensor<2xf32>
  // expected-error @+1 {{cannot read the weight constant: dense_resource 'nowhere' has no data}}
  %y = linalg.matvec ins(%w, %x : tensor<2x2xf32>, tensor<2xf32>) outs(%z : tensor<2xf32>) -> tensor<2xf32>
  return %y : tensor<2xf32>
}
