// RUN: bst-opt %s --bst-results-to-slots --split-input-file --verify-diagnostics | FileCheck %s

// bst-results-to-slots runs after one-shot bufferization. A function with bst.result_slots
// returns the new contents of its written slots, result i for slot argument
// bst.result_slots[i]: a result that is its slot's buffer already (an in-place update) is
// dropped, any other is copied into the slot first (linalg.copy). The function then returns
// nothing and loses the attribute.

// CHECK-LABEL: func.func @in_place(
// CHECK-SAME: %[[X:[a-z0-9]+]]: memref<8xf32>, %[[S:[a-z0-9]+]]: memref<8xf32>) {
// CHECK-NOT: bst.result_slots
// CHECK-NEXT: linalg.generic {{.*}} ins(%[[X]] : memref<8xf32>) outs(%[[S]] : memref<8xf32>)
// CHECK: linalg.yield
// CHECK-NEXT: }
// CHECK-NEXT: return{{$}}
func.func @in_place(%x: memref<8xf32>, %s: memref<8xf32>) -> memref<8xf32>
    attributes {bst.result_slots = array<i64: 1>} {
  linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                  iterator_types = ["parallel"]}
      ins(%x : memref<8xf32>) outs(%s : memref<8xf32>) {
  ^bb0(%a: f32, %b: f32):
    %c = arith.addf %a, %b : f32
    linalg.yield %c : f32
  }
  return %s : memref<8xf32>
}

// -----

// A result in another buffer is copied into its slot; a result that is its slot is not.
// CHECK-LABEL: func.func @copied(
// CHECK-SAME: %[[A:[a-z0-9]+]]: memref<4xi32>, %[[B:[a-z0-9]+]]: memref<4xi32>, %[[T:[a-z0-9]+]]: memref<4xi32>) {
// CHECK-NEXT: linalg.copy ins(%[[T]] : memref<4xi32>) outs(%[[B]] : memref<4xi32>)
// CHECK-NEXT: return{{$}}
func.func @copied(%a: memref<4xi32>, %b: memref<4xi32>, %t: memref<4xi32>)
    -> (memref<4xi32>, memref<4xi32>) attributes {bst.result_slots = array<i64: 0, 1>} {
  return %a, %t : memref<4xi32>, memref<4xi32>
}

// -----

// Functions without the attribute (written by hand) are left alone.
// CHECK-LABEL: func.func @untouched(
// CHECK-SAME: -> memref<2xf32> {
// CHECK-NEXT: return %arg0 : memref<2xf32>
func.func @untouched(%a: memref<2xf32>) -> memref<2xf32> {
  return %a : memref<2xf32>
}

// -----

// expected-error @+1 {{bst-results-to-slots: 2 results but bst.result_slots names 1 slots}}
func.func @count_mismatch(%a: memref<2xf32>, %b: memref<2xf32>) -> (memref<2xf32>, memref<2xf32>)
    attributes {bst.result_slots = array<i64: 0>} {
  return %a, %b : memref<2xf32>, memref<2xf32>
}

// -----

// expected-error @+1 {{bst-results-to-slots: result of type 'memref<4xf32>' cannot be stored into slot 0 of type 'memref<2xf32>'}}
func.func @type_mismatch(%a: memref<2xf32>, %t: memref<4xf32>) -> memref<4xf32>
    attributes {bst.result_slots = array<i64: 0>} {
  return %t : memref<4xf32>
}
