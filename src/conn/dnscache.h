/* Name resolution answers kept for a short while and shared by every
 * connection of a client: 10 000 generations started at once make one
 * lookup per host, not 10 000. An entry lives for the answer's TTL, at
 * most GF__DNS_CACHE_MAX_S (30 s; /etc/hosts answers, which carry none,
 * that long too), and goes at once when every address of it failed. */
#ifndef GF_CONN_DNSCACHE_H
#define GF_CONN_DNSCACHE_H
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define GF__DNS_CACHE_MAX_S 30

typedef struct gf__dns_cache gf__dns_cache;

gf__dns_cache *gf__dns_cache_new(void);
void gf__dns_cache_free(gf__dns_cache *c);
/* The fresh answer for host and port at loop time now_ms: 1 with *addrs
 * (the cache's, valid until the next put or drop) and *n; 0 when none. */
int gf__dns_cache_get(gf__dns_cache *c, const char *host, int port,
                      uint64_t now_ms, const struct sockaddr_storage **addrs,
                      size_t *n);
/* Keeps a copy of an answer (ttl_s from the resolver, -1: none given).
 * Out of memory: nothing is kept, nothing fails. */
void gf__dns_cache_put(gf__dns_cache *c, const char *host, int port,
                       uint64_t now_ms, const struct sockaddr_storage *addrs,
                       size_t n, int ttl_s);
/* Forgets host and port (none of its addresses could be connected to). */
void gf__dns_cache_drop(gf__dns_cache *c, const char *host, int port);
/* Answers served from the cache so far (for tests and the bench). */
uint64_t gf__dns_cache_hits(const gf__dns_cache *c);
#endif
