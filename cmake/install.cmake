# Install rules, included at the end of the top-level CMakeLists.txt:
#   bin/gemflow, bin/gemflow-sim
#   lib/libgemflow.so.0.1.0 (SONAME libgemflow.so.0) with its symlinks,
#   lib/libgemflow.a, include/gemflow.h, share/man/man1/*.1
#   lib/pkgconfig/gemflow.pc
#   lib/cmake/gemflow/: gemflowConfig.cmake, gemflowConfigVersion.cmake,
#     gemflowTargets*.cmake (gemflow::gemflow, gemflow::gemflow_static) and
#     FindMbedTLS.cmake (Mbed TLS 2.28 has no package file of its own)
# The internal libraries (gf_internal, gf_sim, the object libraries) are
# never installed: libgemflow holds their objects it needs, llhttp's
# renamed gf__llhttp_.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(GF_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/gemflow")

install(TARGETS gemflow gemflow_static EXPORT gemflowTargets
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
          NAMELINK_COMPONENT Development
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT Development)
install(FILES include/gemflow.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        COMPONENT Development)
install(TARGETS gemflow_cli gemflow-sim
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
file(GLOB GF_MAN_PAGES CONFIGURE_DEPENDS
     "${CMAKE_CURRENT_SOURCE_DIR}/docs/man/*.1")
install(FILES ${GF_MAN_PAGES} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

# pkg-config. The paths are the configured prefix's (what distributions
# expect); `pkg-config --define-prefix` relocates a moved tree.
foreach(d LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${d}}")
    set(GF_PC_${d} "${CMAKE_INSTALL_${d}}")
  else()
    set(GF_PC_${d} "\${prefix}/${CMAKE_INSTALL_${d}}")
  endif()
endforeach()
configure_file(cmake/gemflow.pc.in "${CMAKE_CURRENT_BINARY_DIR}/gemflow.pc"
               @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/gemflow.pc"
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig COMPONENT Development)

# The CMake package. gemflow::gemflow (shared) links its dependencies
# privately; gemflow::gemflow_static names them (PkgConfig::LIBUV,
# PkgConfig::JSONC, PkgConfig::CARES, MbedTLS::mbedtls, Threads::Threads),
# and gemflowConfig.cmake makes those targets with the same names.
install(EXPORT gemflowTargets NAMESPACE gemflow::
        DESTINATION ${GF_CMAKEDIR} COMPONENT Development)
configure_package_config_file(cmake/gemflowConfig.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/gemflowConfig.cmake"
  INSTALL_DESTINATION ${GF_CMAKEDIR})
write_basic_package_version_file(
  "${CMAKE_CURRENT_BINARY_DIR}/gemflowConfigVersion.cmake"
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/gemflowConfig.cmake"
              "${CMAKE_CURRENT_BINARY_DIR}/gemflowConfigVersion.cmake"
              third_party/FindMbedTLS.cmake
        DESTINATION ${GF_CMAKEDIR} COMPONENT Development)
