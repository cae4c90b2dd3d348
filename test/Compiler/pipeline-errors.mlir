// RUN: bst-opt %s --bst-cpu-pipeline --split-input-file --verify-diagnostics

// Well-formed input the pipeline cannot compile: the diagnostics name the op and the reason.

// Writing each of two slots from the other's old value with no temporary cannot be done in
// place (bst's lowering copies one first; see swap.test).
// expected-error @+3 {{'bufferization.materialize_in_destination' op not bufferizable under the given constraints: cannot avoid RaW conflict}}
func.func @swap(%a: tensor<8xf32> {bufferization.writable = true},
                %b: tensor<8xf32> {bufferization.writable = true}) -> (tensor<8xf32>, tensor<8xf32>) {
  %0 = bufferization.materialize_in_destination %b in %a
      : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  %1 = bufferization.materialize_in_destination %a in %b
      : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %0, %1 : tensor<8xf32>, tensor<8xf32>
}

// -----

// A read-only slot cannot receive a value.
// expected-error @+3 {{'bufferization.materialize_in_destination' op not bufferizable under the given constraints: would write to read-only buffer}}
func.func @read_only(%x: tensor<8xf32> {bufferization.writable = false},
                     %y: tensor<8xf32> {bufferization.writable = false}) -> tensor<8xf32> {
  %0 = bufferization.materialize_in_destination %x in %y
      : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return %0 : tensor<8xf32>
}

// -----

// Dynamic shapes have no bare-pointer calling convention.
// expected-error @+1 {{bst-entry-wrappers: function 'dynamic' was not converted to the LLVM dialect; bst's pipeline handles statically shaped tensors only}}
func.func @dynamic(%a: tensor<?xf32> {bufferization.writable = true}) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %n = tensor.dim %a, %c0 : tensor<?xf32>
  %e = tensor.empty(%n) : tensor<?xf32>
  %0 = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%a : tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = arith.addf %x, %x : f32
    linalg.yield %y : f32
  } -> tensor<?xf32>
  %1 = bufferization.materialize_in_destination %0 in %a
      : (tensor<?xf32>, tensor<?xf32>) -> tensor<?xf32>
  return %1 : tensor<?xf32>
}

// -----

// A scalar argument cannot come from the slot array.
// expected-error @+1 {{bst-entry-wrappers: argument of type 'f32' is not a pointer}}
func.func @scalar(%a: f32) -> f32 {
  return %a : f32
}

// -----

// MLIR 19 limitation: a loop that accumulates into a slot (scf.for with the slot as its init)
// cannot be materialized back into that slot, because the loop result is not known to be
// equivalent to its init before the analysis. This is why bst's lowering of scatterAdd into a
// state's own value accumulates into a copy (see gather-scatter.test).
func.func @loop_into_slot(%s: tensor<10xf32> {bufferization.writable = true}) -> tensor<10xf32> {
  %one = arith.constant 1.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  // expected-error @+1 {{'scf.for' op not bufferizable under the given constraints: cannot avoid RaW conflict}}
  %0 = scf.for %i = %c0 to %c4 step %c1 iter_args(%acc = %s) -> (tensor<10xf32>) {
    %x = tensor.extract %acc[%i] : tensor<10xf32>
    %y = arith.addf %x, %one : f32
    %r = tensor.insert %y into %acc[%i] : tensor<10xf32>
    scf.yield %r : tensor<10xf32>
  }
  %1 = bufferization.materialize_in_destination %0 in %s
      : (tensor<10xf32>, tensor<10xf32>) -> tensor<10xf32>
  return %1 : tensor<10xf32>
}
