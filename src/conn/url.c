#include "conn/url.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gemflow.h"

static int parse_scheme(const char **s, gf__url *u) {
  if (strncasecmp(*s, "https://", 8) == 0) {
    u->tls = 1;
    u->port = 443;
    *s += 8;
  } else if (strncasecmp(*s, "http://", 7) == 0) {
    u->tls = 0;
    u->port = 80;
    *s += 7;
  } else {
    return GF_EURL;
  }
  return 0;
}

static int parse_port(const char *p, size_t n, int *port) {
  if (n == 0 || n > 5)
    return GF_EURL;
  int v = 0;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < '0' || p[i] > '9')
      return GF_EURL;
    v = v * 10 + (p[i] - '0');
  }
  if (v < 1 || v > 65535)
    return GF_EURL;
  *port = v;
  return 0;
}

/* host and optional port, up to the first '/' (or the end). */
static int parse_authority(const char *a, size_t n, gf__url *u) {
  const char *port = NULL;
  size_t hlen;
  const char *h = a;
  if (n && a[0] == '[') {
    const char *close = memchr(a, ']', n);
    if (!close)
      return GF_EURL;
    h = a + 1;
    hlen = (size_t)(close - h);
    const char *after = close + 1;
    if (after < a + n) {
      if (*after != ':')
        return GF_EURL;
      port = after + 1;
    }
  } else {
    const char *colon = memchr(a, ':', n);
    hlen = colon ? (size_t)(colon - a) : n;
    if (colon)
      port = colon + 1;
  }
  if (hlen == 0 || hlen >= sizeof u->host)
    return GF_EURL;
  for (size_t i = 0; i < hlen; i++)
    if ((unsigned char)h[i] <= ' ' || h[i] == '@' || h[i] == '?' ||
        h[i] == '#' || h[i] == '%')
      return GF_EURL;
  memcpy(u->host, h, hlen);
  u->host[hlen] = '\0';
  if (port && parse_port(port, (size_t)(a + n - port), &u->port))
    return GF_EURL;
  unsigned char tmp[16];
  int v6 = inet_pton(AF_INET6, u->host, tmp) == 1;
  if (a[0] == '[' && !v6)
    return GF_EURL;
  if (a[0] != '[' && v6)
    return GF_EURL; /* an IPv6 literal must be bracketed */
  u->host_is_ip = v6 || inet_pton(AF_INET, u->host, tmp) == 1;
  int def = u->tls ? 443 : 80;
  if (u->port == def)
    snprintf(u->authority, sizeof u->authority, v6 ? "[%s]" : "%s", u->host);
  else
    snprintf(u->authority, sizeof u->authority, v6 ? "[%s]:%d" : "%s:%d",
             u->host, u->port);
  return 0;
}

int gf__url_parse(const char *s, gf__url *u) {
  memset(u, 0, sizeof *u);
  if (!s || parse_scheme(&s, u))
    return GF_EURL;
  size_t alen = strcspn(s, "/?#");
  if (parse_authority(s, alen, u))
    return GF_EURL;
  const char *path = s + alen;
  if (*path == '?' || *path == '#')
    return GF_EURL;
  size_t plen = strlen(path);
  while (plen && path[plen - 1] == '/')
    plen--;
  if (plen >= sizeof u->prefix || strpbrk(path, "?# \t\r\n"))
    return GF_EURL;
  memcpy(u->prefix, path, plen);
  u->prefix[plen] = '\0';
  return 0;
}

int gf__url_is_loopback(const gf__url *u) {
  if (strcasecmp(u->host, "localhost") == 0 ||
      strcasecmp(u->host, "localhost.") == 0)
    return 1;
  unsigned char a[16];
  if (inet_pton(AF_INET, u->host, a) == 1)
    return a[0] == 127;
  static const unsigned char v6_loopback[16] = {[15] = 1};
  return inet_pton(AF_INET6, u->host, a) == 1 &&
         memcmp(a, v6_loopback, 16) == 0;
}
