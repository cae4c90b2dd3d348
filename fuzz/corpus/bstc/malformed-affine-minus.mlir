#map = affine_map<(d0) -> (------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------------d0)>
module attributes {bst.manifest = "{\"format_version\": 1, \"function\": \"f\", \"slots\": [{\"index\": 0, \"role\": \"state\", \"name\": \"x\", \"dtype\": \"f32\", \"shape\": [4], \"read\": true, \"written\": true}]}"} {
  func.func @f(%x: tensor<4xf32> {bufferization.writable = true}) -> tensor<4xf32> attributes {bst.result_slots = array<i64: 0>} {
    %0 = linalg.add ins(%x, %x : tensor<4xf32>, tensor<4xf32>) outs(%x : tensor<4xf32>) -> tensor<4xf32>
    return %0 : tensor<4xf32>
  }
}
