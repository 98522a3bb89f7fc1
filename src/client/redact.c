/* Replaces every occurrence of the API key in s (in place) by "REDACTED".
 * A server or gateway may echo the request URL in an error message; the key
 * must not reach a log through it. A key shorter than GF_REDACT_MIN is left
 * alone in free text (it would garble words); the key= parameter of the
 * request line is redacted whatever its length (gen.c). */
#include <string.h>

#include "client/redact.h"
#include "gemflow.h"

void gf__redact(const char *key, char *s) {
  size_t k = key ? strlen(key) : 0;
  if (k < GF_REDACT_MIN || !s)
    return;
  char *p;
  while ((p = strstr(s, key)) != NULL) {
    memcpy(p, "REDACTED", 8);
    memmove(p + 8, p + k, strlen(p + k) + 1);
  }
}
