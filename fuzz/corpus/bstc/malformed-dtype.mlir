module attributes {bst.manifest = "{\"format_version\": 1, \"function\": \"f\", \"slots\": [{\"index\": 0, \"role\": \"state\", \"name\": \"x\", \"dtype\": \"f16\", \"shape\": [4], \"read\": true, \"written\": true}]}"} {
}
