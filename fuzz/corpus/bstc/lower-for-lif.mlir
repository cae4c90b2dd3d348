#map = affine_map<(d0) -> (d0)>
module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22for_lif\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22f32\22, \22shape\22: [256], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22state\22, \22name\22: \22lif.tau\22, \22kind\22: \22ParamState\22, \22dtype\22: \22f32\22, \22shape\22: [256], \22read\22: true, \22written\22: false}, {\22index\22: 2, \22role\22: \22state\22, \22name\22: \22lif.v\22, \22kind\22: \22HiddenState\22, \22dtype\22: \22f32\22, \22shape\22: [256], \22read\22: true, \22written\22: true}, {\22index\22: 3, \22role\22: \22state\22, \22name\22: \22lif.spike\22, \22kind\22: \22ShortTermState\22, \22dtype\22: \22f32\22, \22shape\22: [256], \22read\22: true, \22written\22: true}]}"} {
  func.func @for_lif(%arg0: tensor<256xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<256xf32> {bst.kind = "ParamState", bst.role = "state", bst.slot = "lif.tau", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<256xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "lif.v", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg3: tensor<256xf32> {bst.kind = "ShortTermState", bst.role = "state", bst.slot = "lif.spike", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<256xf32>, tensor<256xf32>) attributes {bst.result_slots = array<i64: 2, 3>} {
    %c0 = arith.constant 0 : index
    %c100 = arith.constant 100 : index
    %c1 = arith.constant 1 : index
    %0:2 = scf.for %arg4 = %c0 to %c100 step %c1 iter_args(%arg5 = %arg2, %arg6 = %arg3) -> (tensor<256xf32>, tensor<256xf32>) {
      %1 = arith.index_cast %arg4 : index to i64
      %from_elements = tensor.from_elements %1 : tensor<i64>
      %cst = arith.constant dense<1.000000e-01> : tensor<f32>
      %cst_0 = arith.constant dense<1.000000e+00> : tensor<f32>
      %cst_1 = arith.constant dense<0.000000e+00> : tensor<f32>
      %2:2 = linalg.generic {indexing_maps = [#map, #map, #map, #map, #map], iterator_types = ["parallel"]} ins(%arg0, %arg5, %arg1 : tensor<256xf32>, tensor<256xf32>, tensor<256xf32>) outs(%arg5, %arg6 : tensor<256xf32>, tensor<256xf32>) {
      ^bb0(%in: f32, %in_2: f32, %in_3: f32, %out: f32, %out_4: f32):
        %3 = arith.subf %in, %in_2 : f32
        %cst_5 = arith.constant 1.000000e-01 : f32
        %4 = arith.mulf %cst_5, %3 : f32
        %5 = arith.divf %4, %in_3 : f32
        %6 = arith.addf %in_2, %5 : f32
        %cst_6 = arith.constant 1.000000e+00 : f32
        %7 = arith.cmpf ogt, %6, %cst_6 : f32
        %cst_7 = arith.constant 0.000000e+00 : f32
        %8 = arith.select %7, %cst_7, %6 : f32
        %9 = arith.uitofp %7 : i1 to f32
        linalg.yield %8, %9 : f32, f32
      } -> (tensor<256xf32>, tensor<256xf32>)
      scf.yield %2#0, %2#1 : tensor<256xf32>, tensor<256xf32>
    }
    return %0#0, %0#1 : tensor<256xf32>, tensor<256xf32>
  }
}
