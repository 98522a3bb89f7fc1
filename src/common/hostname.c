#include "common/hostname.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "gemflow.h"

int gf__host_canon(const char *host, char **out, unsigned char ip[16],
                   size_t *ip_len) {
  *ip_len = 0;
  if (!*host)
    return GF_EINVAL;
  size_t n = strlen(host);
  if (n > 1 && host[n - 1] == '.')
    n--;
  char *h = malloc(n + 1);
  if (!h)
    return GF_ENOMEM;
  memcpy(h, host, n);
  h[n] = '\0';
  if (inet_pton(AF_INET, h, ip) == 1)
    *ip_len = 4;
  else if (inet_pton(AF_INET6, h, ip) == 1)
    *ip_len = 16;
  *out = h;
  return 0;
}
