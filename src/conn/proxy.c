#include "conn/proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gemflow.h"

/* ---- the URL ------------------------------------------------------------ */

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9')
    return ch - '0';
  if (ch >= 'a' && ch <= 'f')
    return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F')
    return ch - 'A' + 10;
  return -1;
}

/* Percent-decodes [p, e) onto out (which has room for e - p bytes more).
 * Controls and a decoded NUL are refused. */
static int decode(const char *p, const char *e, char **out) {
  char *o = *out;
  while (p < e) {
    int ch = (unsigned char)*p++;
    if (ch == '%') {
      int hi = p < e ? hexval(p[0]) : -1;
      int lo = p + 1 < e ? hexval(p[1]) : -1;
      if (hi < 0 || lo < 0)
        return GF_EINVAL;
      ch = hi * 16 + lo;
      p += 2;
      if (ch == 0)
        return GF_EINVAL;
    } else if (ch < 0x20 || ch == 0x7f) {
      return GF_EINVAL;
    }
    *o++ = (char)ch;
  }
  *out = o;
  return 0;
}

/* "user[:pass]" in [p, e): decoded "user:pass" (Basic's user-id has no
 * colon; a missing password is an empty one, as curl). */
static int parse_userinfo(const char *p, const char *e, char **out) {
  const char *colon = memchr(p, ':', (size_t)(e - p));
  const char *ue = colon ? colon : e;
  char *s = malloc((size_t)(e - p) + 2);
  if (!s)
    return GF_ENOMEM;
  char *o = s;
  int rc = decode(p, ue, &o);
  if (!rc && (o == s || memchr(s, ':', (size_t)(o - s))))
    rc = GF_EINVAL; /* an empty user, or a colon in it */
  if (!rc) {
    *o++ = ':';
    if (colon)
      rc = decode(colon + 1, e, &o);
  }
  if (rc) {
    memset(s, 0, (size_t)(e - p) + 2);
    free(s);
    return rc;
  }
  *o = '\0';
  *out = s;
  return 0;
}

int gf__proxy_parse(const char *s, gf__proxy *p) {
  memset(p, 0, sizeof *p);
  if (!s)
    return GF_EINVAL;
  const char *a = s;
  const char *sep = strstr(s, "://");
  if (sep) {
    if (sep - s != 4 || strncasecmp(s, "http", 4) != 0)
      return GF_EINVAL; /* https://, socks5://, ...: not supported */
    a = sep + 3;
  }
  size_t alen = strcspn(a, "/?#");
  if (a[alen] && strcmp(a + alen, "/") != 0)
    return GF_EINVAL;
  const char *at = NULL;
  for (size_t i = 0; i < alen; i++)
    if (a[i] == '@')
      at = a + i;
  const char *hp = at ? at + 1 : a;
  size_t hlen = (size_t)(a + alen - hp);
  if (hlen == 0 || hlen > 280)
    return GF_EINVAL;
  const char *after = hp;
  if (*hp == '[') {
    const char *close = memchr(hp, ']', hlen);
    after = close ? close + 1 : hp + hlen;
  }
  int has_port = memchr(after, ':', (size_t)(hp + hlen - after)) != NULL;
  char tmp[320];
  snprintf(tmp, sizeof tmp, "http://%.*s%s", (int)hlen, hp,
           has_port ? "" : ":1080");
  if (gf__url_parse(tmp, &p->url) || p->url.prefix[0])
    return GF_EINVAL;
  snprintf(p->name, sizeof p->name,
           strchr(p->url.host, ':') ? "[%s]:%d" : "%s:%d", p->url.host,
           p->url.port);
  if (at) {
    int rc = parse_userinfo(a, at, &p->userinfo);
    if (rc) {
      memset(p, 0, sizeof *p);
      return rc;
    }
  }
  return 0;
}

static void wipe(char **s) {
  if (*s) {
    memset(*s, 0, strlen(*s));
    free(*s);
    *s = NULL;
  }
}

void gf__proxy_free(gf__proxy *p) {
  wipe(&p->userinfo);
  wipe(&p->auth);
}

/* ---- NO_PROXY ----------------------------------------------------------- */

typedef struct ipaddr {
  int family;
  unsigned char b[16];
} ipaddr;

static int parse_ip(const char *p, size_t n, ipaddr *ip) {
  char tmp[64];
  if (n >= sizeof tmp)
    return 0;
  memcpy(tmp, p, n);
  tmp[n] = '\0';
  memset(ip, 0, sizeof *ip);
  if (inet_pton(AF_INET, tmp, ip->b) == 1)
    ip->family = AF_INET;
  else if (inet_pton(AF_INET6, tmp, ip->b) == 1)
    ip->family = AF_INET6;
  return ip->family != 0;
}

/* The first bits of a and b are equal. */
static int same_prefix(const ipaddr *a, const ipaddr *b, int bits) {
  int bytes = bits / 8, rest = bits % 8;
  if (memcmp(a->b, b->b, (size_t)bytes) != 0)
    return 0;
  if (!rest)
    return 1;
  unsigned mask = (0xffu << (8 - rest)) & 0xffu;
  return (a->b[bytes] & mask) == (b->b[bytes] & mask);
}

/* One entry [p, p+n) against the host (n and hlen without a final dot). */
static int entry_matches(const char *p, size_t n, const char *host,
                         size_t hlen, const ipaddr *hip) {
  if (n == 1 && *p == '*')
    return 1;
  if (n >= 2 && p[0] == '[' && memchr(p, ']', n)) { /* [v6] or [v6]/n */
    const char *close = memchr(p, ']', n);
    char tmp[80];
    size_t rest = (size_t)(p + n - close - 1);
    size_t inner = (size_t)(close - p - 1);
    if (inner + rest >= sizeof tmp)
      return 0;
    memcpy(tmp, p + 1, inner);
    memcpy(tmp + inner, close + 1, rest);
    return entry_matches(tmp, inner + rest, host, hlen, hip);
  }
  const char *slash = memchr(p, '/', n);
  if (slash) { /* CIDR */
    ipaddr net;
    if (!hip->family || !parse_ip(p, (size_t)(slash - p), &net) ||
        net.family != hip->family)
      return 0;
    int bits = 0, max = net.family == AF_INET ? 32 : 128;
    size_t nd = (size_t)(p + n - slash - 1);
    if (nd == 0 || nd > 3)
      return 0;
    for (const char *d = slash + 1; d < p + n; d++) {
      if (*d < '0' || *d > '9')
        return 0;
      bits = bits * 10 + (*d - '0');
    }
    return bits <= max && same_prefix(&net, hip, bits);
  }
  if (hip->family) { /* an IP host: the same address only */
    ipaddr e;
    return parse_ip(p, n, &e) && e.family == hip->family &&
           memcmp(e.b, hip->b, 16) == 0;
  }
  if (n && *p == '.') {
    p++;
    n--;
  }
  if (n && p[n - 1] == '.')
    n--;
  if (n == 0 || n > hlen)
    return 0;
  if (strncasecmp(host + hlen - n, p, n) != 0)
    return 0;
  return n == hlen || host[hlen - n - 1] == '.';
}

int gf__proxy_bypass(const char *no_proxy, const char *host) {
  if (!no_proxy || !host)
    return 0;
  size_t hlen = strlen(host);
  if (hlen && host[hlen - 1] == '.')
    hlen--;
  ipaddr hip;
  if (!parse_ip(host, hlen, &hip))
    hip.family = 0;
  const char *p = no_proxy;
  while (*p) {
    p += strspn(p, ", \t");
    size_t n = strcspn(p, ", \t");
    if (n && entry_matches(p, n, host, hlen, &hip))
      return 1;
    p += n;
  }
  return 0;
}

/* ---- CONNECT ------------------------------------------------------------ */

int gf__proxy_request(gf__buf *out, const gf__proxy *p,
                      const gf__url *origin) {
  char hp[300];
  snprintf(hp, sizeof hp, strchr(origin->host, ':') ? "[%s]:%d" : "%s:%d",
           origin->host, origin->port);
  int rc = gf__buf_printf(out, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n", hp, hp);
  if (!rc && p->auth)
    rc = gf__buf_printf(out, "Proxy-Authorization: %s\r\n", p->auth);
  if (!rc)
    rc = gf__buf_append(out, "\r\n", 2);
  return rc;
}

void gf__proxy_head_init(gf__proxy_head *h) { memset(h, 0, sizeof *h); }

static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

/* "HTTP/1.x NNN[ reason]" */
static int parse_status(gf__proxy_head *h) {
  const char *l = h->line;
  if (strncmp(l, "HTTP/1.", 7) != 0 || !is_digit(l[7]) || l[8] != ' ' ||
      !is_digit(l[9]) || !is_digit(l[10]) || !is_digit(l[11]) ||
      (l[12] != ' ' && l[12] != '\0'))
    return GF_EHTTP;
  h->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
  if (h->status < 100)
    return GF_EHTTP;
  size_t n = 0;
  for (const char *r = l[12] ? l + 13 : l + 12; *r && n + 1 < sizeof h->reason;
       r++)
    if (*r >= 0x20 && *r < 0x7f)
      h->reason[n++] = *r;
  h->reason[n] = '\0';
  return 0;
}

int gf__proxy_head_feed(gf__proxy_head *h, const char *p, size_t n,
                        size_t *used) {
  for (size_t i = 0; i < n; i++) {
    char ch = p[i];
    if (++h->total > GF__PROXY_HEAD_MAX)
      return GF_ETOOBIG;
    if (ch == '\n') {
      if (h->line_no == 0) {
        size_t k = h->line_len < sizeof h->line ? h->line_len
                                                : sizeof h->line - 1;
        h->line[k] = '\0';
        if (parse_status(h))
          return GF_EHTTP;
      } else if (h->line_len == 0) { /* the blank line: the head's end */
        if (h->status >= 200) {
          *used = i + 1;
          return 1;
        }
        if (++h->interim > 8)
          return GF_EHTTP;
        h->line_no = 0; /* an interim answer: the next one follows */
        continue;
      }
      h->line_no++;
      h->line_len = 0;
      continue;
    }
    if (ch == '\r')
      continue;
    if (h->line_no == 0 && h->line_len < sizeof h->line - 1)
      h->line[h->line_len] = ch;
    h->line_len++;
  }
  *used = n;
  return 0;
}
