#map = affine_map<(d0) -> (d0)>
module attributes {bst.manifest = "{\22format_version\22:1,\22function\22:\22dtypes\22,\22slots\22:[{\22dtype\22:\22i32\22,\22index\22:0,\22name\22:\22arg0\22,\22read\22:true,\22role\22:\22argument\22,\22shape\22:[40],\22written\22:false},{\22dtype\22:\22i32\22,\22index\22:1,\22kind\22:\22HiddenState\22,\22name\22:\22i32\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[40],\22written\22:true},{\22dtype\22:\22i64\22,\22index\22:2,\22kind\22:\22HiddenState\22,\22name\22:\22i64\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[40],\22written\22:true},{\22dtype\22:\22f64\22,\22index\22:3,\22kind\22:\22HiddenState\22,\22name\22:\22f64\22,\22read\22:true,\22role\22:\22state\22,\22shape\22:[40],\22written\22:true},{\22dtype\22:\22bool\22,\22index\22:4,\22kind\22:\22HiddenState\22,\22name\22:\22flag\22,\22read\22:false,\22role\22:\22state\22,\22shape\22:[40],\22written\22:true}]}"} {
  func.func @dtypes(%arg0: tensor<40xi32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<40xi32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "i32", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<40xi64> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "i64", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg3: tensor<40xf64> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "f64", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg4: tensor<40xi1> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "flag", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<40xi32>, tensor<40xi64>, tensor<40xf64>, tensor<40xi1>) attributes {bst.result_slots = array<i64: 1, 2, 3, 4>} {
    %cst = arith.constant dense<5.000000e-01> : tensor<f64>
    %cst_0 = arith.constant dense<10> : tensor<i32>
    %0:4 = linalg.generic {indexing_maps = [#map, #map, #map, #map, #map, #map, #map, #map], iterator_types = ["parallel"]} ins(%arg1, %arg0, %arg2, %arg3 : tensor<40xi32>, tensor<40xi32>, tensor<40xi64>, tensor<40xf64>) outs(%arg1, %arg2, %arg3, %arg4 : tensor<40xi32>, tensor<40xi64>, tensor<40xf64>, tensor<40xi1>) {
    ^bb0(%in: i32, %in_1: i32, %in_2: i64, %in_3: f64, %out: i32, %out_4: i64, %out_5: f64, %out_6: i1):
      %5 = arith.addi %in, %in_1 : i32
      %6 = arith.extsi %5 : i32 to i64
      %7 = arith.addi %in_2, %6 : i64
      %8 = arith.sitofp %5 : i32 to f64
      %cst_7 = arith.constant 5.000000e-01 : f64
      %9 = arith.mulf %in_3, %cst_7 : f64
      %10 = arith.addf %9, %8 : f64
      %c10_i32 = arith.constant 10 : i32
      %11 = arith.cmpi sgt, %5, %c10_i32 : i32
      linalg.yield %5, %7, %10, %11 : i32, i64, f64, i1
    } -> (tensor<40xi32>, tensor<40xi64>, tensor<40xf64>, tensor<40xi1>)
    %1 = bufferization.materialize_in_destination %0#0 in %arg1 : (tensor<40xi32>, tensor<40xi32>) -> tensor<40xi32>
    %2 = bufferization.materialize_in_destination %0#1 in %arg2 : (tensor<40xi64>, tensor<40xi64>) -> tensor<40xi64>
    %3 = bufferization.materialize_in_destination %0#2 in %arg3 : (tensor<40xf64>, tensor<40xf64>) -> tensor<40xf64>
    %4 = bufferization.materialize_in_destination %0#3 in %arg4 : (tensor<40xi1>, tensor<40xi1>) -> tensor<40xi1>
    return %1, %2, %3, %4 : tensor<40xi32>, tensor<40xi64>, tensor<40xf64>, tensor<40xi1>
  }
}
