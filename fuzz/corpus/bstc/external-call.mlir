module attributes {bst.manifest = "{\"format_version\": 1, \"function\": \"f\", \"slots\": []}"} {
  func.func private @not_defined_anywhere()
  func.func @f() {
    func.call @not_defined_anywhere() : () -> ()
    return
  }
}
