// RUN: bst-opt %s --bst-cpu-pipeline --split-input-file \
// RUN:   | FileCheck %s --implicit-check-not=memrefCopy --implicit-check-not=builtin.unrealized_conversion_cast

// --bst-cpu-pipeline on hand-written tensor-level modules: the result is pure LLVM dialect, one
// function per input function taking bare pointers, plus its bst_entry_ wrapper.

// A state updated in place by an elementwise op: no allocation.
// CHECK-LABEL: llvm.func @decay(
// CHECK-SAME: %arg0: !llvm.ptr, %arg1: !llvm.ptr) {
// CHECK-NOT: malloc
// CHECK: llvm.fmul
// CHECK: llvm.store
// CHECK: llvm.return
// CHECK-LABEL: llvm.func @bst_entry_decay(%arg0: !llvm.ptr) {
// CHECK: llvm.call @decay(
#id = affine_map<(d0) -> (d0)>
func.func @decay(%x: tensor<64xf32> {bufferization.writable = false},
                 %v: tensor<64xf32> {bufferization.writable = true}) -> tensor<64xf32> {
  %0 = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel"]}
      ins(%x : tensor<64xf32>) outs(%v : tensor<64xf32>) {
  ^bb0(%a: f32, %b: f32):
    %c = arith.mulf %a, %b : f32
    linalg.yield %c : f32
  } -> tensor<64xf32>
  %1 = bufferization.materialize_in_destination %0 in %v
      : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
  return %1 : tensor<64xf32>
}

// -----

// A copy between strided views in a module without any linalg op: it becomes loops (not a call
// of MLIR's runtime `memrefCopy`, which the JIT does not link).
// CHECK-LABEL: llvm.func @slice(
// CHECK-NOT: llvm.call
// CHECK: llvm.cond_br
// CHECK: llvm.load
// CHECK: llvm.store
// CHECK-LABEL: llvm.func @bst_entry_slice(
func.func @slice(%t: tensor<8x4xf32> {bufferization.writable = false},
                 %out: tensor<2x3xf32> {bufferization.writable = true}) -> tensor<2x3xf32> {
  %s = tensor.extract_slice %t[1, 1] [2, 3] [1, 1] : tensor<8x4xf32> to tensor<2x3xf32>
  %0 = bufferization.materialize_in_destination %s in %out
      : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Two states swapped through temporaries (as the lowering emits it): the temporaries are views
// of one allocation (bst-merge-allocs), which is freed.
// CHECK-LABEL: llvm.func @swap(
// CHECK: llvm.call @malloc
// CHECK-NOT: llvm.call @malloc
// CHECK: llvm.call @free
// CHECK-NOT: llvm.call @free
// CHECK: llvm.return
func.func @swap(%a: tensor<8xf32> {bufferization.writable = true},
                %b: tensor<8xf32> {bufferization.writable = true}) -> (tensor<8xf32>, tensor<8xf32>) {
  %ta = bufferization.alloc_tensor() copy(%b) : tensor<8xf32>
  %tb = bufferization.alloc_tensor() copy(%a) : tensor<8xf32>
  %0 = bufferization.materialize_in_destination %ta in %a
      : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %1 = bufferization.materialize_in_destination %tb in %b
      : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %0, %1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// Every function of the module gets its wrapper.
// CHECK-LABEL: llvm.func @first(
// CHECK-LABEL: llvm.func @second(
// CHECK-DAG: llvm.func @bst_entry_first(%arg0: !llvm.ptr)
// CHECK-DAG: llvm.func @bst_entry_second(%arg0: !llvm.ptr)
func.func @first(%a: tensor<4xf32> {bufferization.writable = true}) -> tensor<4xf32> {
  return %a : tensor<4xf32>
}
func.func @second(%a: tensor<4xi32> {bufferization.writable = true}) -> tensor<4xi32> {
  return %a : tensor<4xi32>
}

// -----

// A slot's old value read into another slot (by a generic the canonicalizer would fold into a
// plain copy of the slot) before the slot is overwritten, in the order the lowering emits them.
// The pipeline keeps that order: the old value is loaded and stored into %r, and only then is
// the constant stored into %s. (Canonicalizing before bufferization made the second
// materialization read %s after the first had written it: "cannot avoid RaW conflict".)
// CHECK-LABEL: llvm.func @read_then_overwrite(
// CHECK-SAME: %[[S:[a-z0-9]+]]: !llvm.ptr, %[[R:[a-z0-9]+]]: !llvm.ptr) {
// CHECK-DAG: %[[R1:.*]] = llvm.insertvalue %[[R]], %{{.*}}[1]
// CHECK-DAG: %[[RD:.*]] = llvm.insertvalue %{{.*}}, %[[R1]][2]
// CHECK-DAG: %[[S1:.*]] = llvm.insertvalue %[[S]], %{{.*}}[1]
// CHECK-DAG: %[[SD:.*]] = llvm.insertvalue %{{.*}}, %[[S1]][2]
// CHECK-DAG: %[[G:.*]] = llvm.mlir.addressof @{{.*}} : !llvm.ptr
// CHECK: %[[SP:.*]] = llvm.extractvalue %[[SD]][1]
// CHECK-NEXT: %[[OLD:.*]] = llvm.load %[[SP]] : !llvm.ptr -> i1
// CHECK-NEXT: %[[RP:.*]] = llvm.extractvalue %[[RD]][1]
// CHECK-NEXT: llvm.store %[[OLD]], %[[RP]] : i1, !llvm.ptr
// CHECK-NEXT: %[[NEW:.*]] = llvm.load %[[G]] : !llvm.ptr -> i1
// CHECK-NEXT: %[[SP2:.*]] = llvm.extractvalue %[[SD]][1]
// CHECK-NEXT: llvm.store %[[NEW]], %[[SP2]] : i1, !llvm.ptr
// CHECK-NEXT: llvm.return
#scalar = affine_map<() -> ()>
func.func @read_then_overwrite(%s: tensor<i1> {bufferization.writable = true},
                               %r: tensor<i1> {bufferization.writable = true})
    -> (tensor<i1>, tensor<i1>) attributes {bst.result_slots = array<i64: 0, 1>} {
  %cst = arith.constant dense<true> : tensor<i1>
  %0 = linalg.generic {indexing_maps = [#scalar, #scalar], iterator_types = []}
      ins(%s : tensor<i1>) outs(%r : tensor<i1>) {
  ^bb0(%in: i1, %out: i1):
    %true = arith.constant true
    %1 = arith.andi %in, %true : i1
    linalg.yield %1 : i1
  } -> tensor<i1>
  %1 = bufferization.materialize_in_destination %cst in %s
      : (tensor<i1>, tensor<i1>) -> tensor<i1>
  %2 = bufferization.materialize_in_destination %0 in %r
      : (tensor<i1>, tensor<i1>) -> tensor<i1>
  return %1, %2 : tensor<i1>, tensor<i1>
}
