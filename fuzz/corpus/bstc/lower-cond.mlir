#map = affine_map<(d0) -> (d0)>
#map1 = affine_map<(d0) -> ()>
#map2 = affine_map<() -> ()>
module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22cond\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22f32\22, \22shape\22: [64], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22state\22, \22name\22: \22c.v\22, \22kind\22: \22HiddenState\22, \22dtype\22: \22f32\22, \22shape\22: [64], \22read\22: true, \22written\22: true}, {\22index\22: 2, \22role\22: \22state\22, \22name\22: \22c.count\22, \22kind\22: \22HiddenState\22, \22dtype\22: \22i32\22, \22shape\22: [], \22read\22: true, \22written\22: true}]}"} {
  func.func @cond(%arg0: tensor<64xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<64xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "c.v", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<i32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "c.count", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<64xf32>, tensor<i32>) attributes {bst.result_slots = array<i64: 1, 2>} {
    %cst = arith.constant 0xFF800000 : f32
    %0 = tensor.empty() : tensor<f32>
    %1 = linalg.fill ins(%cst : f32) outs(%0 : tensor<f32>) -> tensor<f32>
    %2 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["reduction"]} ins(%arg0 : tensor<64xf32>) outs(%1 : tensor<f32>) {
    ^bb0(%in: f32, %out: f32):
      %11 = arith.maximumf %in, %out : f32
      linalg.yield %11 : f32
    } -> tensor<f32>
    %cst_0 = arith.constant dense<0.000000e+00> : tensor<f32>
    %3 = tensor.empty() : tensor<i1>
    %4 = linalg.generic {indexing_maps = [#map2, #map2, #map2], iterator_types = []} ins(%2, %cst_0 : tensor<f32>, tensor<f32>) outs(%3 : tensor<i1>) {
    ^bb0(%in: f32, %in_1: f32, %out: i1):
      %11 = arith.cmpf ogt, %in, %in_1 : f32
      linalg.yield %11 : i1
    } -> tensor<i1>
    %5 = tensor.empty() : tensor<i32>
    %6 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = []} ins(%4 : tensor<i1>) outs(%5 : tensor<i32>) {
    ^bb0(%in: i1, %out: i32):
      %11 = arith.extui %in : i1 to i32
      linalg.yield %11 : i32
    } -> tensor<i32>
    %extracted = tensor.extract %6[] : tensor<i32>
    %7 = arith.index_cast %extracted : i32 to index
    %c0 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %8 = arith.maxsi %7, %c0 : index
    %9 = arith.minsi %8, %c1 : index
    %10:2 = scf.index_switch %9 -> tensor<64xf32>, tensor<i32> 
    case 0 {
      %cst_1 = arith.constant dense<5.000000e-01> : tensor<f32>
      %11 = tensor.empty() : tensor<64xf32>
      %12 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%arg1 : tensor<64xf32>) outs(%11 : tensor<64xf32>) {
      ^bb0(%in: f32, %out: f32):
        %cst_2 = arith.constant 5.000000e-01 : f32
        %13 = arith.mulf %in, %cst_2 : f32
        linalg.yield %13 : f32
      } -> tensor<64xf32>
      scf.yield %12, %arg2 : tensor<64xf32>, tensor<i32>
    }
    default {
      %cst_1 = arith.constant dense<1> : tensor<i32>
      %11 = tensor.empty() : tensor<64xf32>
      %12 = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel"]} ins(%arg1, %arg0 : tensor<64xf32>, tensor<64xf32>) outs(%11 : tensor<64xf32>) {
      ^bb0(%in: f32, %in_2: f32, %out: f32):
        %15 = arith.addf %in, %in_2 : f32
        linalg.yield %15 : f32
      } -> tensor<64xf32>
      %13 = tensor.empty() : tensor<i32>
      %14 = linalg.generic {indexing_maps = [#map2, #map2], iterator_types = []} ins(%arg2 : tensor<i32>) outs(%13 : tensor<i32>) {
      ^bb0(%in: i32, %out: i32):
        %c1_i32 = arith.constant 1 : i32
        %15 = arith.addi %in, %c1_i32 : i32
        linalg.yield %15 : i32
      } -> tensor<i32>
      scf.yield %12, %14 : tensor<64xf32>, tensor<i32>
    }
    return %10#0, %10#1 : tensor<64xf32>, tensor<i32>
  }
}
