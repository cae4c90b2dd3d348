// RUN: bst-opt %s --bst-entry-wrappers --split-input-file --verify-diagnostics | FileCheck %s

// bst-entry-wrappers adds `bst_entry_<f>(!llvm.ptr)` for each defined LLVM function `f` whose
// arguments are all pointers: it loads argument i from slot i of the array and calls `f`, so the
// runtime calls every compiled function as `void(void **)`.

// CHECK-LABEL: llvm.func @step(
// CHECK-LABEL: llvm.func @bst_entry_step(
// CHECK-SAME: %[[SLOTS:.*]]: !llvm.ptr) {
// CHECK-NEXT: %[[P0:.*]] = llvm.getelementptr %[[SLOTS]][0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK-NEXT: %[[A0:.*]] = llvm.load %[[P0]] : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT: %[[P1:.*]] = llvm.getelementptr %[[SLOTS]][1] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK-NEXT: %[[A1:.*]] = llvm.load %[[P1]] : !llvm.ptr -> !llvm.ptr
// CHECK-NEXT: llvm.call @step(%[[A0]], %[[A1]]) : (!llvm.ptr, !llvm.ptr) -> ()
// CHECK-NEXT: llvm.return
// CHECK-NEXT: }
llvm.func @step(%arg0: !llvm.ptr, %arg1: !llvm.ptr) {
  %0 = llvm.load %arg0 : !llvm.ptr -> f32
  llvm.store %0, %arg1 : f32, !llvm.ptr
  llvm.return
}

// -----

// A function without slots still gets a wrapper (the array is not read).
// CHECK-LABEL: llvm.func @bst_entry_nothing(
// CHECK-SAME: %{{.*}}: !llvm.ptr) {
// CHECK-NEXT: llvm.call @nothing() : () -> ()
// CHECK-NEXT: llvm.return
llvm.func @nothing() {
  llvm.return
}

// -----

// Declarations, MLIR's own `_mlir_*` helpers and existing wrappers get none, so running the pass
// twice changes nothing.
// CHECK-LABEL: llvm.func @malloc(i64) -> !llvm.ptr
// CHECK-NOT: @bst_entry_malloc
// CHECK-NOT: @bst_entry__mlir
// CHECK-NOT: @bst_entry_bst_entry_
// CHECK: llvm.func @bst_entry_f(
// CHECK-NOT: @bst_entry_
llvm.func @malloc(i64) -> !llvm.ptr
llvm.func @_mlir_ciface_f(%arg0: !llvm.ptr) {
  llvm.return
}
llvm.func @f(%arg0: !llvm.ptr) {
  llvm.return
}
llvm.func @bst_entry_g(%arg0: !llvm.ptr) {
  llvm.return
}

// -----

// A non-pointer argument (a memref descriptor, a scalar) cannot come from the slot array.
// expected-error @below {{bst-entry-wrappers: argument of type 'f32' is not a pointer; run convert-func-to-llvm with use-bare-ptr-memref-call-conv=1 on statically shaped memrefs first}}
llvm.func @scalar(%arg0: !llvm.ptr, %arg1: f32) {
  llvm.return
}

// -----

// A function the conversions did not reach would be dropped without a wrapper.
// expected-error @below {{bst-entry-wrappers: function 'dynamic' was not converted to the LLVM dialect; bst's pipeline handles statically shaped tensors only}}
func.func @dynamic(%arg0: memref<?xf32>) {
  return
}
