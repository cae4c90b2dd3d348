#map = affine_map<(d0, d1) -> (d1)>
#map1 = affine_map<(d0, d1) -> (d0, d1)>
module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22gather_scatter\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22f32\22, \22shape\22: [3, 10], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22argument\22, \22name\22: \22arg1\22, \22dtype\22: \22i32\22, \22shape\22: [4], \22read\22: true, \22written\22: false}, {\22index\22: 2, \22role\22: \22state\22, \22name\22: \22gs.counts\22, \22kind\22: \22LongTermState\22, \22dtype\22: \22f32\22, \22shape\22: [10], \22read\22: true, \22written\22: true}, {\22index\22: 3, \22role\22: \22result\22, \22name\22: \22result\22, \22dtype\22: \22f32\22, \22shape\22: [3, 4], \22read\22: false, \22written\22: true}]}"} {
  func.func @gather_scatter(%arg0: tensor<3x10xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<4xi32> {bst.role = "argument", bst.slot = "arg1", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<10xf32> {bst.kind = "LongTermState", bst.role = "state", bst.slot = "gs.counts", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg3: tensor<3x4xf32> {bst.role = "result", bst.slot = "result", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<10xf32>, tensor<3x4xf32>) attributes {bst.result_slots = array<i64: 2, 3>} {
    %cst = arith.constant dense<1.000000e+00> : tensor<4xf32>
    %0 = tensor.empty() : tensor<10xf32>
    %1 = linalg.copy ins(%arg2 : tensor<10xf32>) outs(%0 : tensor<10xf32>) -> tensor<10xf32>
    %c0 = arith.constant 0 : index
    %c4 = arith.constant 4 : index
    %c1 = arith.constant 1 : index
    %2 = scf.for %arg4 = %c0 to %c4 step %c1 iter_args(%arg5 = %1) -> (tensor<10xf32>) {
      %extracted = tensor.extract %arg1[%arg4] : tensor<4xi32>
      %6 = arith.index_cast %extracted : i32 to index
      %c0_0 = arith.constant 0 : index
      %c10 = arith.constant 10 : index
      %7 = arith.cmpi slt, %6, %c10 : index
      %8 = arith.cmpi sge, %6, %c0_0 : index
      %9 = arith.andi %8, %7 : i1
      %10 = scf.if %9 -> (tensor<10xf32>) {
        %extracted_1 = tensor.extract %cst[%arg4] : tensor<4xf32>
        %extracted_2 = tensor.extract %arg5[%6] : tensor<10xf32>
        %11 = arith.addf %extracted_2, %extracted_1 : f32
        %inserted = tensor.insert %11 into %arg5[%6] : tensor<10xf32>
        scf.yield %inserted : tensor<10xf32>
      } else {
        scf.yield %arg5 : tensor<10xf32>
      }
      scf.yield %10 : tensor<10xf32>
    }
    %3 = linalg.generic {indexing_maps = [#map, #map1], iterator_types = ["parallel", "parallel"]} ins(%arg1 : tensor<4xi32>) outs(%arg3 : tensor<3x4xf32>) {
    ^bb0(%in: i32, %out: f32):
      %6 = linalg.index 0 : index
      %7 = arith.index_cast %in : i32 to index
      %c0_0 = arith.constant 0 : index
      %c9 = arith.constant 9 : index
      %8 = arith.maxsi %7, %c0_0 : index
      %9 = arith.minsi %8, %c9 : index
      %extracted = tensor.extract %arg0[%6, %9] : tensor<3x10xf32>
      linalg.yield %extracted : f32
    } -> tensor<3x4xf32>
    %4 = bufferization.materialize_in_destination %2 in %arg2 : (tensor<10xf32>, tensor<10xf32>) -> tensor<10xf32>
    %5 = bufferization.materialize_in_destination %3 in %arg3 : (tensor<3x4xf32>, tensor<3x4xf32>) -> tensor<3x4xf32>
    return %4, %5 : tensor<10xf32>, tensor<3x4xf32>
  }
}
