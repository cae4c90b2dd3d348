/*===- host-c/static.c - The LIF step linked statically -------------------===*
 *
 *   host-c-static [steps=1000]
 *
 * The other way to embed a step: link the object bstc made
 * (bstc lif.mlir --emit=static -o liblif.a) into the program and use the
 * header it generated (bstc lif.mlir --emit=header -o lif.h). The build
 * (CMakeLists.txt) makes both for 4000 neurons. The step is called once
 * through the runtime, which checks the buffers against the embedded
 * manifest, then directly through the header's typed bst_lif_call.
 *
 *===----------------------------------------------------------------------===*/
#include "bst-c/bst.h"
#include "lif.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
  int steps = argc > 1 ? atoi(argv[1]) : 1000;
  if (steps <= 0) {
    fprintf(stderr, "usage: host-c-static [steps > 0]\n");
    return 2;
  }
  const int64_t n = BST_LIF_LIF_V_DIM0;
  float *input = bst_aligned_alloc(BST_LIF_ARG0_NBYTES);
  float *v = bst_aligned_alloc(BST_LIF_LIF_V_NBYTES);
  float *tau = bst_aligned_alloc(BST_LIF_LIF_TAU_NBYTES);
  float *spike = bst_aligned_alloc(BST_LIF_LIF_SPIKE_NBYTES);
  if (!input || !v || !tau || !spike)
    return 1;
  for (int64_t i = 0; i < n; ++i) {
    input[i] = 1.f + 2.f * (float)i / (float)n;
    tau[i] = 10.f;
  }

  /* Step 1 through the runtime: the manifest checks every buffer. */
  bst_module *module = NULL;
  bst_bindings *call = NULL;
  if (bst_module_from_static(bst_manifest_lif, bst_format_version_lif,
                             bst_entry_lif, &module) != BST_OK ||
      bst_bindings_create(module, &call) != BST_OK ||
      bst_bind(call, BST_LIF_ARG0_PATH, input, BST_F32, &n, 1) != BST_OK ||
      bst_bind(call, BST_LIF_LIF_V_PATH, v, BST_F32, &n, 1) != BST_OK ||
      bst_bind(call, BST_LIF_LIF_TAU_PATH, tau, BST_F32, &n, 1) != BST_OK ||
      bst_bind(call, BST_LIF_LIF_SPIKE_PATH, spike, BST_F32, &n, 1) != BST_OK ||
      bst_call(call) != BST_OK) {
    fprintf(stderr, "host-c-static: %s\n", bst_last_error_message());
    return 1;
  }
  bst_bindings_release(call);
  bst_module_release(module);
  double spikes = 0;
  for (int64_t i = 0; i < n; ++i)
    spikes += spike[i];

  /* The other steps directly, by index through the header's typed wrapper. */
  for (int k = 1; k < steps; ++k) {
    bst_lif_call(input, v, tau, spike);
    for (int64_t i = 0; i < n; ++i)
      spikes += spike[i];
  }
  printf("%d steps of %lld neurons (%s, %s)\n", steps, (long long)n,
         BST_LIF_TARGET_CPU, BST_LIF_TARGET_TRIPLE);
  printf("spikes: %.0f\n", spikes);
  bst_aligned_free(input);
  bst_aligned_free(v);
  bst_aligned_free(tau);
  bst_aligned_free(spike);
  return 0;
}
