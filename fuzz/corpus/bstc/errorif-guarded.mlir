#map = affine_map<(d0) -> (d0)>
#map1 = affine_map<(d0) -> ()>
#map2 = affine_map<() -> ()>
module attributes {bst.manifest = "{\22checks\22:[{\22message\22:\22v = {} exceeds 10\22,\22values\22:[\22f32\22]}],\22format_version\22:1,\22function\22:\22guarded\22,\22slots\22:[{\22dtype\22:\22f32\22,\22index\22:0,\22name\22:\22arg0\22,\22read\22:true,\22role\22:\22argument\22,\22shape\22:[4],\22written\22:false},{\22dtype\22:\22f32\22,\22index\22:1,\22kind\22:\22HiddenState\22,\22name\22:\22v\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[4],\22written\22:true},{\22dtype\22:\22i32\22,\22index\22:2,\22kind\22:\22CheckState\22,\22name\22:\22bst.errors.code\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[],\22written\22:true},{\22dtype\22:\22f64\22,\22index\22:3,\22kind\22:\22CheckState\22,\22name\22:\22bst.errors.f64\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[8],\22written\22:true},{\22dtype\22:\22i64\22,\22index\22:4,\22kind\22:\22CheckState\22,\22name\22:\22bst.errors.i64\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[8],\22written\22:true}]}"} {
  func.func @guarded(%arg0: tensor<4xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<4xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "v", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<i32> {bst.kind = "CheckState", bst.role = "state", bst.slot = "bst.errors.code", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg3: tensor<8xf64> {bst.kind = "CheckState", bst.role = "state", bst.slot = "bst.errors.f64", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg4: tensor<8xi64> {bst.kind = "CheckState", bst.role = "state", bst.slot = "bst.errors.i64", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<4xf32>, tensor<i32>, tensor<8xf64>, tensor<8xi64>) attributes {bst.result_slots = array<i64: 1, 2, 3, 4>} {
    %0 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel"]} ins(%arg1, %arg0 : tensor<4xf32>, tensor<4xf32>) outs(%arg1 : tensor<4xf32>) {
    ^bb0(%in: f32, %in_12: f32, %out: f32):
      %17 = arith.addf %in, %in_12 : f32
      linalg.yield %17 : f32
    } -> tensor<4xf32>
    %cst = arith.constant 0xFF800000 : f32
    %1 = tensor.empty() : tensor<f32>
    %2 = linalg.fill ins(%cst : f32) outs(%1 : tensor<f32>) -> tensor<f32>
    %3 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["reduction"]} ins(%0 : tensor<4xf32>) outs(%2 : tensor<f32>) {
    ^bb0(%in: f32, %out: f32):
      %17 = arith.maximumf %in, %out : f32
      linalg.yield %17 : f32
    } -> tensor<f32>
    %cst_0 = arith.constant dense<1.000000e+01> : tensor<f32>
    %4 = tensor.empty() : tensor<i1>
    %5 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = []} ins(%3, %cst_0 : tensor<f32>, tensor<f32>) outs(%4 : tensor<i1>) {
    ^bb0(%in: f32, %in_12: f32, %out: i1):
      %17 = arith.cmpf ogt, %in, %in_12 : f32
      linalg.yield %17 : i1
    } -> tensor<i1>
    %6 = tensor.empty() : tensor<f64>
    %7 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = []} ins(%3 : tensor<f32>) outs(%6 : tensor<f64>) {
    ^bb0(%in: f32, %out: f64):
      %17 = arith.extf %in : f32 to f64
      linalg.yield %17 : f64
    } -> tensor<f64>
    %expanded = tensor.expand_shape %7 [] output_shape [1] : tensor<f64> into tensor<1xf64>
    %cst_1 = arith.constant dense<0> : tensor<i32>
    %8 = tensor.empty() : tensor<i1>
    %9 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = []} ins(%arg2, %cst_1 : tensor<i32>, tensor<i32>) outs(%8 : tensor<i1>) {
    ^bb0(%in: i32, %in_12: i32, %out: i1):
      %17 = arith.cmpi eq, %in, %in_12 : i32
      linalg.yield %17 : i1
    } -> tensor<i1>
    %cst_2 = arith.constant dense<1> : tensor<i32>
    %cst_3 = arith.constant dense<0.000000e+00> : tensor<1xf64>
    %10 = tensor.empty() : tensor<8xf64>
    %inserted_slice = tensor.insert_slice %expanded into %10[0] [1] [1] : tensor<1xf64> into tensor<8xf64>
    %inserted_slice_4 = tensor.insert_slice %cst_3 into %inserted_slice[1] [1] [1] : tensor<1xf64> into tensor<8xf64>
    %inserted_slice_5 = tensor.insert_slice %cst_3 into %inserted_slice_4[2] [1] [1] : tensor<1xf64> into tensor<8xf64>
    %inserted_slice_6 = tensor.insert_slice %cst_3 into %inserted_slice_5[3] [1] [1] : tensor<1xf64> into tensor<8xf64>
    %inserted_slice_7 = tensor.insert_slice %cst_3 into %inserted_slice_6[4] [1] [1] : tensor<1xf64> into tensor<8xf64>
    %inserted_slice_8 = tensor.insert_slice %cst_3 into %inserted_slice_7[5] [1] [1] : tensor<1xf64> into tensor<8xf64>
    %inserted_slice_9 = tensor.insert_slice %cst_3 into %inserted_slice_8[6] [1] [1] : tensor<1xf64> into tensor<8xf64>
    %inserted_slice_10 = tensor.insert_slice %cst_3 into %inserted_slice_9[7] [1] [1] : tensor<1xf64> into tensor<8xf64>
    %cst_11 = arith.constant dense<0> : tensor<8xi64>
    %11 = linalg.generic {indexing_maps = [#map2, #map2, #map2, #map2], iterator_types = []} ins(%5, %9, %arg2 : tensor<i1>, tensor<i1>, tensor<i32>) outs(%arg2 : tensor<i32>) {
    ^bb0(%in: i1, %in_12: i1, %in_13: i32, %out: i32):
      %17 = arith.andi %in, %in_12 : i1
      %c1_i32 = arith.constant 1 : i32
      %18 = arith.select %17, %c1_i32, %in_13 : i32
      linalg.yield %18 : i32
    } -> tensor<i32>
    %12:2 = linalg.generic {indexing_maps = [#map1, #map1, #map, #map, #map, #map, #map, #map], iterator_types = ["parallel"]} ins(%5, %9, %inserted_slice_10, %arg3, %cst_11, %arg4 : tensor<i1>, tensor<i1>, tensor<8xf64>, tensor<8xf64>, tensor<8xi64>, tensor<8xi64>) outs(%arg3, %arg4 : tensor<8xf64>, tensor<8xi64>) {
    ^bb0(%in: i1, %in_12: i1, %in_13: f64, %in_14: f64, %in_15: i64, %in_16: i64, %out: f64, %out_17: i64):
      %17 = arith.andi %in, %in_12 : i1
      %18 = arith.select %17, %in_13, %in_14 : f64
      %19 = arith.select %17, %in_15, %in_16 : i64
      linalg.yield %18, %19 : f64, i64
    } -> (tensor<8xf64>, tensor<8xi64>)
    %13 = bufferization.materialize_in_destination %0 in %arg1 : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
    %14 = bufferization.materialize_in_destination %11 in %arg2 : (tensor<i32>, tensor<i32>) -> tensor<i32>
    %15 = bufferization.materialize_in_destination %12#0 in %arg3 : (tensor<8xf64>, tensor<8xf64>) -> tensor<8xf64>
    %16 = bufferization.materialize_in_destination %12#1 in %arg4 : (tensor<8xi64>, tensor<8xi64>) -> tensor<8xi64>
    return %13, %14, %15, %16 : tensor<4xf32>, tensor<i32>, tensor<8xf64>, tensor<8xi64>
  }
}
