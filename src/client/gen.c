/* A generation's life: the kept request, its attempts, the retry decision,
 * the file sink, on_done.
 *
 *   WAIT (timer: backoff or rate slot) -> ATTEMPT (conn + exchange)
 *     ATTEMPT, outcome ok        -> END (file synced and named)
 *     ATTEMPT, transient failure -> RETRY (conn closes) -> WAIT
 *     ATTEMPT, other failure     -> END
 *   any phase, gf_cancel         -> END
 *
 * END is always the same path: the result is decided once, the connection
 * and the timer close, the file sink is synced and named or discarded, and
 * when all of that is over on_done runs, exactly once, from a libuv
 * callback, never from inside a call the user made. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/client.h"
#include "client/pool.h"
#include "common/sized.h"
#include "gemini/gemini.h"
#include "http/http.h"

static int attempt_start(gf_gen *g);
static void attempt_over(gf_gen *g);
static void finish(gf_gen *g, int err, const char *msg);
static void succeed(gf_gen *g);
static void maybe_done(gf_gen *g);
static const gf__sinkq_cbs sinkq_cbs;

/* ---- public ------------------------------------------------------------- */

void gf_gen_options_init(gf_gen_options *o) {
  memset(o, 0, sizeof *o);
  o->struct_size = sizeof *o;
}

void gf_callbacks_init(gf_callbacks *cbs) {
  memset(cbs, 0, sizeof *cbs);
  cbs->struct_size = sizeof *cbs;
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
  int rc = gf__gemini_build_chat(g->chat, req, c->use_sse, &g->body, &target);
  if (!rc && c->max_request_bytes && g->body.len > c->max_request_bytes)
    rc = GF_ETOOBIG; /* the service would refuse it after the upload */
  if (!rc)
    rc = gf__buf_printf(&g->target, "%s%s", c->url.prefix, target.data);
  if (!rc && c->key_in == GF_KEY_IN_QUERY && c->api_key)
    rc = append_key_param(&g->target, c->api_key);
  gf__buf_free(&target);
  return rc;
}

/* ---- a chat's turn ------------------------------------------------------ */

/* The chat is this generation's until on_done: its request is kept for the
 * user turn, the model's parts gathered as they come. */
static int chat_take(gf_gen *g, gf_chat *chat, const gf_request *req) {
  if (!chat)
    return 0;
  if (gf__chat_acquire(chat))
    return GF_EINVAL;
  g->chat = chat;
  if (!(g->user = gf__request_dup(req)) || !(g->turn = gf__cturn_new()))
    return GF_ENOMEM;
  return 0;
}

/* An attempt abandoned: its parts and images with it. */
static void chat_reset(gf_gen *g) {
  if (g->turn)
    gf__cturn_clear(g->turn);
  gf__buf_reset(&g->img);
  gf__buf_reset(&g->imgs);
}

static void chat_drop(gf_gen *g) {
  if (g->chat)
    gf__chat_release(g->chat);
  g->chat = NULL;
  gf_request_free(g->user);
  g->user = NULL;
  gf__cturn_free(g->turn);
  g->turn = NULL;
  gf__buf_free(&g->img);
  gf__buf_free(&g->imgs);
}

/* Before on_done of a success: the turn joins the chat, its image known by
 * the file it was saved as (absolute: a saved chat may be continued from
 * another directory). */
static int chat_commit(gf_gen *g, const gf_result *r) {
  if (!g->chat || r->status != GF_OK)
    return 0;
  if (r->file) {
    char *abs = realpath(r->file, NULL);
    int rc = gf__cturn_set_file(g->turn, r->sha256, abs ? abs : r->file);
    free(abs);
    if (rc)
      return rc;
  }
  return gf__chat_commit(g->chat, g->user, &g->turn);
}

/* A finished image waits for its part (which closes with its event). */
static int chat_image_end(gf_gen *g) {
  size_t n = g->img.len;
  int rc = gf__buf_append(&g->imgs, &n, sizeof n);
  if (!rc && n)
    rc = gf__buf_append(&g->imgs, g->img.data, n);
  gf__buf_reset(&g->img);
  return rc;
}

/* The oldest finished image, taken out of imgs (NULL, 0: none left). */
static int chat_next_image(gf_gen *g, unsigned char **data, size_t *len) {
  *data = NULL;
  *len = 0;
  if (g->imgs.len < sizeof(size_t))
    return 0;
  size_t n;
  memcpy(&n, g->imgs.data, sizeof n);
  if (n && !(*data = malloc(n)))
    return GF_ENOMEM;
  if (n)
    memcpy(*data, g->imgs.data + sizeof n, n);
  *len = n;
  size_t used = sizeof n + n;
  memmove(g->imgs.data, g->imgs.data + used, g->imgs.len - used);
  gf__buf_truncate(&g->imgs, g->imgs.len - used);
  return 0;
}

/* Everything a generation holds but its struct: a kept handle is only
 * the struct once on_done has run. */
static void gen_drop(gf_gen *g) {
  gf__xch_free(g->xch);
  g->xch = NULL;
  chat_drop(g);
  gf__sink_free(&g->sink);
  gf__buf_free(&g->body);
  if (g->target.data) /* it may hold the key */
    memset(g->target.data, 0, g->target.len);
  gf__buf_free(&g->target);
  free(g->retries);
  g->retries = NULL;
}

static void gen_free(gf_gen *g) {
  gen_drop(g);
  free(g);
}

/* The options and callbacks the caller's header knew; defaults (NULL
 * callbacks) for the rest. */
static void copy_gen_options(gf_gen_options *dst, const gf_gen_options *src) {
  gf_gen_options_init(dst);
  if (src)
    gf__copy_sized(dst, sizeof *dst, src, src->struct_size);
  dst->struct_size = sizeof *dst;
}

static void copy_callbacks(gf_callbacks *dst, const gf_callbacks *src) {
  gf_callbacks_init(dst);
  if (src)
    gf__copy_sized(dst, sizeof *dst, src, src->struct_size);
  dst->struct_size = sizeof *dst;
}

static gf_gen *gen_new(gf_client *c, const gf_gen_options *o,
                       const gf_callbacks *cbs, void *ud) {
  gf_gen *g = calloc(1, sizeof *g);
  if (!g)
    return NULL;
  gf__queue_init(&g->node);
  g->client = c;
  copy_callbacks(&g->cbs, cbs);
  g->ud = ud;
  gf__buf_init(&g->body, 0);
  gf__buf_init(&g->target, 0);
  gf__buf_init(&g->img, 0);
  gf__buf_init(&g->imgs, 0);
  g->timings = (gf_timings){-1, -1, -1, -1, -1, -1};
  int room = c->retry.max_attempts > 1 ? c->retry.max_attempts - 1 : 0;
  if ((room && !(g->retries = calloc((size_t)room, sizeof *g->retries))) ||
      gf__sink_init(&g->sink, o->out_path, o->out_dir, o->out_prefix,
                    o->out_replace)) {
    gen_free(g);
    return NULL;
  }
  g->sink.no_hash = o->no_sha256 && !o->chat;
  gf__sinkq_init(&g->sq, &g->sink, &c->write_blocks, &sinkq_cbs, g);
  return g;
}

int gf_generate(gf_client *c, const gf_request *req,
                const gf_gen_options *opts, const gf_callbacks *cbs, void *ud,
                gf_gen **out) {
  if (!c || !req || c->freeing)
    return GF_EINVAL;
  gf_gen_options o;
  copy_gen_options(&o, opts);
  gf_gen *g = gen_new(c, &o, cbs, ud);
  if (!g)
    return GF_ENOMEM;
  g->keep_handle = o.keep_handle != 0;
  int rc = chat_take(g, o.chat, req);
  if (!rc)
    rc = build_request(g, req);
  g->t0 = uv_hrtime();
  if (!rc)
    rc = attempt_start(g);
  if (rc) { /* nothing started: no on_done, the error is the answer */
    gf__client_dial_done(c, g);
    gen_free(g);
    return rc;
  }
  gf__client_add(c, g);
  if (out)
    *out = g;
  return 0;
}

void gf_cancel(gf_gen *g) {
  if (!g || g->done || g->canceled)
    return;
  g->canceled = 1;
  if (g->phase != GF__PH_END)
    finish(g, GF_ECANCELED, NULL);
  else /* success, being committed: named only if the cancel comes late */
    gf__sinkq_cancel(&g->sq);
}

void *gf_gen_userdata(const gf_gen *g) { return g->ud; }

/* The caller's pause, or the disk's (the writer is behind). */
static int held(const gf_gen *g) { return g->paused || g->sq.pressed; }

static void apply_pause(gf_gen *g) {
  if (g->conn && g->phase == GF__PH_ATTEMPT)
    gf__conn_pause(g->conn, held(g));
}

static int set_paused(gf_gen *g, int on) {
  if (!g || g->done)
    return GF_EINVAL;
  g->paused = on;
  apply_pause(g);
  return 0;
}

int gf_gen_pause(gf_gen *g) { return set_paused(g, 1); }

int gf_gen_resume(gf_gen *g) { return set_paused(g, 0); }

void gf_gen_release(gf_gen *g) {
  if (!g || !g->keep_handle || g->released)
    return;
  g->released = 1;
  if (g->done && !g->in_done) /* from on_done: freed as it returns */
    gen_free(g);
}

static double gen_ms(const gf_gen *g) {
  return (double)(uv_hrtime() - g->t0) / 1e6;
}

/* ---- waiting: backoff delays and rate slots ----------------------------- */

static int attempt_open(gf_gen *g);

static void on_timer(uv_timer_t *t) {
  gf_gen *g = t->data;
  if (g->phase != GF__PH_WAIT)
    return;
  int rc = g->open_after_wait ? attempt_open(g) : attempt_start(g);
  if (rc)
    finish(g, rc, "the next attempt could not start");
}

static int wait_ms(gf_gen *g, uint64_t ms, int then_open) {
  if (g->timer_state == 0) {
    int rc = uv_timer_init(g->client->loop, &g->timer);
    if (rc)
      return GF_ENOMEM;
    g->timer.data = g;
    g->timer_state = 1;
  }
  g->phase = GF__PH_WAIT;
  g->open_after_wait = then_open;
  uv_timer_start(&g->timer, on_timer, ms, 0);
  return 0;
}

static void on_timer_closed(uv_handle_t *h) {
  gf_gen *g = h->data;
  g->timer_state = 0;
  maybe_done(g);
}

static void close_timer(gf_gen *g) {
  if (g->timer_state != 1)
    return;
  g->timer_state = 2;
  uv_close((uv_handle_t *)&g->timer, on_timer_closed);
}

/* ---- the attempt -------------------------------------------------------- */

/* A new attempt: first its request slot (the rate limit), then its
 * connection. */
static int attempt_start(gf_gen *g) {
  g->attempts++;
  uint64_t slot = gf__client_take_slot(g->client);
  if (slot > 0) {
    gf__trace(g->client, "* waiting %.3f s for a request slot",
              (double)slot / 1000);
    return wait_ms(g, slot, 1);
  }
  return attempt_open(g);
}

static void on_connected(void *ud);
static int on_data(void *ud, const char *p, size_t n);
static void on_end(void *ud, int err, const char *msg);
static void on_closed(void *ud);
static void on_session(void *ud);
static void redial(gf_gen *g, int err, const char *msg);
static void retry_wait(gf_gen *g);
static void xch_trace(void *ud, const char *fmt, va_list ap);
static const gf__ev_cbs ev_cbs;

static int attempt_connect(gf_gen *g);

/* Connects now, or waits in line for a dial slot (max_connecting): its
 * connect timeout starts when it dials, not while it waits. */
static int attempt_open(gf_gen *g) {
  gf_client *c = g->client;
  if (!gf__queue_empty(&c->idle) || gf__client_dial(c, g))
    return attempt_connect(g);
  gf__trace(c, "* waiting for a connection slot (%d being established)",
            c->connecting);
  g->phase = GF__PH_WAIT; /* no timer: gf__client_dial_next starts it */
  return 0;
}

/* The first in line: a kept connection, else a dial slot when one is
 * free. */
void gf__client_dial_next(gf_client *c) {
  gf__queue *q;
  while ((q = gf__queue_head(&c->dial_wait)) &&
         (!gf__queue_empty(&c->idle) || gf__client_dial_free(c))) {
    gf_gen *g = GF__QUEUE_DATA(q, gf_gen, dial_node);
    gf__queue_remove(q);
    g->dial = GF__DIAL_NONE;
    if (gf__queue_empty(&c->idle)) {
      c->connecting++;
      g->dial = GF__DIAL_HELD;
    }
    int rc = attempt_connect(g);
    if (rc) /* gives the slot back: the loop goes on with the next */
      finish(g, rc, "the next attempt could not start");
  }
}

static const gf__conn_cbs conn_cbs = {on_connected, on_data, on_end,
                                      on_closed, on_session};

/* A kept connection carries this attempt's request at once. */
static int attempt_reuse(gf_gen *g, gf__conn *conn) {
  gf_client *c = g->client;
  g->conn = conn;
  g->reused = 1;
  gf__conn_rebind(conn, &conn_cbs, g, c->idle_timeout_ms,
                  c->attempt_timeout_ms);
  if (held(g))
    gf__conn_pause(conn, 1);
  gf__trace(c, "* reusing a kept connection to %s", gf__conn_peer(conn));
  on_connected(g);
  return 0;
}

static int attempt_connect(gf_gen *g) {
  gf_client *c = g->client;
  gf__xch_free(g->xch);
  gf__xch_opts xo = {.want_sse = c->use_sse,
                     .max_event_bytes = c->max_event_bytes,
                     .max_image_bytes = c->max_image_bytes,
                     .max_header_bytes = c->max_header_bytes,
                     .max_headers = c->max_headers,
                     .max_json_depth = c->max_json_depth,
                     .now = (double)time(NULL),
                     .secret = c->api_key,
                     .img_blocks = &c->img_blocks};
  g->xch = gf__xch_new(&xo, &ev_cbs, xch_trace, g);
  if (!g->xch)
    return GF_ENOMEM;
  g->images_seen = 0;
  g->own_err = 0;
  g->tls_resumed = 0;
  g->reused = 0;
  g->phase = GF__PH_ATTEMPT;
  /* the stages of the attempt that gives the result, from gf_generate */
  g->timings = (gf_timings){-1, -1, -1, -1, -1, -1};
  gf__conn_opts o = {
      .loop = c->loop,
      .url = &c->url,
      .tls = c->tls,
      .connect_timeout_ms = c->connect_timeout_ms,
      .idle_timeout_ms = c->idle_timeout_ms,
      .total_timeout_ms = c->attempt_timeout_ms,
      .read_buf = c->read_buf,
      .read_buf_len = GF__READ_BUF,
      .pins = &c->pins,
      .proxy = c->use_proxy ? &c->proxy : NULL,
  };
  if (g->attempts > 1)
    gf__trace(c, "* attempt %d", g->attempts);
  gf__conn *kept = g->dial == GF__DIAL_HELD ? NULL : gf__pool_take(c);
  if (kept)
    return attempt_reuse(g, kept);
  o.dns = c->dns;
  int rc = gf__conn_open(&g->conn, &o, &conn_cbs, g);
  if (rc)
    return rc;
  gf__client_conn_opened(c);
  if (held(g))
    gf__conn_pause(g->conn, 1);
  return 0;
}

/* The request target as printed: the key parameter's value replaced. */
static void trace_target(gf_gen *g) {
  const char *t = g->target.data;
  const char *k = strstr(t, "?key=");
  if (!k)
    k = strstr(t, "&key=");
  if (!k) {
    gf__trace(g->client, "> POST %s HTTP/1.1", t);
    return;
  }
  const char *rest = k + 5 + strcspn(k + 5, "&");
  gf__trace(g->client, "> POST %.*sREDACTED%s HTTP/1.1", (int)(k + 5 - t), t,
            rest);
}

static void trace_request(gf_gen *g, const gf__http_header *h, size_t nh) {
  trace_target(g);
  gf__trace(g->client, "> Host: %s", g->client->url.authority);
  for (size_t i = 0; i < nh; i++)
    gf__trace(g->client, "> %s: %s", h[i].name,
              strcmp(h[i].name, "x-goog-api-key") ? h[i].value : "REDACTED");
  gf__trace(g->client, "> Content-Length: %zu", g->body.len);
}

static void on_connected(void *ud) {
  gf_gen *g = ud;
  gf_client *c = g->client;
  /* a TLS 1.3 ticket comes after the handshake: the place is held until
   * it is read (on_session) or the answer begins, so that the dials
   * waiting for it resume the session instead of making their own */
  if (!gf__conn_session_pending(g->conn))
    gf__client_dial_done(c, g);
  g->timings.connected = gen_ms(g);
  const char *suite = gf__conn_tls_suite(g->conn);
  g->tls_resumed = !g->reused && gf__conn_tls_resumed(g->conn);
  if (!g->reused) /* a kept connection was announced as such */
    gf__trace(c, "* connected to %s%s%s%s", gf__conn_peer(g->conn),
              suite ? " with " : "", suite ? suite : "",
              g->tls_resumed ? " (session resumed)" : "");
  /* gzip only when asked: inflating costs CPU, the image barely shrinks */
  char agent[32];
  snprintf(agent, sizeof agent, "gemflow/%s", gf_version_string());
  gf__http_header h[5] = {
      {"Content-Type", "application/json"},
      {"Accept", c->use_sse ? "text/event-stream" : "application/json"},
      {"Accept-Encoding", c->compressed ? "gzip" : "identity"},
      {"User-Agent", agent},
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
    rc = gf__conn_write_ref(g->conn, g->body.data, g->body.len);
  memset(head.data, 0, head.len); /* it may hold the key */
  gf__buf_free(&head);
  if (rc) {
    finish(g, rc, "sending the request failed");
    return;
  }
  trace_request(g, h, nh);
}

static void on_session(void *ud) {
  gf_gen *g = ud;
  gf__client_dial_done(g->client, g);
}

static int on_data(void *ud, const char *p, size_t n) {
  gf_gen *g = ud;
  if (g->timings.first_byte < 0)
    g->timings.first_byte = gen_ms(g);
  if (g->dial == GF__DIAL_HELD) /* no ticket came before the answer */
    gf__client_dial_done(g->client, g);
  if (g->phase != GF__PH_ATTEMPT)
    return 1;
  if (gf__xch_feed(g->xch, p, n) == 0)
    return 0;
  if (gf__xch_reusable(g->xch)) {
    /* to the pool, reading on: what else this read holds goes there */
    gf__conn *conn = g->conn;
    g->conn = NULL;
    gf__pool_put(g->client, conn);
    attempt_over(g);
    return 0;
  }
  attempt_over(g);
  return 1;
}

static void on_end(void *ud, int err, const char *msg) {
  gf_gen *g = ud;
  if (g->phase != GF__PH_ATTEMPT)
    return;
  if (g->reused && !gf__xch_started(g->xch)) {
    redial(g, err, msg);
    return;
  }
  gf__xch_end(g->xch, err, msg);
  attempt_over(g);
}

/* A kept connection the server had closed (its keep-alive ran out as the
 * request went): no byte of an answer came, so the request was not taken.
 * A new connection carries it, the same attempt. */
static void redial(gf_gen *g, int err, const char *msg) {
  gf__trace(g->client, "* the kept connection was closed (%s%s%s): "
            "a new one", gf_err_name(err), msg ? ": " : "", msg ? msg : "");
  g->attempts--; /* attempt_start counts it again */
  g->next_delay_ms = 0;
  g->phase = GF__PH_RETRY;
  gf__conn_close(g->conn);
}

static void retry_wait(gf_gen *g) {
  int rc = wait_ms(g, g->next_delay_ms, 0);
  if (rc)
    finish(g, rc, "the next attempt could not start");
}

static void on_closed(void *ud) {
  gf_gen *g = ud;
  g->conn = NULL;
  gf__client_conn_gone(g->client);
  if (g->phase == GF__PH_RETRY) {
    retry_wait(g);
    return;
  }
  maybe_done(g);
}

static void xch_trace(void *ud, const char *fmt, va_list ap) {
  gf_gen *g = ud;
  gf__vtrace(g->client, fmt, ap);
}

/* ---- the retry decision ------------------------------------------------- */

/* Records the failed attempt, starts the sink over and announces the
 * retry; the wait begins once the connection has closed. */
static void retry(gf_gen *g, const gf__outcome *o, uint64_t delay_ms) {
  gf_attempt *a = &g->retries[g->nretries++];
  memset(a, 0, sizeof *a);
  a->status = o->status;
  a->http_status = o->http_status;
  if (o->api_status)
    snprintf(a->api_status, sizeof a->api_status, "%s", o->api_status);
  a->delay_s = (double)delay_ms / 1000;
  gf__trace(g->client, "* attempt %d failed (%s%s%s); retrying in %.3f s",
            g->attempts, gf_err_name(o->status), o->message ? ": " : "",
            o->message ? o->message : "", a->delay_s);
  gf__sinkq_reset(&g->sq);
  chat_reset(g);
  gf__client_dial_done(g->client, g);
  g->next_delay_ms = delay_ms;
  g->phase = GF__PH_RETRY;
  if (g->conn)
    gf__conn_close(g->conn); /* the wait starts in on_closed */
  else
    retry_wait(g); /* the connection went back to the pool */
  if (g->cbs.on_retry)
    g->cbs.on_retry(g, a, g->ud); /* it may cancel: finish() then runs */
}

/* The server asks to wait longer than the policy allows: fail now with the
 * attempt's error, saying so. */
static void fail_too_late(gf_gen *g, const gf__outcome *o) {
  char m[512];
  snprintf(m, sizeof m, "%s (the server asks to retry after %.1f s, more "
           "than the %.1f s cap)", o->message ? o->message : gf_strerror(o->status),
           o->retry_wait_s, (double)g->client->retry.max_delay_ms / 1000);
  finish(g, o->status, m);
}

static void attempt_over(gf_gen *g) {
  if (g->phase != GF__PH_ATTEMPT) /* canceled from a callback */
    return;
  const gf__outcome *o = gf__xch_outcome(g->xch);
  if (o->status == GF_OK) {
    succeed(g);
    return;
  }
  if (o->stopped && g->own_err) { /* the sink failed: not the server's */
    finish(g, g->own_err, g->sq.msg[0] ? g->sq.msg : NULL);
    return;
  }
  const gf__retry_policy *p = &g->client->retry;
  if (g->attempts < p->max_attempts &&
      gf__retry_transient(o->status, o->http_status, o->api_code,
                          o->api_status)) {
    int64_t d = gf__retry_delay_ms(p, g->attempts, o->retry_wait_s,
                                   gf__client_rand(g->client));
    if (d >= 0)
      retry(g, o, (uint64_t)d);
    else
      fail_too_late(g, o);
    return;
  }
  finish(g, o->status, o->message);
}

/* ---- events of the exchange: to the user and the sink ------------------ */

/* What an event callback answers the exchange: go on, unless the user
 * canceled from inside a callback. */
static int stopped(const gf_gen *g) {
  return g->phase == GF__PH_ATTEMPT ? 0 : GF_ECANCELED;
}

static int sink_failed(gf_gen *g, int rc) {
  g->own_err = rc;
  return rc;
}

static int ev_thought(void *ud, const char *text, size_t n) {
  gf_gen *g = ud;
  if (g->timings.first_thought < 0)
    g->timings.first_thought = gen_ms(g);
  if (g->cbs.on_thought)
    g->cbs.on_thought(g, text, n, g->ud);
  return stopped(g); /* canceled from the callback */
}

static int ev_text(void *ud, const char *text, size_t n) {
  gf_gen *g = ud;
  if (g->cbs.on_text)
    g->cbs.on_text(g, text, n, g->ud);
  return stopped(g);
}

static int ev_image_begin(void *ud, const char *mime, int thought) {
  gf_gen *g = ud;
  if (g->timings.image_start < 0)
    g->timings.image_start = gen_ms(g);
  /* the writer thread only for files: hashing alone stays on the loop */
  gf__writer *w = gf__sink_writes_files(&g->sink)
                      ? gf__client_writer(g->client) : NULL;
  int rc = gf__sinkq_begin(&g->sq, w, mime);
  if (rc)
    return sink_failed(g, rc);
  gf__trace(g->client, "* image %d begins (%s%s)", g->images_seen,
            mime ? mime : "type not yet known", thought ? ", thought" : "");
  gf_image_info info = {mime, thought, 0, g->images_seen};
  if (g->cbs.on_image_begin)
    g->cbs.on_image_begin(g, &info, g->ud);
  return stopped(g);
}

static int ev_image_data(void *ud, const unsigned char *p, size_t n) {
  gf_gen *g = ud;
  int rc = gf__sinkq_write(&g->sq, p, n);
  if (!rc && g->chat)
    rc = gf__buf_append(&g->img, p, n);
  if (rc)
    return sink_failed(g, rc);
  if (g->cbs.on_image_data)
    g->cbs.on_image_data(g, p, n, g->ud);
  return stopped(g);
}

static int ev_image_end(void *ud, const char *mime, int thought,
                        uint64_t bytes) {
  gf_gen *g = ud;
  g->timings.image_end = gen_ms(g);
  int rc = gf__sinkq_end(&g->sq, mime, thought);
  if (!rc && g->chat)
    rc = chat_image_end(g);
  if (rc)
    return sink_failed(g, rc);
  gf__trace(g->client, "* image %d ends: %s, %llu bytes%s", g->images_seen,
            mime ? mime : "?", (unsigned long long)bytes,
            thought ? ", thought (interim)" : "");
  gf_image_info info = {mime, thought, bytes, g->images_seen++};
  if (g->cbs.on_image_end)
    g->cbs.on_image_end(g, &info, g->ud);
  return stopped(g);
}

static int ev_usage(void *ud, const gf_usage *u) {
  gf_gen *g = ud;
  if (g->cbs.on_usage)
    g->cbs.on_usage(g, u, g->ud);
  return stopped(g);
}

static int ev_part(void *ud, const gf__ev_part *p) {
  gf_gen *g = ud;
  if (!g->chat)
    return stopped(g);
  unsigned char *data = NULL;
  size_t len = 0;
  int rc = p->image ? chat_next_image(g, &data, &len) : 0;
  if (!rc && (!p->image || data))
    rc = gf__cturn_add(g->turn, p, data, len);
  else
    free(data);
  return rc ? sink_failed(g, rc) : stopped(g);
}

static const gf__ev_cbs ev_cbs = {ev_thought,    ev_text,      ev_image_begin,
                                  ev_image_data, ev_image_end, ev_usage,
                                  ev_part};

/* ---- the end ------------------------------------------------------------ */

/* Redacted whole, then cut to size. */
static void set_msg(gf_gen *g, const char *msg) {
  if (!msg || msg == g->msg)
    return;
  char *whole = strdup(msg);
  if (whole)
    gf__redact(g->client->api_key, whole);
  snprintf(g->msg, sizeof g->msg, "%s", whole ? whole : "");
  free(whole);
}

/* Decides the result once; what is open closes, then maybe_done. */
static void enter_end(gf_gen *g, int result, const char *msg) {
  g->phase = GF__PH_END;
  gf__client_dial_done(g->client, g);
  g->result = result;
  set_msg(g, msg);
  if (g->conn)
    gf__conn_close(g->conn);
  close_timer(g);
}

static void finish(gf_gen *g, int err, const char *msg) {
  if (g->phase == GF__PH_END)
    return;
  enter_end(g, err, msg);
  gf__sinkq_discard(&g->sq);
  maybe_done(g);
}

/* The commit's outcome: the image is named, or nothing of it is left. A
 * cancel that came once the naming had begun is too late: success stands,
 * the file being there. */
static void on_committed(void *ud, int status, const char *msg) {
  gf_gen *g = ud;
  if (status) {
    g->result = g->canceled ? GF_ECANCELED : status;
    set_msg(g, g->canceled ? NULL : msg);
  }
  maybe_done(g);
}

/* A write, an image's end or its file failed on the writer's thread: the
 * attempt stops (the disk, not the server: no retry). */
static void on_sink_error(void *ud, int err, const char *msg) {
  gf_gen *g = ud;
  if (g->phase == GF__PH_ATTEMPT)
    finish(g, err, msg);
  else
    maybe_done(g);
}

static void on_sink_idle(void *ud) { maybe_done(ud); }

static void on_sink_pressure(void *ud, int on) { apply_pause(ud); }

static const gf__sinkq_cbs sinkq_cbs = {on_sink_error, on_committed,
                                        on_sink_idle, on_sink_pressure};

static void succeed(gf_gen *g) {
  enter_end(g, GF_OK, NULL);
  int rc = gf__sinkq_commit(&g->sq);
  if (rc < 0) {
    g->result = rc;
    set_msg(g, g->sink.err);
  }
  maybe_done(g);
}

static void fill_result(gf_gen *g, gf_result *r) {
  memset(r, 0, sizeof *r);
  r->status = g->result;
  r->retry_after_s = -1;
  memset(&g->usage, 0, sizeof g->usage);
  r->usage = &g->usage;
  r->timings = &g->timings;
  r->attempts = g->attempts;
  r->tls_resumed = g->tls_resumed;
  r->conn_reused = g->reused;
  r->retries = g->nretries ? g->retries : NULL;
  r->nretries = g->nretries;
  r->message = g->msg[0] ? g->msg : NULL;
  const gf__outcome *o = g->xch ? gf__xch_progress(g->xch) : NULL;
  if (o) {
    r->http_status = o->http_status;
    const gf__gem_summary *s = o->summary;
    r->finish_reason = s->finish_reason;
    r->block_reason = s->block_reason;
    r->model_version = s->model_version;
    r->response_id = s->response_id;
    g->usage = s->usage;
    if (g->result != GF_OK) {
      r->api_status = o->api_status;
      r->retry_after_s = o->retry_after_s;
    }
  }
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

static void maybe_done(gf_gen *g) {
  if (g->phase != GF__PH_END || g->conn || g->timer_state ||
      gf__sinkq_busy(&g->sq) ||
      g->done)
    return;
  g->done = 1;
  g->timings.done = gen_ms(g);
  gf_result r;
  fill_result(g, &r);
  if (chat_commit(g, &r)) {
    r.status = GF_ENOMEM;
    r.message = "out of memory keeping the chat's turn";
  }
  chat_drop(g);
  gf_client *c = g->client;
  gf__client_remove(c, g); /* gf_client_free from on_done must not cancel it */
  g->in_done = 1;
  if (g->cbs.on_done)
    g->cbs.on_done(g, &r, g->ud);
  g->in_done = 0;
  if (!g->keep_handle || g->released)
    gen_free(g);
  else
    gen_drop(g);
  gf__client_unref(c); /* only now: on_done may have called gf_client_free */
}
