#map = affine_map<(d0) -> (d0)>
module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22compare_select\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22f32\22, \22shape\22: [64], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22argument\22, \22name\22: \22arg1\22, \22dtype\22: \22f32\22, \22shape\22: [64], \22read\22: true, \22written\22: false}, {\22index\22: 2, \22role\22: \22state\22, \22name\22: \22c.out\22, \22kind\22: \22ShortTermState\22, \22dtype\22: \22f32\22, \22shape\22: [64], \22read\22: false, \22written\22: true}, {\22index\22: 3, \22role\22: \22state\22, \22name\22: \22c.count\22, \22kind\22: \22ShortTermState\22, \22dtype\22: \22i32\22, \22shape\22: [64], \22read\22: false, \22written\22: true}]}"} {
  func.func @compare_select(%arg0: tensor<64xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<64xf32> {bst.role = "argument", bst.slot = "arg1", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<64xf32> {bst.kind = "ShortTermState", bst.role = "state", bst.slot = "c.out", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg3: tensor<64xi32> {bst.kind = "ShortTermState", bst.role = "state", bst.slot = "c.count", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<64xf32>, tensor<64xi32>) attributes {bst.result_slots = array<i64: 2, 3>} {
    %cst = arith.constant dense<2.000000e+00> : tensor<f32>
    %cst_0 = arith.constant dense<3.000000e+00> : tensor<f32>
    %cst_1 = arith.constant dense<1.000000e+00> : tensor<f32>
    %cst_2 = arith.constant dense<0.000000e+00> : tensor<f32>
    %0:2 = linalg.generic {indexing_maps = [#map, #map, #map, #map], iterator_types = ["parallel"]} ins(%arg0, %arg1 : tensor<64xf32>, tensor<64xf32>) outs(%arg2, %arg3 : tensor<64xf32>, tensor<64xi32>) {
    ^bb0(%in: f32, %in_3: f32, %out: f32, %out_4: i32):
      %3 = arith.cmpf olt, %in, %in_3 : f32
      %cst_5 = arith.constant 2.000000e+00 : f32
      %4 = arith.cmpf oge, %in, %cst_5 : f32
      %true = arith.constant true
      %5 = arith.xori %4, %true : i1
      %6 = arith.andi %3, %5 : i1
      %7 = arith.cmpf oeq, %in, %in_3 : f32
      %8 = arith.ori %6, %7 : i1
      %cst_6 = arith.constant 3.000000e+00 : f32
      %9 = arith.cmpf une, %in, %cst_6 : f32
      %10 = arith.ori %8, %9 : i1
      %11 = arith.cmpf ole, %in, %in_3 : f32
      %12 = arith.ori %10, %11 : i1
      %cst_7 = arith.constant 1.000000e+00 : f32
      %13 = arith.cmpf ogt, %in_3, %cst_7 : f32
      %14 = arith.ori %12, %13 : i1
      %cst_8 = arith.constant 0.000000e+00 : f32
      %15 = arith.cmpf ogt, %in_3, %cst_8 : f32
      %16 = arith.uitofp %15 : i1 to f32
      %17 = arith.select %14, %in, %16 : f32
      %18 = arith.extui %14 : i1 to i32
      %cst_9 = arith.constant -2.14748365E+9 : f32
      %cst_10 = arith.constant 2.14748365E+9 : f32
      %19 = arith.fptosi %in : f32 to i32
      %20 = arith.cmpf ole, %in, %cst_9 : f32
      %c-2147483648_i32 = arith.constant -2147483648 : i32
      %21 = arith.select %20, %c-2147483648_i32, %19 : i32
      %22 = arith.cmpf oge, %in, %cst_10 : f32
      %c2147483647_i32 = arith.constant 2147483647 : i32
      %23 = arith.select %22, %c2147483647_i32, %21 : i32
      %24 = arith.cmpf uno, %in, %in : f32
      %c0_i32 = arith.constant 0 : i32
      %25 = arith.select %24, %c0_i32, %23 : i32
      %26 = arith.addi %25, %18 : i32
      linalg.yield %17, %26 : f32, i32
    } -> (tensor<64xf32>, tensor<64xi32>)
    %1 = bufferization.materialize_in_destination %0#0 in %arg2 : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    %2 = bufferization.materialize_in_destination %0#1 in %arg3 : (tensor<64xi32>, tensor<64xi32>) -> tensor<64xi32>
    return %1, %2 : tensor<64xf32>, tensor<64xi32>
  }
}
