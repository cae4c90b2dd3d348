# -*- Python -*-
# lit configuration for bst's FileCheck tests. CMake writes lit.site.cfg.py into build/test,
# which sets the paths used here and loads this file.
import os

import lit.formats

config.name = "bst"
config.test_format = lit.formats.ShTest(execute_external=True)
config.suffixes = [".mlir", ".test"]
config.excludes = ["CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py.in", "Inputs"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.bst_obj_root, "test")

# bst's tools first, then FileCheck, not, count and split-file from LLVM 19.
config.environment["PATH"] = os.pathsep.join(
    [config.bst_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", "")]
)
config.substitutions.append(("%bst_bin", config.bst_tools_dir))
config.substitutions.append(("%bst_src", config.bst_src_root))

# The passes of bst's CPU pipeline (buildBstCpuPipeline in lib/Compiler/Pipeline.cpp) up to and
# including bst-results-to-slots, for tests of the bufferized stage. The pipeline itself also
# makes bufferization's copies linalg.copy (here they stay memref.copy; bst-results-to-slots
# copies with linalg.copy in both). Keep in sync with Pipeline.cpp.
config.substitutions.append(
    (
        "%bst_bufferize",
        "'--one-shot-bufferize=bufferize-function-boundaries allow-return-allocs-from-loops "
        "function-boundary-type-conversion=identity-layout-map' "
        "--canonicalize --bst-results-to-slots",
    )
)
