// RUN: bst-opt %s --bst-approximate-math --split-input-file | FileCheck %s

// bst-approximate-math replaces f32 transcendental math ops (scalars and vectors) by MLIR's
// polynomial approximations: arithmetic that LLVM vectorises, where a libm call stays scalar.

// CHECK-LABEL: func.func @exp_f32(
// CHECK-NOT: math.exp
// CHECK: math.fma
// CHECK-NOT: math.exp
// CHECK: return
func.func @exp_f32(%x: f32) -> f32 {
  %0 = math.exp %x : f32
  return %0 : f32
}

// -----

// CHECK-LABEL: func.func @exp_vector(
// CHECK-NOT: math.exp
// CHECK: math.fma {{.*}} : vector<8xf32>
// CHECK: return {{.*}} : vector<8xf32>
func.func @exp_vector(%x: vector<8xf32>) -> vector<8xf32> {
  %0 = math.exp %x : vector<8xf32>
  return %0 : vector<8xf32>
}

// -----

// CHECK-LABEL: func.func @others_f32(
// CHECK-NOT: math.log
// CHECK-NOT: math.tanh
// CHECK-NOT: math.sin
// CHECK-NOT: math.cos
// CHECK-NOT: math.expm1
// CHECK-NOT: math.log1p
// CHECK: return
func.func @others_f32(%x: f32) -> (f32, f32, f32, f32, f32, f32) {
  %0 = math.log %x : f32
  %1 = math.tanh %x : f32
  %2 = math.sin %x : f32
  %3 = math.cos %x : f32
  %4 = math.expm1 %x : f32
  %5 = math.log1p %x : f32
  return %0, %1, %2, %3, %4, %5 : f32, f32, f32, f32, f32, f32
}

// -----

// f64 is left to LLVM's intrinsics (libm), and so are ops with no approximation here.
// CHECK-LABEL: func.func @kept(
// CHECK: math.exp %{{.*}} : f64
// CHECK: math.sqrt %{{.*}} : f32
// CHECK: math.powf %{{.*}}, %{{.*}} : f32
func.func @kept(%x: f64, %y: f32) -> (f64, f32, f32) {
  %0 = math.exp %x : f64
  %1 = math.sqrt %y : f32
  %2 = math.powf %y, %y : f32
  return %0, %1, %2 : f64, f32, f32
}
