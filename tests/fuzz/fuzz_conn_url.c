/* Base URL parsing: never crashes, and what it accepts is consistent: the
 * host fits, the port is in range, the authority names the host. */
#include <stdlib.h>
#include <string.h>

#include "conn/url.h"
#include "gemflow.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size) {
  char *s = malloc(size + 1);
  if (!s)
    return 0;
  memcpy(s, data, size);
  s[size] = '\0';
  gf__url u;
  int rc = gf__url_parse(s, &u);
  if (rc != 0 && rc != GF_EURL)
    abort();
  if (rc == 0) {
    if (!u.host[0] || u.port < 1 || u.port > 65535)
      abort();
    if (!strstr(u.authority, u.host))
      abort();
    if (strchr(u.prefix, '?') || strchr(u.prefix, '#'))
      abort();
  }
  free(s);
  return 0;
}
