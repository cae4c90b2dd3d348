module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22batch_matmul\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22f32\22, \22shape\22: [2, 4, 8], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22argument\22, \22name\22: \22arg1\22, \22dtype\22: \22f32\22, \22shape\22: [2, 8, 3], \22read\22: true, \22written\22: false}, {\22index\22: 2, \22role\22: \22result\22, \22name\22: \22result\22, \22dtype\22: \22f32\22, \22shape\22: [2, 4, 3], \22read\22: false, \22written\22: true}]}"} {
  func.func @batch_matmul(%arg0: tensor<2x4x8xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<2x8x3xf32> {bst.role = "argument", bst.slot = "arg1", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<2x4x3xf32> {bst.role = "result", bst.slot = "result", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> tensor<2x4x3xf32> attributes {bst.result_slots = array<i64: 2>} {
    %cst = arith.constant 0.000000e+00 : f32
    %0 = linalg.fill ins(%cst : f32) outs(%arg2 : tensor<2x4x3xf32>) -> tensor<2x4x3xf32>
    %1 = linalg.batch_matmul ins(%arg0, %arg1 : tensor<2x4x8xf32>, tensor<2x8x3xf32>) outs(%0 : tensor<2x4x3xf32>) -> tensor<2x4x3xf32>
    %2 = bufferization.materialize_in_destination %1 in %arg2 : (tensor<2x4x3xf32>, tensor<2x4x3xf32>) -> tensor<2x4x3xf32>
    return %2 : tensor<2x4x3xf32>
  }
}
