# bst_add_layer(NAME SOURCES... [DEPENDS layer...] [LINK target...])
#
# Declares one layer of DESIGN.md section 2 as the library target bst<NAME> (alias bst::<name>).
# A layer may depend only on the layers above it in this order; a wrong-direction dependency is a
# configure error, so the layering cannot rot silently.
include(BstSanitizers)

set(BST_LAYER_ORDER Support State Graph Checkpoint Trace Transform Runtime Compiler Jit)

function(bst_add_layer name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPENDS;LINK" ${ARGN})
  list(FIND BST_LAYER_ORDER ${name} own_rank)
  if(own_rank EQUAL -1)
    message(FATAL_ERROR "bst_add_layer: '${name}' is not a layer of DESIGN.md (${BST_LAYER_ORDER})")
  endif()
  foreach(dep IN LISTS ARG_DEPENDS)
    list(FIND BST_LAYER_ORDER ${dep} dep_rank)
    if(dep_rank EQUAL -1 OR NOT dep_rank LESS own_rank)
      message(FATAL_ERROR "bst_add_layer: layer ${name} may not depend on ${dep}; "
                          "a layer uses only the layers above it (${BST_LAYER_ORDER})")
    endif()
  endforeach()
  add_library(bst${name} ${ARG_SOURCES})
  string(TOLOWER ${name} lower)
  add_library(bst::${lower} ALIAS bst${name})
  target_include_directories(bst${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:include>)
  target_compile_options(bst${name} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  set(deps)
  foreach(dep IN LISTS ARG_DEPENDS)
    list(APPEND deps bst${dep})
  endforeach()
  target_link_libraries(bst${name} PUBLIC ${deps} ${ARG_LINK})
  set_property(GLOBAL APPEND PROPERTY BST_LAYERS bst${name})
endfunction()
