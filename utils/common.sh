# Shared by utils/*.sh: configure and build bst in $BST_BUILD_DIR (default: build/).
# Source it; it defines bst_configure and bst_build.
BST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BST_BUILD_DIR=${BST_BUILD_DIR:-$BST_ROOT/build}
BST_BUILD_TYPE=${BST_BUILD_TYPE:-Release}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}

bst_configure() {
  mkdir -p "$BST_BUILD_DIR"
  cmake -S "$BST_ROOT" -B "$BST_BUILD_DIR" -G Ninja \
    -DCMAKE_BUILD_TYPE="$BST_BUILD_TYPE" "$@" >"$BST_BUILD_DIR/configure.log" 2>&1 || {
    cat "$BST_BUILD_DIR/configure.log" >&2
    echo "cmake configure failed (log: $BST_BUILD_DIR/configure.log)" >&2
    return 1
  }
}

bst_build() {
  # Two cores: compile with both, link one at a time (the job pool in CMakeLists.txt).
  ninja -C "$BST_BUILD_DIR" "$@"
}
