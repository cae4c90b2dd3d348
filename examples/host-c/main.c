/*===- host-c/main.c - Run an AOT-compiled LIF step from C ---------------===*
 *
 *   host-c LIBRARY [steps=1000]
 *
 * A host application in plain C that links only bst's runtime (no LLVM):
 * it loads a shared library built by bstc from the LIF step
 * (lif-export N lif.mlir && bstc lif.mlir -o liblif.so), reads the sizes
 * from its manifest, allocates and binds its own buffers by path, runs
 * `steps` steps and prints the number of spikes, which equals what the
 * jitted step computes (examples/lif; test/Examples/host-c.test checks it).
 *
 *===----------------------------------------------------------------------===*/
#include "bst-c/bst.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void check(bst_status status, const char *what) {
  if (status == BST_OK)
    return;
  fflush(stdout);
  fprintf(stderr, "host-c: %s failed (%s): %s\n", what, bst_status_name(status),
          bst_last_error_message());
  exit(1);
}

static const char *roleName(bst_slot_role role) {
  static const char *const names[] = {"argument", "state", "capture", "result"};
  return role >= BST_ROLE_ARGUMENT && role <= BST_ROLE_RESULT ? names[role]
                                                              : "?";
}

static const char *dtypeName(bst_dtype dtype) {
  static const char *const names[] = {"f32", "f64", "i32", "i64", "bool"};
  return dtype >= BST_F32 && dtype <= BST_BOOL ? names[dtype] : "?";
}

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: host-c LIBRARY [steps]\n");
    return 2;
  }
  int steps = argc > 2 ? atoi(argv[2]) : 1000;
  if (steps <= 0) {
    fprintf(stderr, "host-c: steps must be positive\n");
    return 2;
  }

  bst_module *lif = NULL;
  check(bst_module_load(argv[1], &lif), "loading the library");
  printf("function %s from %s:\n", bst_module_function(lif),
         bst_module_source(lif));
  for (size_t i = 0; i < bst_module_slot_count(lif); ++i) {
    bst_slot_info info;
    check(bst_module_slot_info(lif, i, &info), "reading the manifest");
    printf("  slot %zu %-10s %-8s %s[", i, info.name, roleName(info.role),
           dtypeName(info.dtype));
    for (size_t d = 0; d < info.rank; ++d)
      printf("%s%lld", d ? "," : "", (long long)info.shape[d]);
    printf("]%s%s\n", info.read ? " read" : "", info.written ? " written" : "");
  }

  /* The population size, from the manifest. */
  size_t index;
  bst_slot_info v;
  check(bst_module_find_slot(lif, "lif.v", &index), "finding lif.v");
  check(bst_module_slot_info(lif, index, &v), "reading lif.v");
  int64_t n = v.shape[0];

  /* The host owns every buffer (64-byte aligned). */
  size_t bytes = (size_t)n * sizeof(float);
  float *input = bst_aligned_alloc(bytes), *vm = bst_aligned_alloc(bytes);
  float *tau = bst_aligned_alloc(bytes), *spike = bst_aligned_alloc(bytes);
  if (!input || !vm || !tau || !spike) {
    fprintf(stderr, "host-c: out of memory\n");
    return 1;
  }
  for (int64_t i = 0; i < n; ++i) {
    input[i] = 1.f + 2.f * (float)i / (float)n; /* lifDrive in Lif.h */
    tau[i] = 10.f;
  }

  bst_bindings *call = NULL;
  check(bst_bindings_create(lif, &call), "creating bindings");
  check(bst_bind(call, "arg0", input, BST_F32, &n, 1), "binding arg0");
  check(bst_bind(call, "lif.v", vm, BST_F32, &n, 1), "binding lif.v");
  check(bst_bind(call, "lif.tau", tau, BST_F32, &n, 1), "binding lif.tau");
  check(bst_bind(call, "lif.spike", spike, BST_F32, &n, 1),
        "binding lif.spike");

  /* The runtime checks every binding against the manifest. */
  int64_t wrong = n + 1;
  if (bst_bind(call, "lif.v", vm, BST_F32, &wrong, 1) != BST_OK)
    printf("rejected: %s\n", bst_last_error_message());

  double spikes = 0;
  clock_t start = clock();
  for (int k = 0; k < steps; ++k) {
    check(bst_call(call), "calling the step");
    for (int64_t i = 0; i < n; ++i)
      spikes += spike[i];
  }
  double seconds = (double)(clock() - start) / CLOCKS_PER_SEC;
  printf("%d steps of %lld neurons in %.3f ms (with counting)\n", steps,
         (long long)n, 1000 * seconds);
  printf("spikes: %.0f\n", spikes);

  bst_bindings_release(call);
  bst_module_release(lif);
  bst_aligned_free(input);
  bst_aligned_free(vm);
  bst_aligned_free(tau);
  bst_aligned_free(spike);
  return 0;
}
