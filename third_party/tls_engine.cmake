# tls_engine.cmake: the TLS engine behind src/tls/tls.h, chosen at configure
# time with -DGF_TLS=mbedtls (the default) or -DGF_TLS=openssl.
#
# Sets, for the top-level CMakeLists.txt:
#   GF_TLS_SOURCES_DIR  the engine's sources, relative to the source dir:
#                       src/tls/mbedtls or src/tls/openssl (its *.c, srv_*.c
#                       apart); the tls layer adds src/tls/*.c, what the
#                       engines share (GF_TLS_SHARED_DIR)
#   GF_TLS_LIBS         what the tls layer links: MbedTLS::mbedtls, or
#                       OpenSSL::SSL OpenSSL::Crypto
#   GF_TLS_DEFINITIONS  compile definition naming the engine
#                       (GF_TLS_MBEDTLS=1 or GF_TLS_OPENSSL=1); nothing in
#                       src/ needs it, it is there for tests and tools
#   GF_TLS_PC_REQUIRES  Requires.private of gemflow.pc for the engine
#                       (OpenSSL ships libssl.pc; Debian's Mbed TLS 2.28
#                       ships no .pc)
#   GF_TLS_PC_LIBS      Libs.private of gemflow.pc for the engine
#   GF_TLS_TEST_LIBS    an independent TLS library for tests/tls/: those
#                       tests read certificates and play the peer with
#                       mbedTLS whichever engine is built (with OpenSSL,
#                       that makes them cross-library checks). With
#                       GF_TLS=openssl, MbedTLS::mbedtls exists only when
#                       Mbed TLS was found.
set(GF_TLS_SHARED_DIR src/tls)
set(GF_TLS "mbedtls" CACHE STRING "TLS engine: mbedtls or openssl")
set_property(CACHE GF_TLS PROPERTY STRINGS mbedtls openssl)

if(GF_TLS STREQUAL "mbedtls")
  find_package(MbedTLS 2.28 REQUIRED)
  set(GF_TLS_SOURCES_DIR src/tls/mbedtls)
  set(GF_TLS_LIBS MbedTLS::mbedtls)
  set(GF_TLS_DEFINITIONS GF_TLS_MBEDTLS=1)
  set(GF_TLS_PC_REQUIRES "")
  set(GF_TLS_PC_LIBS "-lmbedtls -lmbedx509 -lmbedcrypto")
  set(GF_TLS_TEST_LIBS "")
elseif(GF_TLS STREQUAL "openssl")
  find_package(OpenSSL 3 REQUIRED)
  set(GF_TLS_SOURCES_DIR src/tls/openssl)
  set(GF_TLS_LIBS OpenSSL::SSL OpenSSL::Crypto)
  set(GF_TLS_DEFINITIONS GF_TLS_OPENSSL=1)
  set(GF_TLS_PC_REQUIRES "libssl libcrypto")
  set(GF_TLS_PC_LIBS "")
  # Mbed TLS stays optional beside OpenSSL; tests/tls/ cannot do without.
  find_package(MbedTLS 2.28 QUIET)
  if(MbedTLS_FOUND)
    set(GF_TLS_TEST_LIBS MbedTLS::mbedtls)
  elseif(BUILD_TESTING)
    message(FATAL_ERROR "GF_TLS=openssl with BUILD_TESTING: tests/tls/ "
            "need Mbed TLS 2.28 as their independent peer (libmbedtls-dev)")
  else()
    set(GF_TLS_TEST_LIBS "")
  endif()
else()
  message(FATAL_ERROR "GF_TLS must be mbedtls or openssl, not '${GF_TLS}'")
endif()
message(STATUS "TLS engine: ${GF_TLS} (${GF_TLS_SOURCES_DIR})")
