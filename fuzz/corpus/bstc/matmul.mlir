#map = affine_map<(d0, d1) -> (d0, d1)>
module attributes {bst.manifest = "{\22format_version\22:1,\22function\22:\22matmul\22,\22slots\22:[{\22dtype\22:\22f32\22,\22index\22:0,\22name\22:\22arg0\22,\22read\22:true,\22role\22:\22argument\22,\22shape\22:[8,16],\22written\22:false},{\22dtype\22:\22f32\22,\22index\22:1,\22kind\22:\22ParamState\22,\22name\22:\22w\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[16,16],\22written\22:false},{\22dtype\22:\22f32\22,\22index\22:2,\22kind\22:\22HiddenState\22,\22name\22:\22h\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[8,16],\22written\22:true}]}"} {
  func.func @matmul(%arg0: tensor<8x16xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<16x16xf32> {bst.kind = "ParamState", bst.role = "state", bst.slot = "w", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<8x16xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "h", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> tensor<8x16xf32> attributes {bst.result_slots = array<i64: 2>} {
    %cst = arith.constant 0.000000e+00 : f32
    %0 = tensor.empty() : tensor<8x16xf32>
    %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<8x16xf32>) -> tensor<8x16xf32>
    %2 = linalg.matmul ins(%arg2, %arg1 : tensor<8x16xf32>, tensor<16x16xf32>) outs(%1 : tensor<8x16xf32>) -> tensor<8x16xf32>
    %cst_0 = arith.constant dense<0.00999999977> : tensor<f32>
    %3 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel", "parallel"]} ins(%2, %arg0 : tensor<8x16xf32>, tensor<8x16xf32>) outs(%arg2 : tensor<8x16xf32>) {
    ^bb0(%in: f32, %in_1: f32, %out: f32):
      %cst_2 = arith.constant 0.00999999977 : f32
      %5 = arith.mulf %in, %cst_2 : f32
      %6 = arith.addf %5, %in_1 : f32
      %7 = math.tanh %6 : f32
      linalg.yield %7 : f32
    } -> tensor<8x16xf32>
    %4 = bufferization.materialize_in_destination %3 in %arg2 : (tensor<8x16xf32>, tensor<8x16xf32>) -> tensor<8x16xf32>
    return %4 : tensor<8x16xf32>
  }
}
