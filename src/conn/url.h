/* Base URLs: "https://host[:port][/prefix]" or "http://...", host a name,
 * an IPv4 literal or a bracketed IPv6 literal. */
#ifndef GF_CONN_URL_H
#define GF_CONN_URL_H
#include <stddef.h>
#include <sys/socket.h>

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

/* Resolve pins, as curl's --resolve: "HOST:PORT:ADDR[,ADDR...]" entries
 * separated by ';' (a host may be a bracketed IPv6 literal; an address is
 * an IPv4 or IPv6 literal, the latter bare or in brackets; blanks around
 * entries and addresses are ignored, an empty entry too). For a host and
 * port that match an entry, its addresses stand in for DNS's answer. */
typedef struct gf__pin {
  char host[256]; /* without brackets */
  int port;
  size_t naddrs;
  struct sockaddr_storage *addrs; /* in the given order, port set */
} gf__pin;

typedef struct gf__pins {
  gf__pin *v;
  size_t n;
} gf__pins;

/* s NULL or blank: no pins. 0, GF_EINVAL (malformed: nothing is kept) or
 * GF_ENOMEM. */
int gf__pins_parse(const char *s, gf__pins *out);
void gf__pins_free(gf__pins *p);
/* The first entry for this host (compared without case) and port, or
 * NULL. */
const gf__pin *gf__pins_find(const gf__pins *p, const char *host, int port);

/* RFC 8305's order: the families alternate (v6, v4, v6, ... when the first
 * address is v6), each family's addresses keeping their order. */
void gf__addrs_interleave(struct sockaddr_storage *a, size_t n);
/* "1.2.3.4:443" or "[::1]:443". */
void gf__addr_name(const struct sockaddr_storage *a, char *buf, size_t len);
#endif
