// RUN: not bst-opt %s 2>&1 | FileCheck %s
// RUN: not bst-opt %s --bst-cpu-pipeline 2>&1 | FileCheck %s

// bst-opt reports malformed input at its file position and exits with an error, printing no
// module (and running no pipeline). malformed-input.mlir has more cases.

// CHECK: bst-opt-errors.mlir:[[# @LINE + 3]]:23: error: use of undeclared SSA value name
// CHECK-NOT: func.func
func.func @undefined(%x: f32) -> f32 {
  %0 = arith.addf %x, %y : f32
  return %0 : f32
}
