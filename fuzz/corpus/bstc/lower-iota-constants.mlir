#map = affine_map<(d0) -> (d0)>
module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22iota_constants\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22f32\22, \22shape\22: [32], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22argument\22, \22name\22: \22arg1\22, \22dtype\22: \22f32\22, \22shape\22: [4], \22read\22: true, \22written\22: false}, {\22index\22: 2, \22role\22: \22capture\22, \22name\22: \22capture0\22, \22dtype\22: \22f32\22, \22shape\22: [32], \22read\22: true, \22written\22: false}, {\22index\22: 3, \22role\22: \22result\22, \22name\22: \22result.[0]\22, \22dtype\22: \22f32\22, \22shape\22: [32], \22read\22: false, \22written\22: true}, {\22index\22: 4, \22role\22: \22result\22, \22name\22: \22result.[1]\22, \22dtype\22: \22i32\22, \22shape\22: [20], \22read\22: false, \22written\22: true}, {\22index\22: 5, \22role\22: \22result\22, \22name\22: \22result.[2]\22, \22dtype\22: \22f32\22, \22shape\22: [4], \22read\22: false, \22written\22: true}]}"} {
  func.func @iota_constants(%arg0: tensor<32xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<4xf32> {bst.role = "argument", bst.slot = "arg1", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<32xf32> {bst.role = "capture", bst.slot = "capture0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg3: tensor<32xf32> {bst.role = "result", bst.slot = "result.[0]", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg4: tensor<20xi32> {bst.role = "result", bst.slot = "result.[1]", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg5: tensor<4xf32> {bst.role = "result", bst.slot = "result.[2]", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<32xf32>, tensor<20xi32>, tensor<4xf32>) attributes {bst.result_slots = array<i64: 3, 4, 5>} {
    %cst = arith.constant dense<2.500000e-01> : tensor<f32>
    %cst_0 = arith.constant dense<3.000000e+00> : tensor<f32>
    %cst_1 = arith.constant dense<[5.000000e-01, 1.500000e+00, 2.500000e+00, 3.500000e+00]> : tensor<4xf32>
    %0 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel"]} ins(%arg2, %arg0 : tensor<32xf32>, tensor<32xf32>) outs(%arg3 : tensor<32xf32>) {
    ^bb0(%in: f32, %in_2: f32, %out: f32):
      %6 = linalg.index 0 : index
      %7 = arith.index_cast %6 : index to i64
      %8 = arith.sitofp %7 : i64 to f32
      %cst_3 = arith.constant 2.500000e-01 : f32
      %9 = arith.mulf %8, %cst_3 : f32
      %10 = arith.mulf %9, %in : f32
      %11 = arith.addf %10, %in_2 : f32
      %cst_4 = arith.constant 3.000000e+00 : f32
      %12 = arith.addf %11, %cst_4 : f32
      linalg.yield %12 : f32
    } -> tensor<32xf32>
    %1 = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel"]} outs(%arg4 : tensor<20xi32>) {
    ^bb0(%out: i32):
      %6 = linalg.index 0 : index
      %7 = arith.index_cast %6 : index to i64
      %8 = arith.trunci %7 : i64 to i32
      linalg.yield %8 : i32
    } -> tensor<20xi32>
    %2 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel"]} ins(%arg1, %cst_1 : tensor<4xf32>, tensor<4xf32>) outs(%arg5 : tensor<4xf32>) {
    ^bb0(%in: f32, %in_2: f32, %out: f32):
      %6 = arith.mulf %in, %in_2 : f32
      linalg.yield %6 : f32
    } -> tensor<4xf32>
    %3 = bufferization.materialize_in_destination %0 in %arg3 : (tensor<32xf32>, tensor<32xf32>) -> tensor<32xf32>
    %4 = bufferization.materialize_in_destination %1 in %arg4 : (tensor<20xi32>, tensor<20xi32>) -> tensor<20xi32>
    %5 = bufferization.materialize_in_destination %2 in %arg5 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    return %3, %4, %5 : tensor<32xf32>, tensor<20xi32>, tensor<4xf32>
  }
}
