/* An HTTP proxy reached by CONNECT (RFC 9110, 9.3.6): its URL, the
 * NO_PROXY match, the CONNECT request, and a sans-IO reader of the proxy's
 * answer head. Plain http:// proxies only. */
#ifndef GF_CONN_PROXY_H
#define GF_CONN_PROXY_H
#include <stddef.h>

#include "common/buf.h"
#include "conn/url.h"

/* The most the answer head (interim answers included) may take. */
#define GF__PROXY_HEAD_MAX (16 * 1024)

typedef struct gf__proxy {
  gf__url url;      /* http://host:port */
  char name[300];   /* "host:port", v6 bracketed: for messages */
  char *userinfo;   /* "user:pass" percent-decoded, or NULL: a secret */
  char *auth;       /* the Proxy-Authorization value, or NULL: a secret */
} gf__proxy;

/* "http://[user[:pass]@]host[:port][/]"; without a scheme, http (as curl);
 * the port defaults to 1080 (as curl). GF_EINVAL for another scheme
 * (https:// proxies included) or a malformed URL; GF_ENOMEM. Nothing to
 * free on failure. */
int gf__proxy_parse(const char *s, gf__proxy *p);
/* Wipes and frees the secrets. */
void gf__proxy_free(gf__proxy *p);
/* 1 when no_proxy says the host is reached without the proxy, as curl's
 * NO_PROXY: comma- (or blank-) separated entries, each a host name that
 * also matches its subdomains (a leading dot ignored), an IP address, a
 * CIDR range (a.b.c.d/n, v6/n), or "*" alone for every host. Case and a
 * final dot do not matter; an IPv6 entry may be bracketed. */
int gf__proxy_bypass(const char *no_proxy, const char *host);
/* The CONNECT request for the origin's host and port (with the
 * Proxy-Authorization header when p->auth is set) appended to out. */
int gf__proxy_request(gf__buf *out, const gf__proxy *p, const gf__url *origin);

typedef struct gf__proxy_head {
  size_t total;     /* bytes read */
  size_t line_len;  /* of the current line, CR not counted */
  int line_no;      /* 0: the status line */
  int interim;      /* 1xx answers skipped */
  int status;       /* of the answer being read */
  char line[128];   /* the start of the status line */
  char reason[80];  /* the reason phrase, printable ASCII only */
} gf__proxy_head;

void gf__proxy_head_init(gf__proxy_head *h);
/* Feeds the proxy's bytes. 0: more are needed (all n used); 1: the head
 * (of a final answer) is complete, *used of the n bytes were its, what
 * follows belongs to the tunnel; GF_EHTTP: not an HTTP/1.x answer (or more
 * than 8 interim ones); GF_ETOOBIG: over GF__PROXY_HEAD_MAX. Interim (1xx)
 * answers are skipped. LF and CRLF line ends are both taken. */
int gf__proxy_head_feed(gf__proxy_head *h, const char *p, size_t n,
                        size_t *used);
#endif
