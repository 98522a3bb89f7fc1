#include "run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "decode.h"
#include "gemflow.h"
#include "sim.h"
#include "stats.h"

#define SAMPLE_MS 20

const char *const gfb_lat_names[GFB_NLAT] = {"first_byte", "first_thought",
                                             "image_start", "done"};

typedef struct bench bench;

typedef struct slot {
  bench *b;
  long idx;
  gfb_decode *cur, *last_final, *last_any; /* --verify decode only */
} slot;

struct bench {
  const gfb_opts *o;
  const gfb_target *t;
  const gfb_expect *ex;
  gfb_result *r;
  uv_loop_t loop;
  uv_timer_t sampler;
  gf_client *cl[GFB_MAX_URLS];
  int ncl, open_clients;
  gf_request *req[GFB_MAX_DISTINCT];
  slot *slots;
  long total, limit, started, done, inflight;
  int warm;    /* the untimed warm-up phase */
  int reusing; /* on_trace: the next "* connected" is a kept connection */
  long warm_failed;
  uint64_t t0;
  double user0, sys0, sim0;
  long long rx0; /* gfb_read_bytes at the start of the measured phase */
  const pid_t *sim_pids;
  int nsims;
};

static void start_more(bench *b);

/* ---- on_trace: connections, handshakes, suite ---------------------------- */
static void on_trace(const char *line, void *ud) {
  bench *b = ud;
  if (b->warm)
    return;
  gfb_result *r = b->r;
  if (!strncmp(line, "* reus", 6)) { /* "* reusing a kept connection" */
    r->trace_reused++;
    b->reusing = 1; /* the "* connected to" line that follows at once */
    return;
  }
  if (strncmp(line, "* connected to ", 15))
    return;
  if (b->reusing) { /* no new connection, no handshake */
    b->reusing = 0;
    return;
  }
  r->connects++;
  if (strstr(line, "(session resumed)"))
    r->tls_resumed++;
  else
    r->tls_full++;
  const char *w = strstr(line, " with ");
  if (!w)
    return;
  w += 6;
  size_t n = strcspn(w, " ");
  if (n >= sizeof r->suite)
    n = sizeof r->suite - 1;
  if (!r->suite[0]) {
    memcpy(r->suite, w, n);
    r->suite[n] = '\0';
    r->suites = 1;
  } else if (strncmp(r->suite, w, n) || r->suite[n]) {
    r->suites++; /* counts changes, enough to flag a mixed run */
  }
}

/* ---- memory sampling ------------------------------------------------------ */
static void sample(bench *b) {
  if (b->warm)
    return;
  long rss = gfb_rss_kb();
  gfb_result *r = b->r;
  if (b->inflight > r->peak_inflight) {
    r->peak_inflight = b->inflight;
    r->rss_at_peak_kb = rss;
  } else if (b->inflight == r->peak_inflight && rss > r->rss_at_peak_kb) {
    r->rss_at_peak_kb = rss;
  }
}

static void on_sample(uv_timer_t *t) { sample(t->data); }

/* ---- per generation ------------------------------------------------------- */
static void drop_decoders(slot *s) {
  gfb_decode_free(s->cur);
  if (s->last_any != s->last_final)
    gfb_decode_free(s->last_any);
  gfb_decode_free(s->last_final);
  s->cur = s->last_final = s->last_any = NULL;
}

static void on_image_begin(gf_gen *g, const gf_image_info *info, void *ud) {
  slot *s = ud;
  gfb_decode_free(s->cur);
  s->cur = gfb_decode_new();
}

static void on_image_data(gf_gen *g, const unsigned char *p, size_t n,
                          void *ud) {
  slot *s = ud;
  if (s->cur)
    gfb_decode_feed(s->cur, p, n);
}

static void on_image_end(gf_gen *g, const gf_image_info *info, void *ud) {
  slot *s = ud;
  if (!s->cur)
    return;
  if (s->last_any != s->last_final)
    gfb_decode_free(s->last_any);
  s->last_any = s->cur;
  if (!info->thought) {
    if (s->last_final != s->last_any)
      gfb_decode_free(s->last_final);
    s->last_final = s->cur;
  }
  s->cur = NULL;
}

static void tally(gfb_tally *t, const char *name, const char *msg) {
  int i;
  for (i = 0; i < t->n; i++)
    if (!strcmp(t->e[i].name, name))
      break;
  if (i == t->n) {
    if (t->n == GFB_MAX_ERRKINDS)
      i = GFB_MAX_ERRKINDS - 1; /* the last bucket takes the rest */
    else {
      t->n++;
      snprintf(t->e[i].name, sizeof t->e[i].name, "%s", name);
      snprintf(t->e[i].first, sizeof t->e[i].first, "%s", msg ? msg : "");
    }
  }
  t->e[i].count++;
}

static void on_retry(gf_gen *g, const gf_attempt *a, void *ud) {
  slot *s = ud;
  drop_decoders(s);
  if (s->b->warm)
    return;
  char msg[80];
  if (a->status == GF_ESTATUS || a->status == GF_EAPI)
    snprintf(msg, sizeof msg, "HTTP %d%s%s", a->http_status,
             a->api_status[0] ? " " : "", a->api_status);
  else
    snprintf(msg, sizeof msg, "%s", gf_strerror(a->status));
  tally(&s->b->r->retried, gf_err_name(a->status), msg);
}

static void tally_error(gfb_result *r, const char *name, const char *msg) {
  tally(&r->errs, name, msg);
}

/* Whether the result is the image expected; *why when not. */
static int verified(bench *b, slot *s, const gf_result *res,
                    const char **why) {
  *why = NULL;
  if (b->o->verify == GFB_VERIFY_SHA) {
    if (!b->ex || !b->ex->count) {
      *why = "no reference to compare with";
      return 0;
    }
    int k = (int)(s->idx % b->ex->count);
    if (res->bytes != b->ex->bytes[k])
      *why = "image size differs from the reference";
    else if (memcmp(res->sha256, b->ex->sha[k], 32))
      *why = "image sha256 differs from the reference";
    return !*why;
  }
  if (b->o->verify == GFB_VERIFY_DECODE) {
    gfb_decode *d = res->fell_back_to_thought_image ? s->last_any
                                                    : s->last_final;
    if (!d) {
      *why = "no image was streamed";
      return 0;
    }
    return gfb_decode_ok(d, res->width, res->height, why);
  }
  return 0; /* not reached: --verify none checks nothing */
}

static void add_lat(gfb_result *r, int k, double ms) {
  if (ms >= 0)
    r->lat[k][r->nlat[k]++] = ms;
}

static void record(bench *b, slot *s, const gf_result *res) {
  gfb_result *r = b->r;
  r->retries += res->nretries;
  const gf_timings *t = res->timings;
  if (t) {
    add_lat(r, GFB_LAT_FIRST_BYTE, t->first_byte);
    add_lat(r, GFB_LAT_FIRST_THOUGHT, t->first_thought);
    add_lat(r, GFB_LAT_IMAGE_START, t->image_start);
    add_lat(r, GFB_LAT_DONE, t->done);
  }
  if (res->status != GF_OK) {
    r->failed++;
    tally_error(r, gf_err_name(res->status),
                res->message ? res->message : gf_strerror(res->status));
    return;
  }
  r->ok++;
  r->image_bytes += res->bytes;
  r->res_resumed += res->tls_resumed;
  const char *why;
  if (b->o->verify == GFB_VERIFY_NONE)
    return; /* verified stays 0: nothing was checked */
  if (verified(b, s, res, &why)) {
    r->verified++;
  } else {
    r->mismatched++;
    tally_error(r, "not_verified", why);
  }
}

static void finish(bench *b);

static void on_done(gf_gen *g, const gf_result *res, void *ud) {
  slot *s = ud;
  bench *b = s->b;
  b->done++;
  b->inflight--;
  if (b->warm) {
    if (res->status != GF_OK && b->warm_failed++ < 3)
      fprintf(stderr, "gemflow-bench: warm-up: %s: %s\n",
              gf_err_name(res->status),
              res->message ? res->message : gf_strerror(res->status));
  } else {
    record(b, s, res);
  }
  drop_decoders(s);
  start_more(b);
  if (b->done == b->total)
    finish(b);
}

static void start_more(bench *b) {
  gf_callbacks cbs;
  gf_callbacks_init(&cbs);
  cbs.on_done = on_done;
  cbs.on_retry = on_retry;
  if (!b->warm && b->o->verify == GFB_VERIFY_DECODE) {
    cbs.on_image_begin = on_image_begin;
    cbs.on_image_data = on_image_data;
    cbs.on_image_end = on_image_end;
  }
  /* nothing checked: nothing hashed either, like a peer that only reads */
  gf_gen_options go;
  gf_gen_options_init(&go);
  go.no_sha256 = b->o->verify == GFB_VERIFY_NONE;
  while (b->started < b->total && b->inflight < b->limit) {
    long i = b->started;
    slot *s = &b->slots[i];
    s->b = b, s->idx = i;
    int client, prompt;
    if (b->warm) /* every prompt once on every server */
      client = (int)(i / b->o->distinct), prompt = (int)(i % b->o->distinct);
    else
      client = (int)(i % b->ncl), prompt = (int)(i % b->o->distinct);
    int rc = gf_generate(b->cl[client], b->req[prompt], &go, &cbs, s, NULL);
    b->started++;
    if (rc) { /* nothing started: counted as a failure at once */
      b->done++;
      if (!b->warm) {
        b->r->failed++;
        tally_error(b->r, gf_err_name(rc), "gf_generate refused");
      }
      continue;
    }
    b->inflight++;
  }
}

/* ---- clients -------------------------------------------------------------- */
static void on_client_closed(gf_client *c) {
  bench *b = gf_client_get_data(c);
  b->open_clients--;
}

static void close_clients(bench *b) {
  for (int i = 0; i < b->ncl; i++)
    if (b->cl[i]) {
      gf_client_close(b->cl[i], on_client_closed);
      b->cl[i] = NULL;
    }
}

static int open_clients(bench *b, int trace, char *err, size_t errlen) {
  b->ncl = b->t->nurls;
  for (int i = 0; i < b->ncl; i++) {
    gf_client_options co;
    gf_client_options_init(&co);
    co.base_url = b->t->urls[i];
    co.ca_file = b->t->ca_file;
    co.api_key = b->t->key;
    if (trace) {
      co.on_trace = on_trace;
      co.trace_ud = b;
    }
    if (b->o->max_attempts)
      co.max_attempts = b->o->max_attempts;
    if (b->o->max_connecting)
      co.max_connecting = b->o->max_connecting;
    if (b->o->connect_timeout_s > 0)
      co.connect_timeout_ms = (uint64_t)(b->o->connect_timeout_s * 1000);
    co.compressed = b->o->compressed;
    int rc = gf_client_new(&b->loop, &co, &b->cl[i]);
    if (rc) {
      snprintf(err, errlen, "gf_client_new(%s): %s", b->t->urls[i],
               gf_strerror(rc));
      close_clients(b);
      return -1;
    }
    gf_client_set_data(b->cl[i], b);
    b->open_clients++;
  }
  return 0;
}

static void finish(bench *b) {
  if (b->warm) {
    close_clients(b);
    return;
  }
  gfb_result *r = b->r;
  double u, s;
  gfb_cpu_self(&u, &s);
  r->wall_s = (double)(uv_hrtime() - b->t0) / 1e9;
  r->cpu_user_s = u - b->user0;
  r->cpu_sys_s = s - b->sys0;
  r->maxrss_kb = gfb_maxrss_kb();
  long long rx = gfb_read_bytes();
  r->rx_bytes = rx >= 0 && b->rx0 >= 0 ? rx - b->rx0 : -1;
  r->sim_cpu_s = -1;
  if (b->nsims) {
    double now = 0;
    for (int i = 0; i < b->nsims; i++)
      now += gfb_proc_cpu_s(b->sim_pids[i]);
    r->sim_cpu_s = now - b->sim0;
  }
  uv_timer_stop(&b->sampler);
  close_clients(b);
}

/* ---- the run -------------------------------------------------------------- */
static int phase(bench *b, int warm, long total, long limit, char *err,
                 size_t errlen) {
  b->warm = warm;
  b->total = total, b->limit = limit;
  b->started = b->done = b->inflight = 0;
  if (open_clients(b, !warm && !b->o->no_trace, err, errlen))
    return -1;
  if (!warm) {
    b->r->rss_idle_kb = gfb_rss_kb();
    b->sim0 = 0;
    for (int i = 0; i < b->nsims; i++)
      b->sim0 += gfb_proc_cpu_s(b->sim_pids[i]);
    gfb_cpu_self(&b->user0, &b->sys0);
    b->rx0 = gfb_read_bytes();
    b->t0 = uv_hrtime();
    uv_timer_start(&b->sampler, on_sample, SAMPLE_MS, SAMPLE_MS);
  }
  start_more(b);
  sample(b);
  if (b->done == b->total) /* every gf_generate refused */
    finish(b);
  uv_run(&b->loop, UV_RUN_DEFAULT);
  return 0;
}

int gfb_run(const gfb_opts *o, const gfb_target *t, const gfb_expect *expect,
            const pid_t *sim_pids, int nsims, gfb_result *r, char *err,
            size_t errlen) {
  memset(r, 0, sizeof *r);
  r->n = o->n, r->c = o->c;
  r->rlimit_nofile = (int)gfb_raise_nofile();
  bench b = {.o = o, .t = t, .ex = expect, .r = r, .sim_pids = sim_pids,
             .nsims = nsims};
  long warm_total = o->warmup ? (long)o->distinct * t->nurls : 0;
  long nslots = o->n > warm_total ? o->n : warm_total;
  b.slots = calloc((size_t)nslots, sizeof *b.slots);
  for (int k = 0; k < GFB_NLAT; k++)
    r->lat[k] = calloc((size_t)o->n, sizeof(double));
  int rc = -1;
  if (!b.slots || !r->lat[GFB_NLAT - 1] || !r->lat[0] || !r->lat[1] ||
      !r->lat[2]) {
    snprintf(err, errlen, "out of memory");
    goto out;
  }
  if (uv_loop_init(&b.loop)) {
    snprintf(err, errlen, "uv_loop_init failed");
    goto out;
  }
  uv_timer_init(&b.loop, &b.sampler);
  b.sampler.data = &b;
  for (int i = 0; i < o->distinct; i++) {
    char prompt[GFB_PROMPT_MAX];
    gfb_prompt(o, i, prompt, sizeof prompt);
    gf_request *q = b.req[i] = gf_request_new();
    if (!q || gf_request_set_prompt(q, prompt) ||
        gf_request_set_aspect(q, o->ratio) || gf_request_set_size(q, o->size)) {
      snprintf(err, errlen, "bad request (ratio %s, size %s?)", o->ratio,
               o->size);
      goto close;
    }
  }
  if (warm_total && phase(&b, 1, warm_total, warm_total, err, errlen))
    goto close;
  if (phase(&b, 0, o->n, o->c, err, errlen))
    goto close;
  rc = 0;
  for (int k = 0; k < GFB_NLAT; k++)
    gfb_sort(r->lat[k], r->nlat[k]);
close:
  for (int i = 0; i < o->distinct; i++)
    gf_request_free(b.req[i]);
  uv_close((uv_handle_t *)&b.sampler, NULL);
  uv_run(&b.loop, UV_RUN_DEFAULT);
  if (uv_loop_close(&b.loop))
    fprintf(stderr, "gemflow-bench: the loop still has handles\n");
out:
  free(b.slots);
  return rc;
}

void gfb_result_free(gfb_result *r) {
  for (int k = 0; k < GFB_NLAT; k++) {
    free(r->lat[k]);
    r->lat[k] = NULL;
  }
}
