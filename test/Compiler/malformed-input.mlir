// RUN: bst-opt %s --split-input-file --verify-diagnostics

// Parse and verifier errors bst-opt reports on malformed input (bst-opt-errors.mlir checks the
// exit code and the message format).

// expected-note @+1 {{prior use here}}
func.func @mismatch(%x: f32, %y: f64) -> f32 {
  // expected-error @+1 {{use of value '%y' expects different type than prior uses: 'f32' vs 'f64'}}
  %0 = arith.addf %x, %y : f32
  return %0 : f32
}

// -----

// expected-error @+1 {{custom op 'linalg.not_an_op' is unknown}}
%0 = linalg.not_an_op : f32

// -----

func.func @bad_return(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant 1.0 : f32
  // expected-error @+1 {{type of return operand 0 ('f32') doesn't match function result type ('tensor<4xf32>')}}
  return %c : f32
}

// -----

func.func @bad_generic(%x: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{expected indexing_map #0 to have 1 dim(s) to match the number of loops}}
  %0 = linalg.generic {indexing_maps = [affine_map<(d0, d1) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%x : tensor<4xf32>) outs(%x : tensor<4xf32>) {
  ^bb0(%a: f32, %b: f32):
    linalg.yield %a : f32
  } -> tensor<4xf32>
  return %0 : tensor<4xf32>
}
