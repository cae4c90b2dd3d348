#map = affine_map<(d0, d1) -> ()>
#map1 = affine_map<(d0, d1) -> (d0, 0)>
#map2 = affine_map<(d0, d1) -> (d1)>
#map3 = affine_map<(d0, d1) -> (d0, d1)>
module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22broadcast\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22f32\22, \22shape\22: [4, 1], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22argument\22, \22name\22: \22arg1\22, \22dtype\22: \22f32\22, \22shape\22: [3], \22read\22: true, \22written\22: false}, {\22index\22: 2, \22role\22: \22argument\22, \22name\22: \22arg2\22, \22dtype\22: \22f32\22, \22shape\22: [], \22read\22: true, \22written\22: false}, {\22index\22: 3, \22role\22: \22state\22, \22name\22: \22bc.acc\22, \22kind\22: \22HiddenState\22, \22dtype\22: \22f32\22, \22shape\22: [4, 3], \22read\22: true, \22written\22: true}]}"} {
  func.func @broadcast(%arg0: tensor<4x1xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<3xf32> {bst.role = "argument", bst.slot = "arg1", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<f32> {bst.role = "argument", bst.slot = "arg2", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg3: tensor<4x3xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "bc.acc", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> tensor<4x3xf32> attributes {bst.result_slots = array<i64: 3>} {
    %0 = linalg.generic {indexing_maps = [#map, #map1, #map2, #map3, #map3], iterator_types = ["parallel", "parallel"]} ins(%arg2, %arg0, %arg1, %arg3 : tensor<f32>, tensor<4x1xf32>, tensor<3xf32>, tensor<4x3xf32>) outs(%arg3 : tensor<4x3xf32>) {
    ^bb0(%in: f32, %in_0: f32, %in_1: f32, %in_2: f32, %out: f32):
      %2 = arith.mulf %in_0, %in_1 : f32
      %3 = arith.addf %in_2, %2 : f32
      %4 = arith.addf %3, %in : f32
      linalg.yield %4 : f32
    } -> tensor<4x3xf32>
    %1 = bufferization.materialize_in_destination %0 in %arg3 : (tensor<4x3xf32>, tensor<4x3xf32>) -> tensor<4x3xf32>
    return %1 : tensor<4x3xf32>
  }
}
