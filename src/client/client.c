/* gf_client: the per-loop context every generation shares (base URL, key,
 * TLS configuration with its CA bundle, one read buffer, the retry policy,
 * the request rate, the list of live generations). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "b64/b64.h"
#include "client/client.h"
#include "client/pool.h"
#include "common/sized.h"

void gf_client_options_init(gf_client_options *o) {
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
  o->key_in = GF_KEY_IN_AUTO;
  o->use_sse = 1;
  o->connect_timeout_ms = 15000;
  o->attempt_timeout_ms = 900000;
  o->max_image_bytes = 128u * 1024 * 1024;
  /* The service may think for 50-120 s at 4K without sending a byte. */
  o->idle_timeout_ms = 300000;
  o->max_event_bytes = 4 * 1024 * 1024;
  o->max_header_bytes = 16 * 1024;
  o->max_headers = 128;
  o->max_json_depth = 32;
  o->max_request_bytes = 100u * 1024 * 1024;
  o->max_connecting = GF__MAX_CONNECTING;
  o->keep_alive = 1;
  o->keep_alive_ms = GF__KEEP_ALIVE_MS;
  o->max_attempts = 5;
  o->retry_initial_ms = 1000;
  o->retry_max_delay_ms = 60000;
  o->retry_factor = 2;
}

/* ---- services ----------------------------------------------------------- */

typedef struct gf__service {
  const char *name, *base_url;
  int key_in;
} gf__service;

/* The gateway of the API document first: it is the default. */
static const gf__service gf__services[] = {
    {"anyfast", "https://www.anyfast.ai", GF_KEY_IN_QUERY},
    {"google", "https://generativelanguage.googleapis.com", GF_KEY_IN_HEADER},
};

static const gf__service *gf__service_find(const char *name) {
  if (!name)
    return &gf__services[0];
  for (size_t i = 0; i < sizeof gf__services / sizeof gf__services[0]; i++)
    if (strcmp(gf__services[i].name, name) == 0)
      return &gf__services[i];
  return NULL;
}

const char *gf_service_base_url(const char *name) {
  const gf__service *s = name ? gf__service_find(name) : NULL;
  return s ? s->base_url : NULL;
}

int gf_url_is_loopback(const char *base_url) {
  gf__url u;
  return base_url && gf__url_parse(base_url, &u) == 0 &&
         gf__url_is_loopback(&u);
}

/* Only the fields the caller's header knew; defaults for the rest. */
static void copy_options(gf_client_options *dst, const gf_client_options *src) {
  gf_client_options_init(dst);
  gf__copy_sized(dst, sizeof *dst, src, src->struct_size);
  dst->struct_size = sizeof *dst;
}

static void client_free_now(gf_client *c) {
  if (c->writer) /* its last completions give their blocks back */
    gf__writer_close(c->writer, NULL, NULL);
  gf__pins_free(&c->pins);
  gf__proxy_free(&c->proxy);
  if (c->tls)
    gf__tls_config_free(c->tls);
  if (c->api_key) {
    memset(c->api_key, 0, strlen(c->api_key));
    free(c->api_key);
  }
  free(c->read_buf);
  gf__blocks_free(&c->img_blocks);
  gf__blocks_free(&c->write_blocks);
  gf__dns_cache_free(c->dns);
  free(c);
}

/* The proxy, its Basic credentials (encoded here: base64 is a layer the
 * conn does not depend on), and whether NO_PROXY bypasses it for the base
 * URL's host. */
static int setup_proxy(gf_client *c, const gf_client_options *o) {
  if (!o->proxy || !*o->proxy)
    return 0;
  int rc = gf__proxy_parse(o->proxy, &c->proxy);
  if (rc)
    return rc;
  if (c->proxy.userinfo) {
    size_t n = strlen(c->proxy.userinfo);
    char *auth = malloc(6 + GF_B64_ENC_LEN(n) + 1);
    if (!auth)
      return GF_ENOMEM;
    memcpy(auth, "Basic ", 6);
    gf__b64_encode((const unsigned char *)c->proxy.userinfo, n, auth + 6);
    c->proxy.auth = auth;
  }
  c->use_proxy = !gf__proxy_bypass(o->no_proxy, c->url.host);
  return 0;
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
  gf__queue_init(&c->gens);
  gf__queue_init(&c->dial_wait);
  gf__queue_init(&c->idle);
  /* one in use at a time; a second only for a decode started from inside
   * another's callback */
  gf__blocks_init(&c->img_blocks, GF__IMG_BLOCK, 2);
  /* a few for the writes in flight; a burst beyond them is freed after */
  gf__blocks_init(&c->write_blocks, GF__IMG_BLOCK, 8);
  const gf__service *svc = gf__service_find(o.service);
  int rc = svc ? gf__url_parse(o.base_url ? o.base_url : svc->base_url,
                               &c->url)
               : GF_EINVAL;
  if (!rc)
    rc = gf__pins_parse(o.resolve, &c->pins);
  if (!rc)
    rc = setup_proxy(c, &o);
  /* the key never crosses a network in cleartext (nor reaches a proxy
   * elsewhere in it) */
  if (!rc && o.api_key && *o.api_key && !c->url.tls &&
      (!gf__url_is_loopback(&c->url) ||
       (c->use_proxy && !gf__url_is_loopback(&c->proxy.url))))
    rc = GF_EINSECURE;
  if (!rc && (o.max_json_depth < 0 || o.max_json_depth > 64 ||
              o.max_headers < 0 || o.max_connecting < 0 ||
              o.max_connections < 0 || o.aead < GF_AEAD_AUTO ||
              o.aead > GF_AEAD_CHACHA20))
    rc = GF_EINVAL;
  if (!rc && o.api_key && !(c->api_key = strdup(o.api_key)))
    rc = GF_ENOMEM;
  if (!rc && !(c->read_buf = malloc(GF__READ_BUF)))
    rc = GF_ENOMEM;
  if (!rc && !(c->dns = gf__dns_cache_new()))
    rc = GF_ENOMEM;
  if (!rc && c->url.tls)
    rc = gf__tls_config_client(&c->tls, o.ca_file, NULL);
  if (!rc && c->url.tls)
    rc = gf__tls_config_set_aead(c->tls, o.aead);
  if (rc) {
    client_free_now(c);
    return rc;
  }
  c->key_in = o.key_in == GF_KEY_IN_AUTO ? svc->key_in : o.key_in;
  c->use_sse = o.use_sse;
  c->connect_timeout_ms = o.connect_timeout_ms;
  c->idle_timeout_ms = o.idle_timeout_ms;
  c->attempt_timeout_ms = o.attempt_timeout_ms;
  c->max_event_bytes = o.max_event_bytes;
  c->max_image_bytes = o.max_image_bytes;
  c->max_header_bytes = o.max_header_bytes;
  c->max_headers = (unsigned)o.max_headers;
  c->max_json_depth = o.max_json_depth;
  c->max_connecting =
      o.max_connecting > 0 ? o.max_connecting : GF__MAX_CONNECTING;
  c->keep_alive = o.keep_alive != 0;
  c->keep_alive_ms = o.keep_alive_ms ? o.keep_alive_ms : GF__KEEP_ALIVE_MS;
  c->max_connections = o.max_connections;
  c->compressed = o.compressed != 0;
  c->max_request_bytes =
      o.max_request_bytes ? o.max_request_bytes : 100u * 1024 * 1024;
  c->on_trace = o.on_trace;
  c->trace_ud = o.trace_ud;
  c->retry = (gf__retry_policy){o.max_attempts > 0 ? o.max_attempts : 1,
                                o.retry_initial_ms, o.retry_max_delay_ms,
                                o.retry_factor};
  c->rpm = o.requests_per_minute > 0 ? o.requests_per_minute : 0;
  c->rand_state = uv_hrtime() ^ ((uint64_t)getpid() << 32) ^ (uintptr_t)c;
  *out = c;
  return 0;
}

static void closed(void *ud) {
  gf_client *c = ud;
  if (c->close_cb)
    c->close_cb(c);
  client_free_now(c);
}

static void on_closer_closed(uv_handle_t *h) { closed(h->data); }

/* The client's own handles are its generations': once the last is done,
 * close_cb runs from the loop (a handle closed for that very purpose
 * defers it when nothing was live). Without close_cb there is nothing to
 * defer: the memory goes at once. */
static void maybe_free(gf_client *c) {
  if (!c->freeing || c->live != 0 || c->open_conns != 0 || c->closer_started)
    return;
  if (!c->close_cb) {
    client_free_now(c);
    return;
  }
  c->closer_started = 1;
  if (c->writer) { /* its handle's close defers close_cb */
    gf__writer *w = c->writer;
    c->writer = NULL;
    gf__writer_close(w, closed, c);
    return;
  }
  uv_idle_init(c->loop, &c->closer);
  c->closer.data = c;
  uv_close((uv_handle_t *)&c->closer, on_closer_closed);
}

void gf_client_free(gf_client *c) { gf_client_close(c, NULL); }

gf__writer *gf__client_writer(gf_client *c) {
  if (!c->writer && gf__writer_new(c->loop, &c->writer))
    c->writer = NULL;
  return c->writer;
}

void gf_client_set_data(gf_client *c, void *data) { c->data = data; }

void *gf_client_get_data(const gf_client *c) { return c->data; }

void gf_client_close(gf_client *c, gf_close_cb close_cb) {
  if (!c || c->freeing)
    return;
  c->freeing = 1;
  c->close_cb = close_cb;
  gf__pool_close_all(c);
  /* gf_cancel never unlinks a generation at once (on_done comes from the
   * loop), but the next node is taken first all the same. */
  gf__queue *q = c->gens.next;
  while (q != &c->gens) {
    gf__queue *next = q->next;
    gf_cancel(GF__QUEUE_DATA(q, gf_gen, node));
    q = next;
  }
  maybe_free(c);
}

/* ---- for gen.c ---------------------------------------------------------- */

void gf__client_add(gf_client *c, gf_gen *g) {
  gf__queue_insert_tail(&c->gens, &g->node);
  c->live++;
}

void gf__client_remove(gf_client *c, gf_gen *g) { gf__queue_remove(&g->node); }

void gf__client_unref(gf_client *c) {
  c->live--;
  maybe_free(c);
}

/* Evenly spaced slots: a burst of generations is spread over the minute
 * rather than sent at once and refused by the service's quota. */
uint64_t gf__client_take_slot(gf_client *c) {
  if (c->rpm <= 0)
    return 0;
  uint64_t now = uv_now(c->loop);
  uint64_t interval = (uint64_t)(60000.0 / c->rpm + 0.5);
  uint64_t slot = c->next_slot > now ? c->next_slot : now;
  c->next_slot = slot + interval;
  return slot - now;
}

/* ---- connections being established -------------------------------------- */

int gf__client_dial_free(const gf_client *c) {
  return c->connecting < c->max_connecting &&
         (!c->max_connections || c->open_conns < c->max_connections);
}

int gf__client_dial(gf_client *c, gf_gen *g) {
  if (gf__client_dial_free(c)) {
    c->connecting++;
    g->dial = GF__DIAL_HELD;
    return 1;
  }
  gf__queue_insert_tail(&c->dial_wait, &g->dial_node);
  g->dial = GF__DIAL_QUEUED;
  return 0;
}

void gf__client_dial_done(gf_client *c, gf_gen *g) {
  if (g->dial == GF__DIAL_QUEUED) {
    gf__queue_remove(&g->dial_node);
  } else if (g->dial == GF__DIAL_HELD) {
    c->connecting--;
    gf__client_dial_next(c);
  }
  g->dial = GF__DIAL_NONE;
}

void gf__client_conn_opened(gf_client *c) { c->open_conns++; }

void gf__client_conn_gone(gf_client *c) {
  c->open_conns--;
  gf__client_dial_next(c); /* a place under max_connections */
  maybe_free(c);
}

uint64_t gf__client_rand(gf_client *c) {
  return gf__retry_rand(&c->rand_state);
}

void gf__trace(gf_client *c, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  gf__vtrace(c, fmt, ap);
  va_end(ap);
}

void gf__vtrace(gf_client *c, const char *fmt, va_list ap) {
  if (!c->on_trace)
    return;
  /* whole, redacted, then cut: a key across the cut leaves no prefix */
  char *whole = NULL;
  if (vasprintf(&whole, fmt, ap) < 0)
    return;
  gf__redact(c->api_key, whole);
  if (strlen(whole) > GF__TRACE_MAX)
    whole[GF__TRACE_MAX] = '\0';
  c->on_trace(whole, c->trace_ud);
  free(whole);
}
