/* The run of a batch: one loop, one client, up to -j generations at once
 * (halved on 429, grown back by one per success), each item's manifest
 * line written as it ends. The first SIGINT/SIGTERM stops starting items
 * and cancels those in flight (their lines say "canceled"); a second one
 * exits at once. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "client.h"
#include "diag.h"
#include "path.h"
#include "record.h"

/* What is kept of an item's text and thinking: bounded, whatever the
 * server sends. */
#define GF__KEEP_MAX (1u << 20)

static void gf__start_more(gf__batch *b);
static void gf__maybe_end(gf__batch *b);
static void gf__on_signal(uv_signal_t *h, int signum);
static void gf__on_tick(uv_timer_t *t);
static void gf__progress(gf__batch *b, int final);
static const gf_callbacks gf__batch_cbs;

static void gf__batch_trace(const char *line, void *ud) {
  gf__batch *b = ud;
  gf__progress(b, 1);
  gf__diag_line(line);
}

int gf__batch_run(gf__batch *b, const char *key) {
  const gf__batch_opts *o = b->o;
  b->t0_ns = uv_hrtime();
  if (uv_loop_init(&b->loop) != 0) {
    gf__diag_error("cannot start the event loop");
    return 1;
  }
  gf__client_args a = {&o->net, key, o->rpm / (double)b->shards,
                       o->verbose ? gf__batch_trace : NULL, b};
  int rc = gf__client_create(&b->loop, &a, &b->client);
  if (rc) {
    uv_loop_close(&b->loop);
    return rc;
  }
  static const int signums[2] = {SIGINT, SIGTERM};
  for (int i = 0; i < 2; i++) {
    uv_signal_init(&b->loop, &b->sig[i]);
    b->sig[i].data = b;
    uv_signal_start(&b->sig[i], gf__on_signal, signums[i]);
  }
  b->tty = isatty(STDERR_FILENO) && !o->quiet;
  const char *nc = getenv("NO_COLOR");
  b->color = b->tty && !(nc && *nc);
  uv_timer_init(&b->loop, &b->tick);
  b->tick.data = b;
  if (!o->quiet)
    uv_timer_start(&b->tick, gf__on_tick, b->tty ? 250 : 10000,
                   b->tty ? 250 : 10000);
  b->handles = 3;
  b->limit = o->concurrency;
  gf__start_more(b);
  gf__maybe_end(b);
  uv_run(&b->loop, UV_RUN_DEFAULT);
  gf__progress(b, 1);
  if (uv_loop_close(&b->loop) != 0)
    gf__diag_error("warning: event loop still busy at exit");
  return 0;
}

/* ---- starting items ----------------------------------------------------- */

static void gf__item_fail(gf__bitem *bi, const gf_result *res);

/* The result of an item that never reached the library. */
static void gf__item_refuse(gf__bitem *bi, int err, const char *why) {
  static const gf_usage none;
  static const gf_timings unreached = {-1, -1, -1, -1, -1, -1};
  gf_result r;
  memset(&r, 0, sizeof r);
  r.status = err;
  r.message = why;
  r.retry_after_s = -1;
  r.usage = &none;
  r.timings = &unreached;
  gf__item_fail(bi, &r);
}

static void gf__item_start(gf__bitem *bi) {
  gf__batch *b = bi->b;
  int err = 0;
  gf_request *req = gf__item_request(bi->it, &b->defs, &err);
  if (!req) {
    gf__item_refuse(bi, err ? err : GF_ENOMEM,
                    "the request could not be built (a reference changed?)");
    return;
  }
  gf_gen_options go;
  gf_gen_options_init(&go);
  char *path = NULL;
  /* The prefix also names the temporary file (".gemflow-<id>-XXXXXX.part"):
   * a shard cleaning up after a crash knows its own by the id. */
  go.out_prefix = bi->it->id;
  if (bi->it->out) {
    go.out_path = path = gf__path_join(b->dir, bi->it->out);
  } else {
    go.out_dir = b->dir;
    go.out_replace = 1; /* DIR/<id>.<ext>: an earlier, stale one goes */
  }
  bi->queued_ms = gf__batch_ms(b);
  bi->state = GF__B_RUNNING;
  b->in_flight++;
  b->cost_started += bi->price;
  err = gf_generate(b->client, req, &go, &gf__batch_cbs, bi, &bi->gen);
  gf_request_free(req);
  free(path);
  if (err) {
    b->in_flight--;
    bi->gen = NULL;
    gf__item_refuse(bi, err, NULL);
  }
}

/* Starts items while there is room: the effective concurrency, the cost
 * budget, and no stop. */
static void gf__start_more(gf__batch *b) {
  while (b->next < b->n && b->in_flight < b->limit) {
    gf__bitem *bi = &b->v[b->next];
    if (bi->state != GF__B_PENDING) {
      b->next++;
      continue;
    }
    if (b->stopping || (b->o->max_cost >= 0 &&
                        b->cost_started + bi->price > b->o->max_cost + 1e-9)) {
      bi->state = GF__B_NOT_STARTED;
      b->not_started++;
      b->next++;
      continue;
    }
    b->next++;
    gf__item_start(bi);
  }
}

/* Every handle of the run closes once nothing is left to do. */
static void gf__maybe_end(gf__batch *b) {
  if (b->in_flight > 0 || (b->next < b->n && !b->stopping) || !b->handles)
    return;
  for (size_t i = b->next; i < b->n; i++)
    if (b->v[i].state == GF__B_PENDING) {
      b->v[i].state = GF__B_NOT_STARTED;
      b->not_started++;
    }
  b->next = b->n;
  for (int i = 0; i < 2; i++)
    uv_close((uv_handle_t *)&b->sig[i], NULL);
  uv_close((uv_handle_t *)&b->tick, NULL);
  b->handles = 0;
  gf_client_free(b->client);
  b->client = NULL;
}

/* ---- signals and progress ----------------------------------------------- */

static void gf__on_signal(uv_signal_t *h, int signum) {
  gf__batch *b = h->data;
  if (b->signum) {
    static const char msg[] = "\ngemflow: interrupted again, exiting now\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(130);
  }
  b->signum = signum;
  b->stopping = 1;
  gf__progress(b, 1);
  gf__diag_error("interrupted: canceling %d generation%s (again to exit at "
                 "once)", b->in_flight, b->in_flight == 1 ? "" : "s");
  for (size_t i = 0; i < b->n; i++)
    if (b->v[i].state == GF__B_RUNNING && b->v[i].gen)
      gf_cancel(b->v[i].gen);
  gf__start_more(b); /* marks the rest not started */
  gf__maybe_end(b);
}

static void gf__on_tick(uv_timer_t *t) { gf__progress(t->data, 0); }

/* One live line on a terminal; a plain line every 10 s otherwise. final:
 * end the live line so that other output starts on a clean line. */
static void gf__progress(gf__batch *b, int final) {
  if (b->o->quiet)
    return;
  if (final) {
    if (b->progress_shown)
      fputc('\n', stderr);
    b->progress_shown = 0;
    return;
  }
  double s = gf__batch_ms(b) / 1000;
  size_t done = b->ok + b->failed;
  double rate = s > 0 ? (double)b->ok / s : 0;
  char eta[32] = "-";
  if (rate > 0 && b->to_run > done) {
    long left = (long)((double)(b->to_run - done) / rate);
    snprintf(eta, sizeof eta, "%ld:%02ld", left / 60, left % 60);
  }
  char line[256];
  snprintf(line, sizeof line,
           "%zu/%zu done, %zu ok, %zu failed, %d retrying, %d in flight "
           "(limit %d), %.2f img/s, %.1f MB, ETA %s",
           done, b->to_run, b->ok, b->failed, b->retrying, b->in_flight,
           b->limit, rate, (double)b->bytes_rx / 1e6, eta);
  if (!b->tty) {
    gf__diag_error("%s", line);
    return;
  }
  /* \033[K clears what a longer line left; without colour codes, spaces */
  fprintf(stderr, "\r%s%s", line, b->color ? "\033[K" : "          ");
  fflush(stderr);
  b->progress_shown = 1;
}

/* ---- callbacks ---------------------------------------------------------- */

static void gf__keep(char **buf, size_t *len, const char *t, size_t n) {
  if (*len + n > GF__KEEP_MAX)
    n = GF__KEEP_MAX - *len;
  char *grown = n ? realloc(*buf, *len + n + 1) : *buf;
  if (!grown)
    return;
  memcpy(grown + *len, t, n);
  *len += n;
  grown[*len] = '\0';
  *buf = grown;
}

static void gf__cb_thought(gf_gen *g, const char *t, size_t n, void *ud) {
  gf__bitem *bi = ud;
  if (bi->b->o->save_thoughts)
    gf__keep(&bi->thoughts, &bi->thoughts_len, t, n);
}

static void gf__cb_text(gf_gen *g, const char *t, size_t n, void *ud) {
  gf__bitem *bi = ud;
  gf__keep(&bi->text, &bi->text_len, t, n);
}

static void gf__cb_data(gf_gen *g, const unsigned char *p, size_t n,
                        void *ud) {
  gf__bitem *bi = ud;
  bi->b->bytes_rx += n;
}

static int gf__is_429(const gf_attempt *a) {
  return a->http_status == 429 ||
         strcmp(a->api_status, "RESOURCE_EXHAUSTED") == 0;
}

/* The discard event: what the failed attempt streamed is dropped; a 429
 * halves the streams in flight. */
static void gf__cb_retry(gf_gen *g, const gf_attempt *a, void *ud) {
  gf__bitem *bi = ud;
  gf__batch *b = bi->b;
  bi->text_len = bi->thoughts_len = 0;
  if (!bi->retried) {
    bi->retried = 1;
    b->retrying++;
  }
  if (gf__is_429(a) && b->limit > 1) {
    b->limit /= 2;
    if (b->o->verbose)
      gf__diag_error("%s: 429: concurrency down to %d", bi->it->id, b->limit);
  }
}

static void gf__save_thoughts(gf__bitem *bi) {
  gf__batch *b = bi->b;
  char name[GF__ITEM_ID_MAX + 16];
  snprintf(name, sizeof name, "%s.thoughts.txt", bi->it->id);
  char *path = gf__path_join(b->dir, name);
  if (!path)
    return;
  FILE *f = fopen(path, "w");
  if (!f || fwrite(bi->thoughts ? bi->thoughts : "", 1, bi->thoughts_len,
                   f) != bi->thoughts_len)
    gf__diag_error("cannot write %s", path);
  if (f)
    fclose(f);
  free(path);
}

/* The manifest line; a write error stops the batch (what is done stays
 * valid). */
static void gf__item_record(gf__bitem *bi, const gf_result *res) {
  gf__batch *b = bi->b;
  const char *file = res->file;
  size_t dl = strlen(b->dir);
  if (file && strncmp(file, b->dir, dl) == 0 && file[dl] == '/')
    file += dl + 1;
  gf__record r = {bi->it->id, res, file, bi->text, bi->text_len,
                  bi->prompt_sha, bi->it->meta,
                  res->status == GF_OK ? bi->price : 0, bi->queued_ms, NULL};
  if (b->man.fd < 0 || gf__manifest_append(&b->man, &r) != 0) {
    if (!b->stopping)
      gf__diag_error("cannot write the manifest: no new item starts");
    b->stopping = 1;
  }
}

static void gf__item_fail(gf__bitem *bi, const gf_result *res) {
  gf__batch *b = bi->b;
  bi->state = GF__B_FAILED;
  b->failed++;
  const char *msg = gf__result_message(res);
  snprintf(bi->reason, sizeof bi->reason, "%s%s%s", gf_err_name(res->status),
           msg ? ": " : "", msg ? msg : "");
  if (res->status == GF_EIO) /* disk full or the like: stop here */
    b->stopping = 1;
  gf__item_record(bi, res);
}

static void gf__cb_done(gf_gen *g, const gf_result *res, void *ud) {
  gf__bitem *bi = ud;
  gf__batch *b = bi->b;
  bi->gen = NULL;
  b->in_flight--;
  if (bi->retried)
    b->retrying--;
  if (res->status == GF_OK) {
    bi->state = GF__B_OK;
    b->ok++;
    b->cost_done += bi->price;
    if (b->limit < b->o->concurrency)
      b->limit++;
    if (b->o->save_thoughts)
      gf__save_thoughts(bi);
    gf__item_record(bi, res);
  } else {
    gf__item_fail(bi, res);
  }
  free(bi->text);
  free(bi->thoughts);
  bi->text = bi->thoughts = NULL;
  gf__start_more(b);
  gf__maybe_end(b);
}

static const gf_callbacks gf__batch_cbs = {
    .struct_size = sizeof(gf_callbacks),
    .on_thought = gf__cb_thought,
    .on_text = gf__cb_text,
    .on_image_data = gf__cb_data,
    .on_done = gf__cb_done,
    .on_retry = gf__cb_retry,
};
