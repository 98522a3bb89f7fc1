/* A client talks to one or two hosts (the service, a proxy): a short list,
 * searched linearly, is all the cache needs. */
#include "conn/dnscache.h"

#include <stdlib.h>
#include <string.h>

typedef struct entry {
  struct entry *next;
  char *host;
  int port;
  uint64_t expires_ms;
  struct sockaddr_storage *addrs;
  size_t n;
} entry;

struct gf__dns_cache {
  entry *head;
  uint64_t hits;
};

static entry **find(gf__dns_cache *c, const char *host, int port);
static void entry_free(entry *e);

gf__dns_cache *gf__dns_cache_new(void) {
  return calloc(1, sizeof(gf__dns_cache));
}

void gf__dns_cache_free(gf__dns_cache *c) {
  if (!c)
    return;
  while (c->head) {
    entry *e = c->head;
    c->head = e->next;
    entry_free(e);
  }
  free(c);
}

int gf__dns_cache_get(gf__dns_cache *c, const char *host, int port,
                      uint64_t now_ms, const struct sockaddr_storage **addrs,
                      size_t *n) {
  entry **pe = c ? find(c, host, port) : NULL;
  if (!pe || !*pe)
    return 0;
  if ((*pe)->expires_ms <= now_ms) {
    gf__dns_cache_drop(c, host, port);
    return 0;
  }
  *addrs = (*pe)->addrs;
  *n = (*pe)->n;
  c->hits++;
  return 1;
}

void gf__dns_cache_put(gf__dns_cache *c, const char *host, int port,
                       uint64_t now_ms, const struct sockaddr_storage *addrs,
                       size_t n, int ttl_s) {
  if (!c || n == 0)
    return;
  int keep_s = ttl_s > 0 && ttl_s < GF__DNS_CACHE_MAX_S ? ttl_s
                                                        : GF__DNS_CACHE_MAX_S;
  gf__dns_cache_drop(c, host, port);
  entry *e = calloc(1, sizeof *e);
  if (!e || !(e->host = strdup(host)) ||
      !(e->addrs = malloc(n * sizeof *addrs))) {
    entry_free(e);
    return;
  }
  memcpy(e->addrs, addrs, n * sizeof *addrs);
  e->n = n;
  e->port = port;
  e->expires_ms = now_ms + (uint64_t)keep_s * 1000;
  e->next = c->head;
  c->head = e;
}

void gf__dns_cache_drop(gf__dns_cache *c, const char *host, int port) {
  entry **pe = c ? find(c, host, port) : NULL;
  if (!pe || !*pe)
    return;
  entry *e = *pe;
  *pe = e->next;
  entry_free(e);
}

uint64_t gf__dns_cache_hits(const gf__dns_cache *c) { return c ? c->hits : 0; }

static entry **find(gf__dns_cache *c, const char *host, int port) {
  entry **pe = &c->head;
  while (*pe && ((*pe)->port != port || strcmp((*pe)->host, host) != 0))
    pe = &(*pe)->next;
  return pe;
}

static void entry_free(entry *e) {
  if (!e)
    return;
  free(e->host);
  free(e->addrs);
  free(e);
}
