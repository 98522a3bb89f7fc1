# llhttp: Debian's node-llhttp ships the generated C sources, not a library.
# We compile them as their own static target, without our warning flags
# (they do not pass -Wextra -Werror). GF_LLHTTP_DIR overrides the location.

set(GF_LLHTTP_DIR "" CACHE PATH "Directory holding llhttp.c, api.c, http.c")
find_path(GF_LLHTTP_SRC_DIR llhttp.c api.c http.c
  HINTS "${GF_LLHTTP_DIR}" PATHS /usr/share/llhttp NO_DEFAULT_PATH)
find_path(GF_LLHTTP_INCLUDE_DIR llhttp.h
  HINTS "${GF_LLHTTP_DIR}" "${GF_LLHTTP_DIR}/include"
  PATHS /usr/share/include/llhttp /usr/include/llhttp /usr/include NO_DEFAULT_PATH)
if(NOT GF_LLHTTP_SRC_DIR OR NOT GF_LLHTTP_INCLUDE_DIR)
  message(FATAL_ERROR "llhttp sources not found: install node-llhttp "
                      "(apt-get install node-llhttp) or set GF_LLHTTP_DIR")
endif()
file(STRINGS "${GF_LLHTTP_INCLUDE_DIR}/llhttp.h" _gf_llhttp_major
     REGEX "^#define LLHTTP_VERSION_MAJOR")
message(STATUS "llhttp: ${GF_LLHTTP_SRC_DIR} (${_gf_llhttp_major})")

add_library(gf_llhttp STATIC
  "${GF_LLHTTP_SRC_DIR}/llhttp.c"
  "${GF_LLHTTP_SRC_DIR}/api.c"
  "${GF_LLHTTP_SRC_DIR}/http.c")
target_include_directories(gf_llhttp SYSTEM PUBLIC "${GF_LLHTTP_INCLUDE_DIR}")
set_target_properties(gf_llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON
                                           C_STANDARD 99)
target_compile_options(gf_llhttp PRIVATE -w)
