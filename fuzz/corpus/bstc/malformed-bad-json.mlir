module attributes {bst.manifest = "{bad json"} {
}
