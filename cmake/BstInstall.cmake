# `cmake --install` and the CMake package: a host application writes
#
#   find_package(bst REQUIRED)                      # every layer; needs LLVM/MLIR 19 installed
#   target_link_libraries(app PRIVATE bst::bst)     # bst::jit, states, bst::Engine, ...
#   find_package(bst REQUIRED COMPONENTS runtime)   # only the runtime: no LLVM needed
#   target_link_libraries(host PRIVATE bst::runtime)
#
# Installed: headers (include/bst, include/bst-c), the layer libraries, bstc, and
# lib/cmake/bst/{bstConfig,bstConfigVersion,bstRuntimeTargets,bstTargets}.cmake. The runtime
# and Support (what it uses) form their own export set, so a runtime-only host needs neither
# LLVM nor MLIR. Included at the end of the top-level CMakeLists.txt, after every target.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# DESIGN.md section 2: the Runtime layer must not depend on LLVM or MLIR. Checked here, on the
# whole link closure, so a dependency added anywhere below it fails the configure step.
function(bst_check_no_llvm item chain)
  string(REGEX REPLACE "^\\$<(BUILD_INTERFACE|LINK_ONLY):(.*)>$" "\\2" item "${item}")
  if(item MATCHES "^(LLVM|MLIR)" OR item MATCHES "lib(LLVM|MLIR)")
    message(FATAL_ERROR "bst: ${chain} -> ${item}: the Runtime layer must not link LLVM or MLIR "
                        "(DESIGN.md section 2)")
  endif()
  if(NOT TARGET "${item}" OR "${item}" IN_LIST BST_CHECKED_TARGETS)
    return()
  endif()
  set(BST_CHECKED_TARGETS ${BST_CHECKED_TARGETS} "${item}" PARENT_SCOPE)
  get_target_property(type "${item}" TYPE)
  get_target_property(imported "${item}" IMPORTED)
  set(deps)
  if(NOT imported AND NOT type STREQUAL "INTERFACE_LIBRARY")
    get_target_property(deps "${item}" LINK_LIBRARIES)
  endif()
  get_target_property(interface "${item}" INTERFACE_LINK_LIBRARIES)
  foreach(dep IN LISTS deps interface)
    if(dep)
      bst_check_no_llvm("${dep}" "${chain} -> ${item}")
    endif()
  endforeach()
  set(BST_CHECKED_TARGETS ${BST_CHECKED_TARGETS} PARENT_SCOPE)
endfunction()
bst_check_no_llvm(bstRuntime "bstRuntime")

# Exported as bst::<layer> (bst::runtime, bst::support, ...) and bst::bst.
set(bst_runtime_targets bstSupport bstRuntime)
get_property(bst_layers GLOBAL PROPERTY BST_LAYERS)
set(bst_full_targets)
foreach(target IN LISTS bst_layers)
  string(REGEX REPLACE "^bst" "" name ${target})
  string(TOLOWER ${name} lower)
  set_target_properties(${target} PROPERTIES EXPORT_NAME ${lower})
  if(NOT target IN_LIST bst_runtime_targets)
    list(APPEND bst_full_targets ${target})
  endif()
endforeach()
set_target_properties(bst PROPERTIES EXPORT_NAME bst)

set(bst_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/bst)
install(TARGETS ${bst_runtime_targets} EXPORT bstRuntimeTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS ${bst_full_targets} bst EXPORT bstTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
# bstc finds libMLIR.so / libLLVM.so (outside the default search path) where it was linked.
set_target_properties(bstc PROPERTIES INSTALL_RPATH_USE_LINK_PATH ON)
install(TARGETS bstc RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/bst ${PROJECT_SOURCE_DIR}/include/bst-c
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT bstRuntimeTargets NAMESPACE bst:: DESTINATION ${bst_cmake_dir})
install(EXPORT bstTargets NAMESPACE bst:: DESTINATION ${bst_cmake_dir})

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/bstConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/bstConfig.cmake
  INSTALL_DESTINATION ${bst_cmake_dir}
  PATH_VARS CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/cmake/bstConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/cmake/bstConfig.cmake
              ${PROJECT_BINARY_DIR}/cmake/bstConfigVersion.cmake
  DESTINATION ${bst_cmake_dir})
