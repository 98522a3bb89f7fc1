/* A generation's life: request, connection, outcome, file, on_done.
 *
 * The end is always the same path: the outcome is decided once (finishing),
 * the connection is closed, the file sink is synced and named or discarded,
 * and when both are over on_done runs, exactly once, from a libuv callback,
 * never from inside a call the user made. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/client.h"

static int start_attempt(gf_gen *g);
static void maybe_done(gf_gen *g);

/* ---- public ------------------------------------------------------------- */

void gf_gen_options_init(gf_gen_options *o) {
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
}

/* Unreserved characters pass; anything else in the key is %-encoded. */
static int append_key_param(gf__buf *t, const char *key) {
  int rc = gf__buf_append(t, strchr(t->data, '?') ? "&key=" : "?key=", 5);
  for (const unsigned char *p = (const unsigned char *)key; !rc && *p; p++) {
    if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
        (*p >= '0' && *p <= '9') || strchr("-._~", *p))
      rc = gf__buf_appendc(t, (char)*p);
    else
      rc = gf__buf_printf(t, "%%%02X", *p);
  }
  return rc;
}

static int build_request(gf_gen *g, const gf_request *req) {
  gf_client *c = g->client;
  gf__buf target;
  gf__buf_init(&target, 0);
  int rc = gf__gemini_build(req, c->use_sse, &g->body, &target);
  if (!rc)
    rc = gf__buf_printf(&g->target, "%s%s", c->url.prefix, target.data);
  if (!rc && c->key_in == GF_KEY_IN_QUERY && c->api_key)
    rc = append_key_param(&g->target, c->api_key);
  gf__buf_free(&target);
  if (!rc && !(g->model = strdup(gf__gemini_model(req))))
    rc = GF_ENOMEM;
  return rc;
}

static void gen_free(gf_gen *g) {
  gf__response_free(g);
  gf__sink_free(&g->sink);
  gf__buf_free(&g->body);
  gf__buf_free(&g->target);
  gf__buf_free(&g->errbody);
  gf__api_error_free(&g->api_error);
  free(g->model);
  free(g);
}

/* Only the fields the caller's struct has (struct_size) are read, so the
 * options can grow without breaking programs built against an older one. */
static void copy_gen_options(gf_gen_options *dst, const gf_gen_options *src) {
  gf_gen_options_init(dst);
  if (!src)
    return;
  size_t n = src->struct_size && src->struct_size < sizeof *dst
                 ? src->struct_size
                 : sizeof *dst;
  memcpy(dst, src, n);
}

int gf_generate(gf_client *c, const gf_request *req,
                const gf_gen_options *opts, const gf_callbacks *cbs, void *ud,
                gf_gen **out) {
  if (!c || !req || c->freeing)
    return GF_EINVAL;
  gf_gen_options go;
  const gf_gen_options *o = &go;
  copy_gen_options(&go, opts);
  gf_gen *g = calloc(1, sizeof *g);
  if (!g)
    return GF_ENOMEM;
  g->client = c;
  if (cbs)
    g->cbs = *cbs;
  g->ud = ud;
  gf__buf_init(&g->body, 0);
  gf__buf_init(&g->target, 0);
  gf__buf_init(&g->errbody, GF__ERROR_BODY_MAX);
  int rc = gf__sink_init(&g->sink, o->out_path, o->out_dir, o->out_prefix);
  if (!rc)
    rc = build_request(g, req);
  if (rc) {
    gen_free(g);
    return rc;
  }
  g->t0 = uv_hrtime();
  g->timings = (gf_timings){-1, -1, -1, -1, -1, -1};
  rc = start_attempt(g);
  if (rc) { /* nothing started: no on_done, the error is the answer */
    gen_free(g);
    return rc;
  }
  g->next = c->gens;
  if (c->gens)
    c->gens->prev = g;
  c->gens = g;
  c->live++;
  if (out)
    *out = g;
  return 0;
}

void gf_cancel(gf_gen *g) {
  if (!g || g->done || g->canceled)
    return;
  g->canceled = 1;
  if (!g->finishing)
    gf__gen_fail(g, GF_ECANCELED, NULL);
  /* when finishing with success, the sync callback sees g->canceled */
}

void *gf_gen_userdata(const gf_gen *g) { return g->ud; }

/* ---- helpers for response.c --------------------------------------------- */

double gf__gen_ms(const gf_gen *g) {
  return (double)(uv_hrtime() - g->t0) / 1e6;
}

void gf__trace(gf_gen *g, const char *fmt, ...) {
  gf_client *c = g->client;
  if (!c->on_trace)
    return;
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  gf__redact(c->api_key, line);
  c->on_trace(c->trace_ud, line);
}

/* ---- the attempt -------------------------------------------------------- */

static void on_connected(void *ud);
static int on_data(void *ud, const char *p, size_t n);
static void on_end(void *ud, int err, const char *msg);
static void on_closed(void *ud);

static int start_attempt(gf_gen *g) {
  static const gf__conn_cbs cbs = {on_connected, on_data, on_end, on_closed};
  gf_client *c = g->client;
  g->attempts++;
  int rc = gf__response_init(g);
  if (rc)
    return rc;
  gf__conn_opts o = {
      .loop = c->loop,
      .url = &c->url,
      .tls = c->tls,
      .connect_timeout_ms = c->connect_timeout_ms,
      .idle_timeout_ms = c->idle_timeout_ms,
      .read_buf = c->read_buf,
      .read_buf_len = GF__READ_BUF,
  };
  return gf__conn_open(&g->conn, &o, &cbs, g);
}

/* The request target as printed: the key parameter's value replaced. */
static void trace_target(gf_gen *g) {
  const char *t = g->target.data;
  const char *k = strstr(t, "?key=");
  if (!k)
    k = strstr(t, "&key=");
  if (!k) {
    gf__trace(g, "> POST %s HTTP/1.1", t);
    return;
  }
  const char *rest = k + 5 + strcspn(k + 5, "&");
  gf__trace(g, "> POST %.*sREDACTED%s HTTP/1.1", (int)(k + 5 - t), t, rest);
}

static void trace_request(gf_gen *g, const gf__http_header *h, size_t nh) {
  trace_target(g);
  gf__trace(g, "> Host: %s", g->client->url.authority);
  for (size_t i = 0; i < nh; i++)
    gf__trace(g, "> %s: %s", h[i].name,
              strcmp(h[i].name, "x-goog-api-key") ? h[i].value : "REDACTED");
  gf__trace(g, "> Content-Length: %zu", g->body.len);
}

static void on_connected(void *ud) {
  gf_gen *g = ud;
  gf_client *c = g->client;
  g->timings.connected = gf__gen_ms(g);
  const char *suite = gf__conn_tls_suite(g->conn);
  gf__trace(g, "* connected to %s%s%s", gf__conn_peer(g->conn),
            suite ? " with " : "", suite ? suite : "");
  /* identity: the body is parsed as it streams, a compressed one is not */
  gf__http_header h[5] = {
      {"Content-Type", "application/json"},
      {"Accept", c->use_sse ? "text/event-stream" : "application/json"},
      {"Accept-Encoding", "identity"},
      {"User-Agent", "gemflow/" "0.1.0"},
      {"x-goog-api-key", c->api_key},
  };
  size_t nh = c->key_in == GF_KEY_IN_HEADER && c->api_key ? 5 : 4;
  gf__buf head;
  gf__buf_init(&head, 0);
  int rc = gf__http_write_request(&head, "POST", g->target.data,
                                  c->url.authority, h, nh, g->body.len);
  if (!rc)
    rc = gf__conn_write(g->conn, head.data, head.len);
  if (!rc)
    rc = gf__conn_write(g->conn, g->body.data, g->body.len);
  gf__buf_free(&head);
  if (rc) {
    gf__gen_fail(g, rc, "sending the request failed");
    return;
  }
  trace_request(g, h, nh);
}

static int on_data(void *ud, const char *p, size_t n) {
  gf_gen *g = ud;
  if (g->timings.first_byte < 0)
    g->timings.first_byte = gf__gen_ms(g);
  if (g->finishing)
    return 1;
  return gf__response_feed(g, p, n);
}

static void on_end(void *ud, int err, const char *msg) {
  gf_gen *g = ud;
  if (!g->finishing)
    gf__response_end(g, err, msg);
}

static void on_closed(void *ud) {
  gf_gen *g = ud;
  g->conn = NULL;
  maybe_done(g);
}

/* ---- the end ------------------------------------------------------------ */

static void set_msg(gf_gen *g, const char *msg) {
  if (msg && msg != g->msg)
    snprintf(g->msg, sizeof g->msg, "%s", msg);
  gf__redact(g->client->api_key, g->msg);
}

void gf__gen_fail(gf_gen *g, int err, const char *msg) {
  if (g->finishing)
    return;
  g->finishing = 1;
  g->stop = err ? err : GF_ECANCELED;
  g->result = err;
  set_msg(g, msg);
  gf__sink_discard(&g->sink);
  if (g->conn)
    gf__conn_close(g->conn);
}

static void on_synced(void *ud, int status) {
  gf_gen *g = ud;
  g->sink_busy = 0;
  if (g->canceled) {
    g->result = GF_ECANCELED;
    gf__sink_discard(&g->sink);
  } else if (status || (status = gf__sink_publish(&g->sink)) != 0) {
    g->result = status;
    set_msg(g, g->sink.err);
    gf__sink_discard(&g->sink);
  }
  maybe_done(g);
}

void gf__gen_complete(gf_gen *g) {
  if (g->finishing)
    return;
  g->finishing = 1;
  g->stop = 1;
  g->result = GF_OK;
  if (g->conn)
    gf__conn_close(g->conn);
  int rc = gf__sink_sync(&g->sink, g->client->loop, on_synced, g);
  if (rc == 0) {
    g->sink_busy = 1;
  } else if (rc < 0) {
    g->result = rc;
    set_msg(g, g->sink.err);
    gf__sink_discard(&g->sink);
  }
}

static void fill_error(const gf_gen *g, gf_result *r) {
  const gf__gem_summary *s = g->evdec ? gf__evdec_summary(g->evdec) : NULL;
  const gf__api_error *e = s && s->have_error ? &s->error : NULL;
  if (!e && g->have_api_error)
    e = &g->api_error;
  if (e) {
    r->api_status = e->status;
    if (e->retry_delay_s >= 0)
      r->retry_after_s = e->retry_delay_s;
  }
  r->message = g->msg[0] ? g->msg : NULL;
}

static void fill_result(gf_gen *g, gf_result *r) {
  memset(r, 0, sizeof *r);
  r->status = g->result;
  r->http_status = g->http_status;
  r->retry_after_s = g->retry_after_s;
  r->timings = g->timings;
  r->attempts = g->attempts;
  const gf__gem_summary *s = g->evdec ? gf__evdec_summary(g->evdec) : NULL;
  if (s) {
    r->finish_reason = s->finish_reason;
    r->block_reason = s->block_reason;
    r->model_version = s->model_version;
    r->response_id = s->response_id;
    r->usage = s->usage;
  }
  if (g->result != GF_OK)
    fill_error(g, r);
  int fell_back = 0;
  const gf__img *img = gf__sink_result(&g->sink, &fell_back);
  if (img && g->result == GF_OK) {
    r->mime = img->mime;
    r->bytes = img->bytes;
    r->width = img->width;
    r->height = img->height;
    memcpy(r->sha256, img->sha256, 32);
    r->fell_back_to_thought_image = fell_back;
    r->file = g->sink.file;
  }
}

static void client_unlink(gf_gen *g) {
  gf_client *c = g->client;
  if (g->prev)
    g->prev->next = g->next;
  else
    c->gens = g->next;
  if (g->next)
    g->next->prev = g->prev;
}

static void maybe_done(gf_gen *g) {
  if (!g->finishing || g->conn || g->sink_busy || g->done)
    return;
  g->done = 1;
  g->timings.done = gf__gen_ms(g);
  if (g->result == GF_OK && g->canceled)
    g->result = GF_OK; /* canceled too late: the file is already named */
  gf_result r;
  fill_result(g, &r);
  gf_client *c = g->client;
  client_unlink(g); /* gf_client_free from on_done must not cancel it */
  if (g->cbs.on_done)
    g->cbs.on_done(g, &r, g->ud);
  gen_free(g);
  c->live--; /* only now: on_done may have called gf_client_free */
  gf__client_maybe_free(c);
}
