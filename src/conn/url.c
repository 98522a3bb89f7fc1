#include "conn/url.h"

#include <arpa/inet.h>
#include <netinet/in.h>
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

/* ---- resolve pins ------------------------------------------------------- */

static int is_blank(char ch) { return ch == ' ' || ch == '\t'; }

/* [p, e) without blanks on either side. */
static void trim(const char **p, const char **e) {
  while (*p < *e && is_blank(**p))
    (*p)++;
  while (*e > *p && is_blank((*e)[-1]))
    (*e)--;
}

/* One IP literal (a v6 one bare or bracketed) with the port into a. */
static int parse_addr(const char *p, const char *e, int port,
                      struct sockaddr_storage *a) {
  char tmp[INET6_ADDRSTRLEN + 2];
  trim(&p, &e);
  if (e - p >= 2 && *p == '[' && e[-1] == ']') {
    p++;
    e--;
  }
  size_t n = (size_t)(e - p);
  if (n == 0 || n >= sizeof tmp)
    return GF_EINVAL;
  memcpy(tmp, p, n);
  tmp[n] = '\0';
  memset(a, 0, sizeof *a);
  struct sockaddr_in *a4 = (struct sockaddr_in *)a;
  struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)a;
  if (inet_pton(AF_INET, tmp, &a4->sin_addr) == 1) {
    a4->sin_family = AF_INET;
    a4->sin_port = htons((uint16_t)port);
  } else if (inet_pton(AF_INET6, tmp, &a6->sin6_addr) == 1) {
    a6->sin6_family = AF_INET6;
    a6->sin6_port = htons((uint16_t)port);
  } else {
    return GF_EINVAL;
  }
  return 0;
}

/* "HOST:PORT:ADDR[,ADDR...]" in [p, e), blanks trimmed. */
static int parse_pin(const char *p, const char *e, gf__pin *pin) {
  const char *h = p, *he;
  if (p < e && *p == '[') { /* a bracketed IPv6 host */
    h = p + 1;
    he = memchr(h, ']', (size_t)(e - h));
    if (!he || he + 1 >= e || he[1] != ':')
      return GF_EINVAL;
    p = he + 2;
  } else {
    he = memchr(p, ':', (size_t)(e - p));
    if (!he)
      return GF_EINVAL;
    p = he + 1;
  }
  size_t hlen = (size_t)(he - h);
  if (hlen == 0 || hlen >= sizeof pin->host)
    return GF_EINVAL;
  for (size_t i = 0; i < hlen; i++)
    if ((unsigned char)h[i] <= ' ' || h[i] == '[' || h[i] == ']' ||
        h[i] == ',' || h[i] == '/')
      return GF_EINVAL;
  memcpy(pin->host, h, hlen);
  pin->host[hlen] = '\0';
  const char *pe = memchr(p, ':', (size_t)(e - p));
  if (!pe || parse_port(p, (size_t)(pe - p), &pin->port))
    return GF_EINVAL;
  p = pe + 1;
  size_t n = 1;
  for (const char *q = p; q < e; q++)
    n += *q == ',';
  pin->addrs = calloc(n, sizeof *pin->addrs);
  if (!pin->addrs)
    return GF_ENOMEM;
  while (pin->naddrs < n) {
    const char *ae = memchr(p, ',', (size_t)(e - p));
    if (!ae)
      ae = e;
    if (parse_addr(p, ae, pin->port, &pin->addrs[pin->naddrs]))
      return GF_EINVAL;
    pin->naddrs++;
    p = ae + 1;
  }
  return 0;
}

int gf__pins_parse(const char *s, gf__pins *out) {
  memset(out, 0, sizeof *out);
  if (!s)
    return 0;
  size_t n = 1;
  for (const char *q = s; *q; q++)
    n += *q == ';';
  gf__pins pins = {calloc(n, sizeof *pins.v), 0};
  if (!pins.v)
    return GF_ENOMEM;
  int rc = 0;
  const char *p = s;
  for (;;) {
    const char *e = p + strcspn(p, ";");
    const char *next = *e ? e + 1 : NULL;
    trim(&p, &e);
    if (p < e) {
      rc = parse_pin(p, e, &pins.v[pins.n]);
      pins.n++; /* freed with the rest, also when half made */
      if (rc)
        break;
    }
    if (!next)
      break;
    p = next;
  }
  if (rc) {
    gf__pins_free(&pins);
    return rc;
  }
  *out = pins;
  return 0;
}

void gf__pins_free(gf__pins *p) {
  for (size_t i = 0; i < p->n; i++)
    free(p->v[i].addrs);
  free(p->v);
  memset(p, 0, sizeof *p);
}

const gf__pin *gf__pins_find(const gf__pins *p, const char *host, int port) {
  for (size_t i = 0; p && i < p->n; i++)
    if (p->v[i].port == port && strcasecmp(p->v[i].host, host) == 0)
      return &p->v[i];
  return NULL;
}

void gf__addrs_interleave(struct sockaddr_storage *a, size_t n) {
  if (n < 3)
    return;
  struct sockaddr_storage *tmp = malloc(n * sizeof *tmp);
  if (!tmp)
    return; /* the order is an optimisation: as given */
  int first = a[0].ss_family;
  size_t i = 0, j = 0, k = 0; /* next of the first family, of the other */
  while (k < n) {
    while (i < n && a[i].ss_family != first)
      i++;
    if (i < n)
      tmp[k++] = a[i++];
    while (j < n && a[j].ss_family == first)
      j++;
    if (j < n)
      tmp[k++] = a[j++];
  }
  memcpy(a, tmp, n * sizeof *tmp);
  free(tmp);
}

void gf__addr_name(const struct sockaddr_storage *a, char *buf, size_t len) {
  char ip[INET6_ADDRSTRLEN] = "?";
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)a;
    inet_ntop(AF_INET6, &a6->sin6_addr, ip, sizeof ip);
    snprintf(buf, len, "[%s]:%d", ip, ntohs(a6->sin6_port));
  } else {
    const struct sockaddr_in *a4 = (const struct sockaddr_in *)a;
    inet_ntop(AF_INET, &a4->sin_addr, ip, sizeof ip);
    snprintf(buf, len, "%s:%d", ip, ntohs(a4->sin_port));
  }
}
