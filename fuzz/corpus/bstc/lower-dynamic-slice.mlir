module attributes {bst.manifest = "{\22format_version\22: 1, \22function\22: \22dynamic_slice\22, \22slots\22: [{\22index\22: 0, \22role\22: \22argument\22, \22name\22: \22arg0\22, \22dtype\22: \22i64\22, \22shape\22: [], \22read\22: true, \22written\22: false}, {\22index\22: 1, \22role\22: \22state\22, \22name\22: \22ds.table\22, \22kind\22: \22ParamState\22, \22dtype\22: \22f32\22, \22shape\22: [8, 4], \22read\22: true, \22written\22: false}, {\22index\22: 2, \22role\22: \22result\22, \22name\22: \22result\22, \22dtype\22: \22f32\22, \22shape\22: [2, 3], \22read\22: false, \22written\22: true}]}"} {
  func.func @dynamic_slice(%arg0: tensor<i64> {bst.role = "argument", bst.slot = "arg0", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg1: tensor<8x4xf32> {bst.kind = "ParamState", bst.role = "state", bst.slot = "ds.table", bufferization.writable = false, llvm.align = 64 : i64, llvm.noalias}, %arg2: tensor<2x3xf32> {bst.role = "result", bst.slot = "result", bufferization.writable = true, llvm.align = 64 : i64, llvm.noalias}) -> tensor<2x3xf32> attributes {bst.result_slots = array<i64: 2>} {
    %cst = arith.constant dense<1> : tensor<i64>
    %extracted = tensor.extract %arg0[] : tensor<i64>
    %0 = arith.index_cast %extracted : i64 to index
    %c0 = arith.constant 0 : index
    %c6 = arith.constant 6 : index
    %1 = arith.maxsi %0, %c0 : index
    %2 = arith.minsi %1, %c6 : index
    %extracted_0 = tensor.extract %cst[] : tensor<i64>
    %3 = arith.index_cast %extracted_0 : i64 to index
    %c0_1 = arith.constant 0 : index
    %c1 = arith.constant 1 : index
    %4 = arith.maxsi %3, %c0_1 : index
    %5 = arith.minsi %4, %c1 : index
    %extracted_slice = tensor.extract_slice %arg1[%2, %5] [2, 3] [1, 1] : tensor<8x4xf32> to tensor<2x3xf32>
    %6 = bufferization.materialize_in_destination %extracted_slice in %arg2 : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
    return %6 : tensor<2x3xf32>
  }
}
