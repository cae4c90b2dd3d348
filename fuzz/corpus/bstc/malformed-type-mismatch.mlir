module attributes {bst.manifest = "{\"format_version\": 1, \"function\": \"f\", \"slots\": [{\"index\": 0, \"role\": \"state\", \"name\": \"x\", \"dtype\": \"f32\", \"shape\": [4], \"read\": true, \"written\": true}]}"} {
  func.func @f(%x: tensor<4xf64>) {
    return
  }
}
