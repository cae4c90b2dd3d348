// RUN: bst-opt %s --bst-tile-matmul --canonicalize --split-input-file | FileCheck %s
// RUN: bst-opt %s --bst-cpu-pipeline --split-input-file | FileCheck %s --check-prefix=LLVM

// bst-tile-matmul turns the bufferized matmul generic of Lowering::matmul (loops (b.., i, k, j))
// into register-tiled blocks of 4 rows x 4 vectors of 16 f32 (8 f64) columns whose accumulators
// stay in registers over the whole k loop; remainder rows and columns get smaller blocks, the
// last partial vector masked. A linalg.fill of c right before becomes the accumulators' start.

#x = affine_map<(d0, d1, d2) -> (d0, d1)>
#y = affine_map<(d0, d1, d2) -> (d1, d2)>
#c = affine_map<(d0, d1, d2) -> (d0, d2)>

// [10,5] x [5,134]: rows 0-7 in a loop of 4-row blocks, rows 8-9 as a 2-row block; columns 0-127
// in a loop of 64-column blocks, columns 128-133 as one masked vector.
// CHECK-LABEL: func.func @tiles(
// CHECK-SAME: %[[X:[a-z0-9]+]]: memref<10x5xf32>, %[[Y:[a-z0-9]+]]: memref<5x134xf32>, %[[C:[a-z0-9]+]]: memref<10x134xf32>
// CHECK-NOT: linalg.
// CHECK: %[[ZERO:.*]] = arith.constant dense<0.000000e+00> : vector<16xf32>
// CHECK: scf.for %[[I:.*]] = %c0 to %c8 step %c4 {
// CHECK: scf.for %[[J:.*]] = %c0 to %c128 step %c64 {
// CHECK: %[[ACC:.*]]:16 = scf.for %[[K:.*]] = %c0 to %c5 step %c1 iter_args({{.*}}%[[ZERO]]{{.*}}) -> (vector<16xf32>,
// CHECK-COUNT-4: vector.load %[[Y]][%[[K]], {{.*}}] : memref<5x134xf32>, vector<16xf32>
// CHECK: %[[A:.*]] = memref.load %[[X]][%[[I]], %[[K]]] : memref<10x5xf32>
// CHECK: %[[S:.*]] = vector.broadcast %[[A]] : f32 to vector<16xf32>
// CHECK: vector.fma %[[S]], {{.*}} : vector<16xf32>
// CHECK-COUNT-15: vector.fma
// CHECK: scf.yield
// CHECK: vector.store %[[ACC]]#0, %[[C]][%[[I]], %[[J]]] : memref<10x134xf32>, vector<16xf32>
// CHECK-COUNT-15: vector.store
// CHECK: }
// CHECK: %[[MASK:.*]] = vector.constant_mask [6] : vector<16xi1>
// CHECK: scf.for {{.*}} iter_args({{.*}}) -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>) {
// CHECK: vector.maskedload %[[Y]][{{.*}}, %c128], %[[MASK]], %[[ZERO]]
// CHECK-COUNT-4: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-4: vector.maskedstore %[[C]][{{.*}}, %c128], %[[MASK]]
// CHECK: }
// CHECK: scf.for %[[J2:.*]] = %c0 to %c128 step %c64 {
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>, vector<16xf32>) {
// CHECK-COUNT-8: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-8: vector.store
// CHECK: }
// CHECK: vector.constant_mask [6]
// CHECK: scf.for {{.*}} -> (vector<16xf32>, vector<16xf32>) {
// CHECK-COUNT-2: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-2: vector.maskedstore
// CHECK-NOT: linalg.
// CHECK: return
// LLVM-LABEL: llvm.func @tiles(
// LLVM: llvm.intr.fmuladd({{.*}}) : (vector<16xf32>, vector<16xf32>, vector<16xf32>) -> vector<16xf32>
// LLVM: llvm.intr.masked.store
func.func @tiles(%x: memref<10x5xf32>, %y: memref<5x134xf32>, %c: memref<10x134xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<10x134xf32>)
  linalg.generic {indexing_maps = [#x, #y, #c], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %y : memref<10x5xf32>, memref<5x134xf32>) outs(%c : memref<10x134xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// Without a fill, the accumulators start from c; batch dimensions are loops around the blocks;
// f64 vectors hold 8 elements.
#bx = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
#by = affine_map<(d0, d1, d2, d3) -> (d0, d2, d3)>
#bc = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-LABEL: func.func @batch_f64(
// CHECK-SAME: %[[X:[a-z0-9]+]]: memref<2x4x3xf64>, %[[Y:[a-z0-9]+]]: memref<2x3x8xf64>, %[[C:[a-z0-9]+]]: memref<2x4x8xf64>
// CHECK: scf.for %[[B:.*]] = %c0 to %c2 step %c1 {
// CHECK: %[[C0:.*]] = vector.load %[[C]][%[[B]], %c0, %c0] : memref<2x4x8xf64>, vector<8xf64>
// CHECK: scf.for %[[K:.*]] = %c0 to %c3 step %c1 iter_args(%{{.*}} = %[[C0]], {{.*}}) -> (vector<8xf64>, vector<8xf64>, vector<8xf64>, vector<8xf64>) {
// CHECK: vector.load %[[Y]][%[[B]], %[[K]], %c0] : memref<2x3x8xf64>, vector<8xf64>
// CHECK: memref.load %[[X]][%[[B]], %c0, %[[K]]] : memref<2x4x3xf64>
// CHECK-COUNT-4: vector.fma
// CHECK: scf.yield
// CHECK-COUNT-4: vector.store
// CHECK-NOT: linalg.
// CHECK: return
func.func @batch_f64(%x: memref<2x4x3xf64>, %y: memref<2x3x8xf64>, %c: memref<2x4x8xf64>) {
  linalg.generic {indexing_maps = [#bx, #by, #bc], iterator_types = ["parallel", "parallel", "reduction", "parallel"]}
      ins(%x, %y : memref<2x4x3xf64>, memref<2x3x8xf64>) outs(%c : memref<2x4x8xf64>) {
  ^bb0(%a: f64, %b: f64, %acc: f64):
    %p = arith.mulf %a, %b : f64
    %s = arith.addf %acc, %p : f64
    linalg.yield %s : f64
  }
  return
}

// -----

// Integer matmuls and y or c with non-contiguous rows keep the generic (loops later).
#ix = affine_map<(d0, d1, d2) -> (d0, d1)>
#iy = affine_map<(d0, d1, d2) -> (d1, d2)>
#ic = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @untouched(
// CHECK-NOT: vector.
// CHECK: linalg.generic
// CHECK-NOT: vector.
// CHECK: linalg.generic
// CHECK-NOT: vector.
// CHECK: return
func.func @untouched(%x: memref<4x3xi32>, %y: memref<3x8xi32>, %c: memref<4x8xi32>,
                     %fx: memref<4x3xf32>, %fy: memref<3x8xf32, strided<[16, 2]>>, %fc: memref<4x8xf32>) {
  linalg.generic {indexing_maps = [#ix, #iy, #ic], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%x, %y : memref<4x3xi32>, memref<3x8xi32>) outs(%c : memref<4x8xi32>) {
  ^bb0(%a: i32, %b: i32, %acc: i32):
    %p = arith.muli %a, %b : i32
    %s = arith.addi %acc, %p : i32
    linalg.yield %s : i32
  }
  linalg.generic {indexing_maps = [#ix, #iy, #ic], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%fx, %fy : memref<4x3xf32>, memref<3x8xf32, strided<[16, 2]>>) outs(%fc : memref<4x8xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}

// -----

// x^T @ y with x^T a transpose written just before (the weight gradient of a dense layer): the
// kernel reads x's columns itself; the transpose and its buffer go. (The fill of c stays: it is
// not right before the matmul.)
#tr = affine_map<(d0, d1) -> (d1, d0)>
#id = affine_map<(d0, d1) -> (d0, d1)>
#tx = affine_map<(d0, d1, d2) -> (d0, d1)>
#ty = affine_map<(d0, d1, d2) -> (d1, d2)>
#tc = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-LABEL: func.func @transposed(
// CHECK-SAME: %[[X:[a-z0-9]+]]: memref<3x4xf32>, %[[Y:[a-z0-9]+]]: memref<3x16xf32>, %[[C:[a-z0-9]+]]: memref<4x16xf32>
// CHECK-NOT: memref.alloc
// CHECK: linalg.fill
// CHECK-NOT: memref.alloc
// CHECK-NOT: linalg.
// CHECK: %[[C0:.*]] = vector.load %[[C]][%c0, %c0] : memref<4x16xf32>, vector<16xf32>
// CHECK: scf.for %[[K:.*]] = %c0 to %c3 step %c1 iter_args(%{{.*}} = %[[C0]]
// CHECK: vector.load %[[Y]][%[[K]], %c0] : memref<3x16xf32>, vector<16xf32>
// CHECK: memref.load %[[X]][%[[K]], %c0] : memref<3x4xf32>
// CHECK: memref.load %[[X]][%[[K]], %c1] : memref<3x4xf32>
// CHECK: memref.load %[[X]][%[[K]], %c2] : memref<3x4xf32>
// CHECK: memref.load %[[X]][%[[K]], %c3] : memref<3x4xf32>
// CHECK-NOT: memref.alloc
// CHECK: return
func.func @transposed(%x: memref<3x4xf32>, %y: memref<3x16xf32>, %c: memref<4x16xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<4x16xf32>)
  %xt = memref.alloc() : memref<4x3xf32>
  linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]}
      ins(%x : memref<3x4xf32>) outs(%xt : memref<4x3xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  }
  linalg.generic {indexing_maps = [#tx, #ty, #tc], iterator_types = ["parallel", "reduction", "parallel"]}
      ins(%xt, %y : memref<4x3xf32>, memref<3x16xf32>) outs(%c : memref<4x16xf32>) {
  ^bb0(%a: f32, %b: f32, %acc: f32):
    %p = arith.mulf %a, %b : f32
    %s = arith.addf %acc, %p : f32
    linalg.yield %s : f32
  }
  return
}
