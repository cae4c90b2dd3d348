# BST_SANITIZE selects an instrumented build (utils/test.sh and utils/fuzz.sh set it; each uses
# its own build directory):
#   address   AddressSanitizer + UndefinedBehaviorSanitizer        (utils/test.sh --sanitize)
#   thread    ThreadSanitizer                                      (utils/test.sh --tsan)
#   fuzzer    libFuzzer + ASan + UBSan, with clang only            (utils/fuzz.sh)
#
# Every target is instrumented except those with the property BST_NO_SANITIZE: lib/CMakeLists.txt
# sets it on bstCompiler in ASan builds, whose MLIR-heavy sources take minutes to compile
# instrumented and which only drives LLVM and MLIR — themselves uninstrumented system libraries.
# Uninstrumented code runs correctly under ASan; it is just not checked. Compiled with the same
# flags as a normal Release build, those objects also come from ccache. TSan builds instrument
# bstCompiler too: TSan must see the synchronisation of its thread-safe statics, which
# instrumented code and MLIR read.
set(BST_SANITIZE "" CACHE STRING "Sanitizer build: '', address, thread or fuzzer")
set_property(CACHE BST_SANITIZE PROPERTY STRINGS "" address thread fuzzer)

if(BST_SANITIZE STREQUAL "")
  return()
elseif(BST_SANITIZE STREQUAL "address")
  set(bst_sanitize_flags -fsanitize=address,undefined)
elseif(BST_SANITIZE STREQUAL "thread")
  set(bst_sanitize_flags -fsanitize=thread)
elseif(BST_SANITIZE STREQUAL "fuzzer")
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "BST_SANITIZE=fuzzer needs clang (utils/fuzz.sh uses clang++-14)")
  endif()
  # Executables that define LLVMFuzzerTestOneInput add -fsanitize=fuzzer at link time.
  set(bst_sanitize_flags -fsanitize=fuzzer-no-link,address,undefined)
else()
  message(FATAL_ERROR "BST_SANITIZE must be empty, address, thread or fuzzer, not '${BST_SANITIZE}'")
endif()
message(STATUS "bst: sanitizer build (${BST_SANITIZE}): ${bst_sanitize_flags}")

# Any report is a failure: UBSan aborts instead of printing and going on.
list(APPEND bst_sanitize_flags -fno-sanitize-recover=all -fno-omit-frame-pointer -O1 -g1)
set(bst_instrumented "$<NOT:$<BOOL:$<TARGET_PROPERTY:BST_NO_SANITIZE>>>")
add_compile_options("$<${bst_instrumented}:${bst_sanitize_flags}>")
# Every executable links the runtime (uninstrumented targets included: they may be linked with
# instrumented ones).
string(REPLACE "fuzzer-no-link," "" bst_sanitize_link "${bst_sanitize_flags}")
list(FILTER bst_sanitize_link INCLUDE REGEX "^-fsanitize=")
add_link_options(${bst_sanitize_link})
