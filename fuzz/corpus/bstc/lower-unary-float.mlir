#map = affine_map<(d0) -> (d0)>
module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22unary_float\22, \22slots\22: [{\22index\22: 0, \22role\22: \22state\22, \22name\22: \22u.s\22, \22kind\22: \22HiddenState\22, \22dtype\22: \22f32\22, \22shape\22: [64], \22read\22: true, \22written\22: true}]}"} {
  func.func @unary_float(%arg0: tensor<64xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "u.s", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> tensor<64xf32> attributes {bst.result_slots = array<i64: 0>} {
    %cst = arith.constant dense<0.000000e+00> : tensor<f32>
    %0 = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]} ins(%arg0 : tensor<64xf32>) outs(%arg0 : tensor<64xf32>) {
    ^bb0(%in: f32, %out: f32):
      %2 = math.expm1 %in : f32
      %3 = math.log1p %in : f32
      %4 = math.log %in : f32
      %5 = math.exp %in : f32
      %6 = arith.addf %5, %4 : f32
      %7 = arith.addf %6, %3 : f32
      %8 = arith.addf %7, %2 : f32
      %9 = arith.negf %8 : f32
      %10 = math.exp %9 : f32
      %cst_0 = arith.constant 1.000000e+00 : f32
      %11 = arith.addf %cst_0, %10 : f32
      %cst_1 = arith.constant 1.000000e+00 : f32
      %12 = arith.divf %cst_1, %11 : f32
      %13 = math.tanh %8 : f32
      %14 = math.rsqrt %8 : f32
      %15 = math.absf %8 : f32
      %16 = math.sqrt %15 : f32
      %17 = arith.addf %16, %14 : f32
      %18 = arith.addf %17, %13 : f32
      %19 = arith.addf %18, %12 : f32
      %20 = math.roundeven %19 : f32
      %21 = math.ceil %19 : f32
      %22 = math.floor %19 : f32
      %23 = math.cos %19 : f32
      %24 = math.sin %19 : f32
      %25 = arith.addf %24, %23 : f32
      %26 = arith.addf %25, %22 : f32
      %27 = arith.addf %26, %21 : f32
      %28 = arith.addf %27, %20 : f32
      %cst_2 = arith.constant 0.000000e+00 : f32
      %cst_3 = arith.constant 1.000000e+00 : f32
      %cst_4 = arith.constant -1.000000e+00 : f32
      %29 = arith.cmpf ogt, %28, %cst_2 : f32
      %30 = arith.cmpf olt, %28, %cst_2 : f32
      %31 = arith.select %30, %cst_4, %28 : f32
      %32 = arith.select %29, %cst_3, %31 : f32
      %33 = arith.negf %28 : f32
      %cst_5 = arith.constant 0.000000e+00 : f32
      %34 = arith.maximumf %33, %cst_5 : f32
      %35 = arith.addf %34, %32 : f32
      linalg.yield %35 : f32
    } -> tensor<64xf32>
    %1 = bufferization.materialize_in_destination %0 in %arg0 : (tensor<64xf32>, tensor<64xf32>) -> tensor<64xf32>
    return %1 : tensor<64xf32>
  }
}
