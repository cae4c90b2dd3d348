module attributes {bst.manifest = "{\"format_version\": 1, \"function\": \"f\", \"slots\": []}"} {
  func.func private @f()
}
