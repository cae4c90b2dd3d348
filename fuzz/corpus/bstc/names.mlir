#map = affine_map<(d0) -> (d0)>
module attributes {bst.manifest = "{\22format_version\22:1,\22function\22:\22names\22,\22slots\22:[{\22dtype\22:\22f32\22,\22index\22:0,\22name\22:\22arg0\22,\22read\22:true,\22role\22:\22argument\22,\22shape\22:[20],\22written\22:false},{\22dtype\22:\22f32\22,\22index\22:1,\22kind\22:\22HiddenState\22,\22name\22:\22int\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[20],\22written\22:true},{\22dtype\22:\22f32\22,\22index\22:2,\22kind\22:\22HiddenState\22,\22name\22:\22a\\\22b*/c\\\\d\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[20],\22written\22:true},{\22dtype\22:\22f32\22,\22index\22:3,\22kind\22:\22HiddenState\22,\22name\22:\22x.y\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[20],\22written\22:true},{\22dtype\22:\22f32\22,\22index\22:4,\22kind\22:\22HiddenState\22,\22name\22:\22x_y\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[20],\22written\22:true}]}"} {
  func.func @names(%arg0: tensor<20xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<20xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "int", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<20xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "a\22b*/c\\d", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg3: tensor<20xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "x.y", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg4: tensor<20xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "x_y", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<20xf32>, tensor<20xf32>, tensor<20xf32>, tensor<20xf32>) attributes {bst.result_slots = array<i64: 1, 2, 3, 4>} {
    %cst = arith.constant dense<5.000000e-01> : tensor<f32>
    %0:4 = linalg.generic {indexing_maps = [#map, #map, #map, #map, #map, #map, #map, #map, #map], iterator_types = ["parallel"]} ins(%arg1, %arg0, %arg2, %arg3, %arg4 : tensor<20xf32>, tensor<20xf32>, tensor<20xf32>, tensor<20xf32>, tensor<20xf32>) outs(%arg1, %arg2, %arg3, %arg4 : tensor<20xf32>, tensor<20xf32>, tensor<20xf32>, tensor<20xf32>) {
    ^bb0(%in: f32, %in_0: f32, %in_1: f32, %in_2: f32, %in_3: f32, %out: f32, %out_4: f32, %out_5: f32, %out_6: f32):
      %5 = arith.addf %in, %in_0 : f32
      %6 = arith.subf %in_1, %in_0 : f32
      %cst_7 = arith.constant 5.000000e-01 : f32
      %7 = arith.mulf %in_2, %cst_7 : f32
      %8 = arith.addf %7, %in_0 : f32
      %9 = arith.maximumf %in_3, %in_0 : f32
      linalg.yield %5, %6, %8, %9 : f32, f32, f32, f32
    } -> (tensor<20xf32>, tensor<20xf32>, tensor<20xf32>, tensor<20xf32>)
    %1 = bufferization.materialize_in_destination %0#0 in %arg1 : (tensor<20xf32>, tensor<20xf32>) -> tensor<20xf32>
    %2 = bufferization.materialize_in_destination %0#1 in %arg2 : (tensor<20xf32>, tensor<20xf32>) -> tensor<20xf32>
    %3 = bufferization.materialize_in_destination %0#2 in %arg3 : (tensor<20xf32>, tensor<20xf32>) -> tensor<20xf32>
    %4 = bufferization.materialize_in_destination %0#3 in %arg4 : (tensor<20xf32>, tensor<20xf32>) -> tensor<20xf32>
    return %1, %2, %3, %4 : tensor<20xf32>, tensor<20xf32>, tensor<20xf32>, tensor<20xf32>
  }
}
