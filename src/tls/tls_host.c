/* The session a client setting keeps for its next connection is offered
 * only to the host it was verified for: a resumed handshake skips the
 * certificate, so offering it to another host would skip that host's
 * verification. */
#include <stdlib.h>
#include <string.h>

#include "gemflow.h"
#include "tls/tls_base.h"

int gf__tls_saved_for(const gf__tls_config_base *c, const char *host) {
  return c->saved_host && host && strcmp(c->saved_host, host) == 0;
}

int gf__tls_save_host(gf__tls_config_base *c, const char *host) {
  if (gf__tls_saved_for(c, host))
    return 0;
  char *h = strdup(host);
  if (!h)
    return GF_ENOMEM;
  free(c->saved_host);
  c->saved_host = h;
  return 0;
}

void gf__tls_config_base_free(gf__tls_config_base *c) {
  free(c->saved_host);
  c->saved_host = NULL;
}

void gf__tls_config_free(gf__tls_config *cfg) { gf__tls_config_unref(cfg); }
