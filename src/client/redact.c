/* Replaces every occurrence of the API key in s (in place) by "REDACTED"
 * when that fits, or by asterisks. A server or gateway may echo the request
 * URL in an error message; the key must not reach a log through it. */
#include <string.h>

#include "client/client.h"

void gf__redact(const char *key, char *s) {
  size_t k = key ? strlen(key) : 0;
  if (k == 0 || !s)
    return;
  char *p;
  while ((p = strstr(s, key)) != NULL) {
    if (k >= 8) {
      memcpy(p, "REDACTED", 8);
      memmove(p + 8, p + k, strlen(p + k) + 1);
    } else {
      memset(p, '*', k);
    }
  }
}
