#map = affine_map<() -> ()>
#map1 = affine_map<(d0) -> (d0)>
module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22while_loop\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22f32\22, \22shape\22: [64], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22state\22, \22name\22: \22w.n\22, \22kind\22: \22HiddenState\22, \22dtype\22: \22i32\22, \22shape\22: [], \22read\22: true, \22written\22: true}, {\22index\22: 2, \22role\22: \22state\22, \22name\22: \22w.v\22, \22kind\22: \22HiddenState\22, \22dtype\22: \22f32\22, \22shape\22: [64], \22read\22: true, \22written\22: true}]}"} {
  func.func @while_loop(%arg0: tensor<64xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<i32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "w.n", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<64xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "w.v", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<i32>, tensor<64xf32>) attributes {bst.result_slots = array<i64: 1, 2>} {
    %0:2 = scf.while (%arg3 = %arg1, %arg4 = %arg2) : (tensor<i32>, tensor<64xf32>) -> (tensor<i32>, tensor<64xf32>) {
      %cst = arith.constant dense<10> : tensor<i32>
      %1 = tensor.empty() : tensor<i1>
      %2 = linalg.generic {indexing_maps = [#map, #map], iterator_types = []} ins(%arg3 : tensor<i32>) outs(%1 : tensor<i1>) {
      ^bb0(%in: i32, %out: i1):
        %c10_i32 = arith.constant 10 : i32
        %3 = arith.cmpi slt, %in, %c10_i32 : i32
        linalg.yield %3 : i1
      } -> tensor<i1>
      %extracted = tensor.extract %2[] : tensor<i1>
      scf.condition(%extracted) %arg3, %arg4 : tensor<i32>, tensor<64xf32>
    } do {
    ^bb0(%arg3: tensor<i32>, %arg4: tensor<64xf32>):
      %cst = arith.constant dense<1> : tensor<i32>
      %cst_0 = arith.constant dense<5.000000e-01> : tensor<f32>
      %1 = linalg.generic {indexing_maps = [#map, #map], iterator_types = []} ins(%arg3 : tensor<i32>) outs(%arg3 : tensor<i32>) {
      ^bb0(%in: i32, %out: i32):
        %c1_i32 = arith.constant 1 : i32
        %3 = arith.addi %in, %c1_i32 : i32
        linalg.yield %3 : i32
      } -> tensor<i32>
      %2 = linalg.generic {indexing_maps = [#map1, #map1, #map1], iterator_types = ["parallel"]} ins(%arg4, %arg0 : tensor<64xf32>, tensor<64xf32>) outs(%arg4 : tensor<64xf32>) {
      ^bb0(%in: f32, %in_1: f32, %out: f32):
        %cst_2 = arith.constant 5.000000e-01 : f32
        %3 = arith.mulf %in, %cst_2 : f32
        %4 = arith.addf %3, %in_1 : f32
        linalg.yield %4 : f32
      } -> tensor<64xf32>
      scf.yield %1, %2 : tensor<i32>, tensor<64xf32>
    }
    return %0#0, %0#1 : tensor<i32>, tensor<64xf32>
  }
}
