/* gf_client: the per-loop context every generation shares (base URL, key,
 * TLS configuration with its CA bundle, one read buffer). */
#include <stdlib.h>
#include <string.h>

#include "client/client.h"

void gf_client_options_init(gf_client_options *o) {
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->base_url = "https://www.anyfast.ai";
  o->key_in = GF_KEY_IN_QUERY;
  o->use_sse = 1;
  o->connect_timeout_ms = 30000;
  /* The service may think for 50-120 s at 4K without sending a byte. */
  o->idle_timeout_ms = 300000;
  o->max_event_bytes = 4 * 1024 * 1024;
  o->max_attempts = 5;
  o->retry_initial_ms = 1000;
  o->retry_max_delay_ms = 60000;
  o->retry_factor = 2;
}

/* Reads only the fields the caller's struct has (struct_size), so options
 * can grow without breaking programs built against an older header. */
static void copy_options(gf_client_options *dst, const gf_client_options *src) {
  gf_client_options_init(dst);
  size_t n = src->struct_size && src->struct_size < sizeof *dst
                 ? src->struct_size
                 : sizeof *dst;
  memcpy(dst, src, n);
  dst->struct_size = sizeof *dst;
}

static void client_free_now(gf_client *c) {
  if (c->tls)
    gf__tls_config_free(c->tls);
  if (c->api_key) {
    memset(c->api_key, 0, strlen(c->api_key));
    free(c->api_key);
  }
  free(c->read_buf);
  free(c);
}

int gf_client_new(struct uv_loop_s *loop, const gf_client_options *opts,
                  gf_client **out) {
  gf_client_options o;
  if (!loop || !out)
    return GF_EINVAL;
  if (opts)
    copy_options(&o, opts);
  else
    gf_client_options_init(&o);
  gf_client *c = calloc(1, sizeof *c);
  if (!c)
    return GF_ENOMEM;
  c->loop = loop;
  int rc = gf__url_parse(o.base_url ? o.base_url : "https://www.anyfast.ai",
                         &c->url);
  if (!rc && o.api_key && !(c->api_key = strdup(o.api_key)))
    rc = GF_ENOMEM;
  if (!rc && !(c->read_buf = malloc(GF__READ_BUF)))
    rc = GF_ENOMEM;
  if (!rc && c->url.tls)
    rc = gf__tls_config_client(&c->tls, o.ca_file, NULL);
  if (rc) {
    client_free_now(c);
    return rc;
  }
  c->key_in = o.key_in;
  c->use_sse = o.use_sse;
  c->connect_timeout_ms = o.connect_timeout_ms;
  c->idle_timeout_ms = o.idle_timeout_ms;
  c->max_event_bytes = o.max_event_bytes;
  c->on_trace = o.on_trace;
  c->trace_ud = o.trace_ud;
  *out = c;
  return 0;
}

void gf__client_maybe_free(gf_client *c) {
  if (c->freeing && c->live == 0)
    client_free_now(c);
}

void gf_client_free(gf_client *c) {
  if (!c || c->freeing)
    return;
  c->freeing = 1;
  for (gf_gen *g = c->gens; g; g = g->next)
    gf_cancel(g);
  gf__client_maybe_free(c);
}
