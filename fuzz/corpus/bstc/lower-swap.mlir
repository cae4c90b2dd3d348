module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22swap\22, \22slots\22: [{\22index\22: 0, \22role\22: \22state\22, \22name\22: \22sw.a\22, \22kind\22: \22HiddenState\22, \22dtype\22: \22f32\22, \22shape\22: [8], \22read\22: true, \22written\22: true}, {\22index\22: 1, \22role\22: \22state\22, \22name\22: \22sw.b\22, \22kind\22: \22HiddenState\22, \22dtype\22: \22f32\22, \22shape\22: [8], \22read\22: true, \22written\22: true}]}"} {
  func.func @swap(%arg0: tensor<8xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "sw.a", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<8xf32> {bst.kind = "HiddenState", bst.role = "state", bst.slot = "sw.b", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> (tensor<8xf32>, tensor<8xf32>) attributes {bst.result_slots = array<i64: 0, 1>} {
    %0 = bufferization.alloc_tensor() copy(%arg1) : tensor<8xf32>
    %1 = bufferization.alloc_tensor() copy(%arg0) : tensor<8xf32>
    %2 = bufferization.materialize_in_destination %0 in %arg0 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
    %3 = bufferization.materialize_in_destination %1 in %arg1 : (tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
    return %2, %3 : tensor<8xf32>, tensor<8xf32>
  }
}
