#map = affine_map<(d0, d1) -> (d1, d0)>
#map1 = affine_map<(d0, d1) -> (d0, d1)>
module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22reshape_transpose\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22f32\22, \22shape\22: [2, 3, 4], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22result\22, \22name\22: \22result\22, \22dtype\22: \22f32\22, \22shape\22: [4, 6], \22read\22: false, \22written\22: true}]}"} {
  func.func @reshape_transpose(%arg0: tensor<2x3x4xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<4x6xf32> {bst.role = "result", bst.slot = "result", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> tensor<4x6xf32> attributes {bst.result_slots = array<i64: 1>} {
    %collapsed = tensor.collapse_shape %arg0 [[0, 1, 2]] : tensor<2x3x4xf32> into tensor<24xf32>
    %expanded = tensor.expand_shape %collapsed [[0, 1]] output_shape [6, 4] : tensor<24xf32> into tensor<6x4xf32>
    %0 = tensor.empty() : tensor<4x6xf32>
    %1 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel"]} ins(%expanded : tensor<6x4xf32>) outs(%0 : tensor<4x6xf32>) {
    ^bb0(%in: f32, %out: f32):
      linalg.yield %in : f32
    } -> tensor<4x6xf32>
    %cst = arith.constant dense<2.000000e+00> : tensor<f32>
    %2 = linalg.generic {indexing_maps = [#map1, #map1], iterator_types = ["parallel", "parallel"]} ins(%1 : tensor<4x6xf32>) outs(%arg1 : tensor<4x6xf32>) {
    ^bb0(%in: f32, %out: f32):
      %cst_0 = arith.constant 2.000000e+00 : f32
      %4 = arith.mulf %in, %cst_0 : f32
      linalg.yield %4 : f32
    } -> tensor<4x6xf32>
    %3 = bufferization.materialize_in_destination %2 in %arg1 : (tensor<4x6xf32>, tensor<4x6xf32>) -> tensor<4x6xf32>
    return %3 : tensor<4x6xf32>
  }
}
