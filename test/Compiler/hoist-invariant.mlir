// RUN: bst-opt %s --bst-hoist-invariant-generics | FileCheck %s

// bst-hoist-invariant-generics moves a loop body's linalg.generic ops that compute from values
// defined outside the loop only (here the transpose of a weight, as backpropagation through time
// reads it at every step) before the loop, with the tensor.empty they write. Generics that read
// the loop's induction variable or carries, fills (no input), and readers of a slot written
// before the loop stay.

#id = affine_map<(d0, d1) -> (d0, d1)>
#tr = affine_map<(d0, d1) -> (d1, d0)>

// CHECK-LABEL: func.func @hoist(
// CHECK-SAME: %[[W:[a-z0-9]+]]: tensor<4x4xf32>, %[[H:[a-z0-9]+]]: tensor<4x4xf32>
// CHECK: %[[E:.*]] = tensor.empty() : tensor<4x4xf32>
// CHECK: %[[T:.*]] = linalg.generic {{.*}} ins(%[[W]] : tensor<4x4xf32>) outs(%[[E]] : tensor<4x4xf32>)
// CHECK: scf.for {{.*}} iter_args(%[[C:.*]] = %[[H]])
// CHECK: linalg.fill
// CHECK: linalg.generic {{.*}} ins(%[[T]], %[[C]] : tensor<4x4xf32>, tensor<4x4xf32>)
// CHECK: scf.yield
func.func @hoist(%w: tensor<4x4xf32>, %h: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %zero = arith.constant 0.0 : f32
  %r = scf.for %i = %c0 to %c8 step %c1 iter_args(%c = %h) -> (tensor<4x4xf32>) {
    %e = tensor.empty() : tensor<4x4xf32>
    %t = linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]}
        ins(%w : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<4x4xf32>
    %e2 = tensor.empty() : tensor<4x4xf32>
    %z = linalg.fill ins(%zero : f32) outs(%e2 : tensor<4x4xf32>) -> tensor<4x4xf32>
    %s = linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]}
        ins(%t, %c : tensor<4x4xf32>, tensor<4x4xf32>) outs(%z : tensor<4x4xf32>) {
    ^bb0(%a: f32, %b: f32, %out: f32):
      %p = arith.addf %a, %b : f32
      linalg.yield %p : f32
    } -> tensor<4x4xf32>
    scf.yield %s : tensor<4x4xf32>
  }
  return %r : tensor<4x4xf32>
}

// CHECK-LABEL: func.func @slot_written_before(
// CHECK: bufferization.materialize_in_destination
// CHECK: scf.for
// CHECK: tensor.empty
// CHECK: linalg.generic {{.*}} ins(%arg0 : tensor<4x4xf32>)
// CHECK: scf.yield
func.func @slot_written_before(%w: tensor<4x4xf32> {bufferization.writable = true}, %h: tensor<4x4xf32>) -> tensor<4x4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %written = bufferization.materialize_in_destination %h in %w : (tensor<4x4xf32>, tensor<4x4xf32>) -> tensor<4x4xf32>
  %r = scf.for %i = %c0 to %c8 step %c1 iter_args(%c = %h) -> (tensor<4x4xf32>) {
    %e = tensor.empty() : tensor<4x4xf32>
    %t = linalg.generic {indexing_maps = [#tr, #id], iterator_types = ["parallel", "parallel"]}
        ins(%w : tensor<4x4xf32>) outs(%e : tensor<4x4xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<4x4xf32>
    scf.yield %t : tensor<4x4xf32>
  }
  return %r : tensor<4x4xf32>
}

// CHECK-LABEL: func.func @variant(
// CHECK: scf.for %[[I:[a-z0-9]+]] =
// CHECK: tensor.extract_slice {{.*}}[%[[I]]
// CHECK: linalg.generic
// CHECK: scf.yield
func.func @variant(%xs: tensor<8x4xf32>, %h: tensor<4xf32>) -> tensor<4xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8 = arith.constant 8 : index
  %r = scf.for %i = %c0 to %c8 step %c1 iter_args(%c = %h) -> (tensor<4xf32>) {
    %x = tensor.extract_slice %xs[%i, 0] [1, 4] [1, 1] : tensor<8x4xf32> to tensor<4xf32>
    %e = tensor.empty() : tensor<4xf32>
    %t = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]}
        ins(%x : tensor<4xf32>) outs(%e : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %n = arith.negf %in : f32
      linalg.yield %n : f32
    } -> tensor<4xf32>
    scf.yield %t : tensor<4xf32>
  }
  return %r : tensor<4xf32>
}
