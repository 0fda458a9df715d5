# `cmake --install`: headers, the runtime libraries (static and shared), the tools, a CMake package
# (find_package(qinfer) -> qinfer::runtime, qinfer::runtime_shared) and a pkg-config file.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

install(FILES
  runtime/include/qinfer/error.h
  runtime/include/qinfer/npy.h
  runtime/include/qinfer/runtime.h
  runtime/include/qinfer/tensor.h
  runtime/include/qinfer/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/qinfer)

install(TARGETS qinfer_runtime qinfer_ops qinfer_schema qinfer_shared
  EXPORT qinferTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS qrun qinfo RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
if(TARGET qconv)
  install(TARGETS qconv RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(EXPORT qinferTargets NAMESPACE qinfer:: DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/qinfer)
configure_package_config_file(cmake/qinferConfig.cmake.in ${CMAKE_CURRENT_BINARY_DIR}/qinferConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/qinfer)
write_basic_package_version_file(${CMAKE_CURRENT_BINARY_DIR}/qinferConfigVersion.cmake COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/qinferConfig.cmake ${CMAKE_CURRENT_BINARY_DIR}/qinferConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/qinfer)

# The .pc file finds the prefix relative to itself (libdir/pkgconfig -> prefix), so it stays valid
# for `cmake --install --prefix` anywhere.
file(RELATIVE_PATH QINFER_PC_TO_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
configure_file(cmake/qinfer.pc.in ${CMAKE_CURRENT_BINARY_DIR}/qinfer.pc @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/qinfer.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
