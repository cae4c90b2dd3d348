module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22concat_slice\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22f32\22, \22shape\22: [2, 3], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22argument\22, \22name\22: \22arg1\22, \22dtype\22: \22f32\22, \22shape\22: [2, 4], \22read\22: true, \22written\22: false}, {\22index\22: 2, \22role\22: \22result\22, \22name\22: \22result\22, \22dtype\22: \22f32\22, \22shape\22: [2, 3], \22read\22: false, \22written\22: true}]}"} {
  func.func @concat_slice(%arg0: tensor<2x3xf32> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<2x4xf32> {bst.role = "argument", bst.slot = "arg1", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<2x3xf32> {bst.role = "result", bst.slot = "result", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> tensor<2x3xf32> attributes {bst.result_slots = array<i64: 2>} {
    %0 = tensor.empty() : tensor<2x7xf32>
    %inserted_slice = tensor.insert_slice %arg0 into %0[0, 0] [2, 3] [1, 1] : tensor<2x3xf32> into tensor<2x7xf32>
    %inserted_slice_0 = tensor.insert_slice %arg1 into %inserted_slice[0, 3] [2, 4] [1, 1] : tensor<2x4xf32> into tensor<2x7xf32>
    %extracted_slice = tensor.extract_slice %inserted_slice_0[0, 1] [2, 3] [1, 2] : tensor<2x7xf32> to tensor<2x3xf32>
    %1 = bufferization.materialize_in_destination %extracted_slice in %arg2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
    return %1 : tensor<2x3xf32>
  }
}
