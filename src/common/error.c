/* gf_strerror / gf_err_name: one table, generated from GF_ERRNO_MAP. */
#include "gemflow.h"

const char *gf_strerror(int err) {
  switch (err) {
  case GF_OK:
    return "success";
#define GF__ERR_TEXT(name, code, id, text)                                     \
  case code:                                                                   \
    return text;
    GF_ERRNO_MAP(GF__ERR_TEXT)
#undef GF__ERR_TEXT
  }
  return "unknown error";
}

const char *gf_err_name(int err) {
  switch (err) {
  case GF_OK:
    return "ok";
#define GF__ERR_ID(name, code, id, text)                                       \
  case code:                                                                   \
    return id;
    GF_ERRNO_MAP(GF__ERR_ID)
#undef GF__ERR_ID
  }
  return "unknown";
}

#define GF__STR(x) #x
#define GF__XSTR(x) GF__STR(x)

unsigned gf_version(void) { return GF_VERSION_HEX; }

const char *gf_version_string(void) {
  return GF__XSTR(GF_VERSION_MAJOR) "." GF__XSTR(GF_VERSION_MINOR) "."
      GF__XSTR(GF_VERSION_PATCH);
}
