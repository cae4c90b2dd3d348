module attributes {bst.manifest = "{\"format_version\": 1, \"function\": \"f\", \"slots\": [{\"index\": 0, \"role\": \"state\", \"name\": \"x\", \"dtype\": \"f32\", \"shape\": [4], \"read\": true, \"written\": true}]}"} {
  func.func @f(%x: tensor<4xf32>) -> memref<4xf32> attributes {bst.result_slots = array<i64: 0>} {
    %m = memref.alloc() : memref<4xf32>
    %c0 = arith.constant 0 : index
    %v = tensor.extract %x[%c0] : tensor<4xf32>
    %b = arith.cmpf ogt, %v, %v : f32
    cf.cond_br %b, ^bb1, ^bb2
  ^bb1:
    return %m : memref<4xf32>
  ^bb2:
    cf.br ^bb2
  }
}
