module {
  llvm.func @bst_entry_f(%arg0: !llvm.ptr) {
    llvm.return
  }
}
