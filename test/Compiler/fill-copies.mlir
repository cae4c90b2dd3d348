// RUN: bst-opt %s --bst-fill-copies | FileCheck %s

// bst-fill-copies: a buffer filled with one value and then only copied (the zeros a scan stacks
// its per-step outputs into, copied once per stack by bufferization) becomes fills of the copies'
// targets; the buffer, its fill and its deallocation go. A buffer read otherwise stays.

// CHECK-LABEL: func.func @stacks(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<8x4xf32>, %[[B:[a-z0-9]+]]: memref<8x4xf32>
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK-NOT: memref.alloc
// CHECK: linalg.fill ins(%[[Z]] : f32) outs(%[[A]] : memref<8x4xf32>)
// CHECK-NEXT: linalg.fill ins(%[[Z]] : f32) outs(%[[B]] : memref<8x4xf32>)
// CHECK-NEXT: return
func.func @stacks(%a: memref<8x4xf32>, %b: memref<8x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %z = memref.alloc() : memref<8x4xf32>
  linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0, d1)>], iterator_types = ["parallel", "parallel"]}
      outs(%z : memref<8x4xf32>) {
  ^bb0(%out: f32):
    linalg.yield %zero : f32
  }
  linalg.copy ins(%z : memref<8x4xf32>) outs(%a : memref<8x4xf32>)
  memref.copy %z, %b : memref<8x4xf32> to memref<8x4xf32>
  memref.dealloc %z : memref<8x4xf32>
  return
}

// CHECK-LABEL: func.func @read_otherwise(
// CHECK: %[[Z:.*]] = memref.alloc
// CHECK: linalg.fill {{.*}} outs(%[[Z]]
// CHECK: linalg.copy ins(%[[Z]]
// CHECK: memref.load %[[Z]]
func.func @read_otherwise(%a: memref<8x4xf32>) -> f32 {
  %zero = arith.constant 0.0 : f32
  %c0 = arith.constant 0 : index
  %z = memref.alloc() : memref<8x4xf32>
  linalg.fill ins(%zero : f32) outs(%z : memref<8x4xf32>)
  linalg.copy ins(%z : memref<8x4xf32>) outs(%a : memref<8x4xf32>)
  %v = memref.load %z[%c0, %c0] : memref<8x4xf32>
  memref.dealloc %z : memref<8x4xf32>
  return %v : f32
}
