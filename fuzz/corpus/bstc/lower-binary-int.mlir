#map = affine_map<(d0) -> (d0)>
module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22binary_int\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22i32\22, \22shape\22: [64], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22argument\22, \22name\22: \22arg1\22, \22dtype\22: \22i32\22, \22shape\22: [64], \22read\22: true, \22written\22: false}, {\22index\22: 2, \22role\22: \22state\22, \22name\22: \22b.q\22, \22kind\22: \22ShortTermState\22, \22dtype\22: \22i32\22, \22shape\22: [64], \22read\22: false, \22written\22: true}, {\22index\22: 3, \22role\22: \22state\22, \22name\22: \22b.r\22, \22kind\22: \22ShortTermState\22, \22dtype\22: \22f32\22, \22shape\22: [64], \22read\22: false, \22written\22: true}]}"} {
  func.func @binary_int(%arg0: tensor<64xi32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<64xi32> {bst.role = "argument", bst.slot = "arg1", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<64xi32> {bst.kind = "ShortTermState", bst.role = "state", bst.slot = "b.q", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg3: tensor<64xf32> {bst.kind = "ShortTermState", bst.role = "state", bst.slot = "b.r", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<64xi32>, tensor<64xf32>) attributes {bst.result_slots = array<i64: 2, 3>} {
    %cst = arith.constant dense<3> : tensor<i32>
    %cst_0 = arith.constant dense<2> : tensor<i32>
    %cst_1 = arith.constant dense<5.000000e-01> : tensor<f32>
    %0:2 = linalg.generic {indexing_maps = [#map, #map, #map, #map], iterator_types = ["parallel"]} ins(%arg0, %arg1 : tensor<64xi32>, tensor<64xi32>) outs(%arg2, %arg3 : tensor<64xi32>, tensor<64xf32>) {
    ^bb0(%in: i32, %in_2: i32, %out: i32, %out_3: f32):
      %c3_i32 = arith.constant 3 : i32
      %3 = arith.muli %in, %c3_i32 : i32
      %c0_i32 = arith.constant 0 : i32
      %4 = arith.cmpi eq, %in_2, %c0_i32 : i32
      %c-1_i32 = arith.constant -1 : i32
      %5 = arith.cmpi eq, %in_2, %c-1_i32 : i32
      %6 = arith.ori %4, %5 : i1
      %c1_i32 = arith.constant 1 : i32
      %7 = arith.select %6, %c1_i32, %in_2 : i32
      %8 = arith.divsi %in, %7 : i32
      %9 = arith.subi %c0_i32, %in : i32
      %10 = arith.select %5, %9, %8 : i32
      %11 = arith.select %4, %c0_i32, %10 : i32
      %c2_i32 = arith.constant 2 : i32
      %c0_i32_4 = arith.constant 0 : i32
      %c1_i32_5 = arith.constant 1 : i32
      %c1 = arith.constant 1 : index
      %c32 = arith.constant 32 : index
      %c0 = arith.constant 0 : index
      %12:3 = scf.for %arg4 = %c0 to %c32 step %c1 iter_args(%arg5 = %c1_i32_5, %arg6 = %11, %arg7 = %c2_i32) -> (i32, i32, i32) {
        %25 = arith.andi %arg7, %c1_i32_5 : i32
        %26 = arith.cmpi ne, %25, %c0_i32_4 : i32
        %27 = arith.muli %arg5, %arg6 : i32
        %28 = arith.select %26, %27, %arg5 : i32
        %29 = arith.muli %arg6, %arg6 : i32
        %30 = arith.shrui %arg7, %c1_i32_5 : i32
        scf.yield %28, %29, %30 : i32, i32, i32
      }
      %13 = arith.andi %c2_i32, %c1_i32_5 : i32
      %14 = arith.cmpi ne, %13, %c0_i32_4 : i32
      %15 = arith.cmpi eq, %11, %c1_i32_5 : i32
      %c-1_i32_6 = arith.constant -1 : i32
      %16 = arith.cmpi eq, %11, %c-1_i32_6 : i32
      %c-1_i32_7 = arith.constant -1 : i32
      %17 = arith.select %14, %c-1_i32_7, %c1_i32_5 : i32
      %18 = arith.select %16, %17, %c0_i32_4 : i32
      %19 = arith.select %15, %c1_i32_5, %18 : i32
      %20 = arith.cmpi slt, %c2_i32, %c0_i32_4 : i32
      %21 = arith.select %20, %19, %12#0 : i32
      %22 = arith.subi %21, %3 : i32
      %23 = arith.sitofp %in : i32 to f32
      %cst_8 = arith.constant 5.000000e-01 : f32
      %24 = arith.mulf %23, %cst_8 : f32
      linalg.yield %22, %24 : i32, f32
    } -> (tensor<64xi32>, tensor<64xf32>)
    %1 = bufferization.materialize_in_destination %0#0 in %arg2 : (tensor<64xi32>, tensor<64xi32>) -> tensor<64xi32>
    %2 = bufferization.materialize_in_destination %0#1 in %arg3 : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    return %1, %2 : tensor<64xi32>, tensor<64xf32>
  }
}
