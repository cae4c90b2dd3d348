// RUN: bst-opt %s --bst-merge-allocs --split-input-file | FileCheck %s

// bst-merge-allocs: the buffers a function allocates and frees at its top level become 64-byte
// aligned views of one allocation, freed before the function returns. Buffers allocated in a
// loop, freed elsewhere than at the top level, and functions that inspect base buffers
// (extract_strided_metadata, for run-time ownership checks) are left alone. Buffers that are
// never live at the same time share bytes.

// CHECK-LABEL: func.func @merged(
// CHECK: %[[BLOCK:.*]] = memref.alloc() {alignment = 64 : i64} : memref<1088xi8>
// CHECK: %[[A:.*]] = memref.view %[[BLOCK]][%c0{{.*}}][] : memref<1088xi8> to memref<8x32xf32>
// CHECK: %[[B:.*]] = memref.view %[[BLOCK]][%c1024{{.*}}][] : memref<1088xi8> to memref<3xf64>
// CHECK: scf.for
// CHECK: %[[L:.*]] = memref.alloc() : memref<4xf32>
// CHECK: memref.dealloc %[[L]]
// CHECK-NOT: memref.dealloc
// CHECK: memref.dealloc %[[BLOCK]] : memref<1088xi8>
// CHECK-NEXT: return
func.func @merged(%out: memref<8x32xf32>, %out2: memref<3xf64>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %a = memref.alloc() {alignment = 64 : i64} : memref<8x32xf32>
  %b = memref.alloc() : memref<3xf64>
  memref.copy %a, %out : memref<8x32xf32> to memref<8x32xf32>
  memref.dealloc %a : memref<8x32xf32>
  scf.for %i = %c0 to %c4 step %c1 {
    %l = memref.alloc() : memref<4xf32>
    memref.dealloc %l : memref<4xf32>
  }
  memref.copy %b, %out2 : memref<3xf64> to memref<3xf64>
  memref.dealloc %b : memref<3xf64>
  return
}

// -----

// CHECK-LABEL: func.func @ownership_checked(
// CHECK: memref.alloc() : memref<8xf32>
// CHECK: memref.alloc() : memref<8xf32>
// CHECK-NOT: memref.view
func.func @ownership_checked(%out: memref<8xf32>) -> index {
  %a = memref.alloc() : memref<8xf32>
  %b = memref.alloc() : memref<8xf32>
  %base, %offset, %size, %stride = memref.extract_strided_metadata %a : memref<8xf32> -> memref<f32>, index, index, index
  memref.copy %b, %out : memref<8xf32> to memref<8xf32>
  memref.dealloc %a : memref<8xf32>
  memref.dealloc %b : memref<8xf32>
  return %offset : index
}

// -----

// A buffer freed inside a branch keeps its own allocation.
// CHECK-LABEL: func.func @freed_in_branch(
// CHECK: memref.alloc() : memref<8xf32>
// CHECK: memref.alloc() : memref<8xf32>
// CHECK-NOT: memref.view
func.func @freed_in_branch(%c: i1) {
  %a = memref.alloc() : memref<8xf32>
  %b = memref.alloc() : memref<8xf32>
  scf.if %c {
    memref.dealloc %a : memref<8xf32>
  } else {
    memref.dealloc %a : memref<8xf32>
  }
  memref.dealloc %b : memref<8xf32>
  return
}

// -----

// Buffers live at different times share bytes: %b reuses %a's, %c does not overlap %b.
// CHECK-LABEL: func.func @reused(
// CHECK: %[[BLOCK:.*]] = memref.alloc() {alignment = 64 : i64} : memref<128xi8>
// CHECK: memref.view %[[BLOCK]][%c0{{.*}}][] : memref<128xi8> to memref<16xf32>
// CHECK: memref.view %[[BLOCK]][%c0{{.*}}][] : memref<128xi8> to memref<16xf32>
// CHECK: memref.view %[[BLOCK]][%c64{{.*}}][] : memref<128xi8> to memref<4xf32>
// CHECK: memref.dealloc %[[BLOCK]] : memref<128xi8>
// CHECK-NEXT: return
func.func @reused(%out: memref<16xf32>, %out2: memref<4xf32>) {
  %a = memref.alloc() : memref<16xf32>
  memref.copy %a, %out : memref<16xf32> to memref<16xf32>
  memref.dealloc %a : memref<16xf32>
  %b = memref.alloc() : memref<16xf32>
  %c = memref.alloc() : memref<4xf32>
  memref.copy %b, %out : memref<16xf32> to memref<16xf32>
  memref.copy %c, %out2 : memref<4xf32> to memref<4xf32>
  memref.dealloc %b : memref<16xf32>
  memref.dealloc %c : memref<4xf32>
  return
}
