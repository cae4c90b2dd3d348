#id = affine_map<(d0) -> (d0)>
#same = #id
#shift = affine_map<(d0) -> (d0 - 1 + 1)>
!t = tensor<4xf32>
!u = !t
module attributes {bst.manifest = "{\"format_version\": 1, \"function\": \"f\", \"slots\": [{\"index\": 0, \"role\": \"state\", \"name\": \"x\", \"dtype\": \"f32\", \"shape\": [4], \"read\": true, \"written\": true}]}"} {
  func.func @f(%x: !u {bufferization.writable = true}) -> !t attributes {bst.result_slots = array<i64: 0>} {
    %c-1.e = arith.constant -1.000000e+00 : f32
    %0 = linalg.generic {indexing_maps = [#same, #id], iterator_types = ["parallel"]} ins(%x : !t) outs(%x : !t) {
    ^bb0(%in: f32, %out-1: f32):
      %1 = arith.mulf %in, %c-1.e : f32
      %2 = arith.addf %1, %out-1 : f32
      linalg.yield %2 : f32
    } -> !t
    return %0 : !t
  }
}
