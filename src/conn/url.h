/* Base URLs: "https://host[:port][/prefix]" or "http://...", host a name,
 * an IPv4 literal or a bracketed IPv6 literal. */
#ifndef GF_CONN_URL_H
#define GF_CONN_URL_H

typedef struct gf__url {
  int tls;          /* https */
  char host[256];   /* without brackets */
  int port;
  int host_is_ip;   /* IPv4 or IPv6 literal */
  char authority[300]; /* for the Host header: host[:port], v6 bracketed */
  char prefix[512]; /* path prefix without trailing '/', may be "" */
} gf__url;

/* 0 or GF_EURL. */
int gf__url_parse(const char *s, gf__url *u);
/* 1 when the host is this machine's loopback: "localhost" (any case, also
 * with a trailing dot), an IPv4 literal in 127.0.0.0/8, or ::1. */
int gf__url_is_loopback(const gf__url *u);
#endif
