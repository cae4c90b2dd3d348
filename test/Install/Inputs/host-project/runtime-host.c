/* Loads the counter library and counts to 3. */
#include "bst-c/bst.h"

#include <stdio.h>

int main(int argc, char **argv) {
  bst_module *m;
  bst_bindings *b;
  int64_t n = 16;
  if (argc < 2 || bst_module_load(argv[1], &m) != BST_OK) {
    fprintf(stderr, "runtime-host: %s\n", bst_last_error_message());
    return 1;
  }
  float *x = bst_aligned_alloc(64), *count = bst_aligned_alloc(64);
  for (int i = 0; i < 16; ++i)
    x[i] = 1.f;
  if (bst_bindings_create(m, &b) || bst_bind(b, "arg0", x, BST_F32, &n, 1) ||
      bst_bind(b, "count", count, BST_F32, &n, 1) || bst_call(b) ||
      bst_call(b) || bst_call(b)) {
    fprintf(stderr, "runtime-host: %s\n", bst_last_error_message());
    return 1;
  }
  printf("aot: %g\n", count[0]);
  bst_bindings_release(b);
  bst_module_release(m);
  return 0;
}
