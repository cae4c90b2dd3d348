module attributes {bst.manifest = "{\"format_version\": 1, \"function\": \"f\", \"slots\": [{\"index\": 0, \"role\": \"state\", \"name\": \"x\", \"dtype\": \"f32\", \"shape\": [4294967296, 4294967296], \"read\": true, \"written\": true}]}"} {
}
