#map = affine_map<(d0) -> (d0)>
module attributes {bst.manifest = "{\22format_version\22:1,\22function\22:\22capture\22,\22slots\22:[{\22dtype\22:\22f32\22,\22index\22:0,\22name\22:\22arg0\22,\22read\22:true,\22role\22:\22argument\22,\22shape\22:[48],\22written\22:false},{\22dtype\22:\22f32\22,\22index\22:1,\22kind\22:\22HiddenState\22,\22name\22:\22acc\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[48],\22written\22:true},{\22dtype\22:\22f32\22,\22index\22:2,\22name\22:\22capture0\22,\22read\22:true,\22role\22:\22capture\22,\22shape\22:[48],\22written\22:false},{\22dtype\22:\22f32\22,\22index\22:3,\22name\22:\22result\22,\22read\22:false,\22role\22:\22result\22,\22shape\22:[48],\22written\22:true}]}"} {
  func.func @capture(%arg0: tensor<48xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<48xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "acc", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<48xf32> {bst.role = "capture", bst.slot = "capture0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg3: tensor<48xf32> {bst.role = "result", bst.slot = "result", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<48xf32>, tensor<48xf32>) attributes {bst.result_slots = array<i64: 1, 3>} {
    %cst = arith.constant dense<[5.000000e-01, 1.000000e+00, 1.500000e+00, 2.000000e+00, 2.500000e+00, 3.000000e+00, 3.500000e+00, 4.000000e+00, 4.500000e+00, 5.000000e+00, 5.500000e+00, 6.000000e+00, 6.500000e+00, 5.000000e-01, 1.000000e+00, 1.500000e+00, 2.000000e+00, 2.500000e+00, 3.000000e+00, 3.500000e+00, 4.000000e+00, 4.500000e+00, 5.000000e+00, 5.500000e+00, 6.000000e+00, 6.500000e+00, 5.000000e-01, 1.000000e+00, 1.500000e+00, 2.000000e+00, 2.500000e+00, 3.000000e+00, 3.500000e+00, 4.000000e+00, 4.500000e+00, 5.000000e+00, 5.500000e+00, 6.000000e+00, 6.500000e+00, 5.000000e-01, 1.000000e+00, 1.500000e+00, 2.000000e+00, 2.500000e+00, 3.000000e+00, 3.500000e+00, 4.000000e+00, 4.500000e+00]> : tensor<48xf32>
    %cst_0 = arith.constant dense<2.000000e+00> : tensor<f32>
    %0:2 = linalg.generic {indexing_maps = [#map, #map, #map, #map, #map], iterator_types = ["parallel"]} ins(%arg0, %cst, %arg1 : tensor<48xf32>, tensor<48xf32>, tensor<48xf32>) outs(%arg1, %arg3 : tensor<48xf32>, tensor<48xf32>) {
    ^bb0(%in: f32, %in_1: f32, %in_2: f32, %out: f32, %out_3: f32):
      %3 = arith.mulf %in, %in_1 : f32
      %4 = arith.addf %3, %in_2 : f32
      %cst_4 = arith.constant 2.000000e+00 : f32
      %5 = arith.mulf %4, %cst_4 : f32
      linalg.yield %4, %5 : f32, f32
    } -> (tensor<48xf32>, tensor<48xf32>)
    %1 = bufferization.materialize_in_destination %0#0 in %arg1 : (tensor<48xf32>, tensor<48xf32>) -> tensor<48xf32>
    %2 = bufferization.materialize_in_destination %0#1 in %arg3 : (tensor<48xf32>, tensor<48xf32>) -> tensor<48xf32>
    return %1, %2 : tensor<48xf32>, tensor<48xf32>
  }
}
