#map = affine_map<() -> ()>
module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22dynamic_update\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22f32\22, \22shape\22: [1], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22state\22, \22name\22: \22ring.pos\22, \22kind\22: \22HiddenState\22, \22dtype\22: \22i32\22, \22shape\22: [], \22read\22: true, \22written\22: true}, {\22index\22: 2, \22role\22: \22state\22, \22name\22: \22ring.hist\22, \22kind\22: \22HiddenState\22, \22dtype\22: \22f32\22, \22shape\22: [8], \22read\22: true, \22written\22: true}]}"} {
  func.func @dynamic_update(%arg0: tensor<1xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<i32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "ring.pos", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<8xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "ring.hist", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<8xf32>, tensor<i32>) attributes {bst.result_slots = array<i64: 2, 1>} {
    %extracted = tensor.extract %arg1[] : tensor<i32>
    %0 = arith.index_cast %extracted : i32 to index
    %c0 = arith.constant 0 : index
    %c7 = arith.constant 7 : index
    %1 = arith.maxsi %0, %c0 : index
    %2 = arith.minsi %1, %c7 : index
    %inserted_slice = tensor.insert_slice %arg0 into %arg2[%2] [1] [1] : tensor<1xf32> into tensor<8xf32>
    %cst = arith.constant dense<1> : tensor<i32>
    %3 = linalg.generic {indexing_maps = [#map, #map], iterator_types = []} ins(%arg1 : tensor<i32>) outs(%arg1 : tensor<i32>) {
    ^bb0(%in: i32, %out: i32):
      %c1_i32 = arith.constant 1 : i32
      %6 = arith.addi %in, %c1_i32 : i32
      linalg.yield %6 : i32
    } -> tensor<i32>
    %4 = bufferization.materialize_in_destination %inserted_slice in %arg2 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
    %5 = bufferization.materialize_in_destination %3 in %arg1 : (tensor<i32>, tensor<i32>) -> tensor<i32>
    return %4, %5 : tensor<8xf32>, tensor<i32>
  }
}
