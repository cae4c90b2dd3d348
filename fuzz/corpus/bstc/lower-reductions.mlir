#map = affine_map<(d0, d1) -> (d0, d1)>
#map1 = affine_map<(d0, d1) -> (d0)>
#map2 = affine_map<(d0, d1) -> ()>
#map3 = affine_map<(d0, d1) -> (d1)>
#map4 = affine_map<() -> ()>
module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22reductions\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22f32\22, \22shape\22: [4, 8], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22result\22, \22name\22: \22result.[0]\22, \22dtype\22: \22f32\22, \22shape\22: [4], \22read\22: false, \22written\22: true}, {\22index\22: 2, \22role\22: \22result\22, \22name\22: \22result.[1]\22, \22dtype\22: \22f32\22, \22shape\22: [], \22read\22: false, \22written\22: true}, {\22index\22: 3, \22role\22: \22result\22, \22name\22: \22result.[2]\22, \22dtype\22: \22f32\22, \22shape\22: [8], \22read\22: false, \22written\22: true}, {\22index\22: 4, \22role\22: \22result\22, \22name\22: \22result.[3]\22, \22dtype\22: \22f32\22, \22shape\22: [1, 1], \22read\22: false, \22written\22: true}, {\22index\22: 5, \22role\22: \22result\22, \22name\22: \22result.[4]\22, \22dtype\22: \22i64\22, \22shape\22: [4], \22read\22: false, \22written\22: true}]}"} {
  func.func @reductions(%arg0: tensor<4x8xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<4xf32> {bst.role = "result", bst.slot = "result.[0]", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<f32> {bst.role = "result", bst.slot = "result.[1]", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg3: tensor<8xf32> {bst.role = "result", bst.slot = "result.[2]", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg4: tensor<1x1xf32> {bst.role = "result", bst.slot = "result.[3]", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg5: tensor<4xi64> {bst.role = "result", bst.slot = "result.[4]", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<1x1xf32>, tensor<4xf32>, tensor<f32>, tensor<8xf32>, tensor<4xi64>) attributes {bst.result_slots = array<i64: 4, 1, 2, 3, 5>} {
    %cst = arith.constant 0.000000e+00 : f32
    %0 = linalg.fill ins(%cst : f32) outs(%arg1 : tensor<4xf32>) -> tensor<4xf32>
    %1 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "reduction"]} ins(%arg0 : tensor<4x8xf32>) outs(%0 : tensor<4xf32>) {
    ^bb0(%in: f32, %out: f32):
      %20 = arith.addf %in, %out fastmath<reassoc> : f32
      linalg.yield %20 : f32
    } -> tensor<4xf32>
    %cst_0 = arith.constant 0.000000e+00 : f32
    %2 = tensor.empty() : tensor<f32>
    %3 = linalg.fill ins(%cst_0 : f32) outs(%2 : tensor<f32>) -> tensor<f32>
    %4 = linalg.generic {indexing_maps = [#map, #map2], iterator_types = ["reduction", "reduction"]} ins(%arg0 : tensor<4x8xf32>) outs(%3 : tensor<f32>) {
    ^bb0(%in: f32, %out: f32):
      %20 = arith.addf %in, %out fastmath<reassoc> : f32
      linalg.yield %20 : f32
    } -> tensor<f32>
    %cst_1 = arith.constant dense<3.200000e+01> : tensor<f32>
    %cst_2 = arith.constant 0xFF800000 : f32
    %5 = linalg.fill ins(%cst_2 : f32) outs(%arg3 : tensor<8xf32>) -> tensor<8xf32>
    %6 = linalg.generic {indexing_maps = [#map, #map3], iterator_types = ["reduction", "parallel"]} ins(%arg0 : tensor<4x8xf32>) outs(%5 : tensor<8xf32>) {
    ^bb0(%in: f32, %out: f32):
      %20 = arith.maximumf %in, %out : f32
      linalg.yield %20 : f32
    } -> tensor<8xf32>
    %cst_3 = arith.constant 0x7F800000 : f32
    %7 = tensor.empty() : tensor<f32>
    %8 = linalg.fill ins(%cst_3 : f32) outs(%7 : tensor<f32>) -> tensor<f32>
    %9 = linalg.generic {indexing_maps = [#map, #map2], iterator_types = ["reduction", "reduction"]} ins(%arg0 : tensor<4x8xf32>) outs(%8 : tensor<f32>) {
    ^bb0(%in: f32, %out: f32):
      %20 = arith.minimumf %in, %out : f32
      linalg.yield %20 : f32
    } -> tensor<f32>
    %expanded = tensor.expand_shape %9 [] output_shape [1, 1] : tensor<f32> into tensor<1x1xf32>
    %cst_4 = arith.constant 0xFF800000 : f32
    %10 = tensor.empty() : tensor<4xf32>
    %11 = linalg.fill ins(%cst_4 : f32) outs(%10 : tensor<4xf32>) -> tensor<4xf32>
    %c0_i64 = arith.constant 0 : i64
    %12 = linalg.fill ins(%c0_i64 : i64) outs(%arg5 : tensor<4xi64>) -> tensor<4xi64>
    %13:2 = linalg.generic {indexing_maps = [#map, #map1, #map1], iterator_types = ["parallel", "reduction"]} ins(%arg0 : tensor<4x8xf32>) outs(%11, %12 : tensor<4xf32>, tensor<4xi64>) {
    ^bb0(%in: f32, %out: f32, %out_5: i64):
      %20 = linalg.index 1 : index
      %21 = arith.index_cast %20 : index to i64
      %22 = arith.cmpf ogt, %in, %out : f32
      %23 = arith.cmpf uno, %in, %in : f32
      %24 = arith.cmpf ord, %out, %out : f32
      %25 = arith.andi %23, %24 : i1
      %26 = arith.ori %22, %25 : i1
      %c0_i64_6 = arith.constant 0 : i64
      %27 = arith.cmpi eq, %21, %c0_i64_6 : i64
      %28 = arith.ori %26, %27 : i1
      %29 = arith.select %28, %in, %out : f32
      %30 = arith.select %28, %21, %out_5 : i64
      linalg.yield %29, %30 : f32, i64
    } -> (tensor<4xf32>, tensor<4xi64>)
    %14 = linalg.generic {indexing_maps = [#map4, #map4], iterator_types = []} ins(%4 : tensor<f32>) outs(%arg2 : tensor<f32>) {
    ^bb0(%in: f32, %out: f32):
      %cst_5 = arith.constant 3.200000e+01 : f32
      %20 = arith.divf %in, %cst_5 : f32
      linalg.yield %20 : f32
    } -> tensor<f32>
    %15 = bufferization.materialize_in_destination %expanded in %arg4 : (tensor<1x1xf32>, tensor<1x1xf32>) -> tensor<1x1xf32>
    %16 = bufferization.materialize_in_destination %1 in %arg1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %17 = bufferization.materialize_in_destination %14 in %arg2 : (tensor<f32>, tensor<f32>) -> tensor<f32>
    %18 = bufferization.materialize_in_destination %6 in %arg3 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
    %19 = bufferization.materialize_in_destination %13#1 in %arg5 : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
    return %15, %16, %17, %18, %19 : tensor<1x1xf32>, tensor<4xf32>, tensor<f32>, tensor<8xf32>, tensor<4xi64>
  }
}
