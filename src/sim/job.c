#include "sim/job.h"

#include <json-c/json.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "gemflow.h"
#include "common/sha256.h"
#include "http/http.h"
#include "sim/picture.h"
#include "sim/sim.h"

static void stamp(gf__sim_job *j);
static void read_marks(gf__sim_job *j, gf__sim_tally *tally);
static int http_fault(gf__sim_job *j);
static void place_head_cut(gf__sim_job *j);
static void apply_marks(gf__sim_job *j, const gf__sim_cfg *cfg);
static int start_images(gf__sim_job *j, gf__sim_cache *cache);

gf__sim_job *gf__sim_job_new(const gf__sim_cfg *cfg, const gf__sim_rx *rx) {
  gf__sim_job *j = calloc(1, sizeof *j);
  if (!j)
    return NULL;
  gf__sim_req_init(&j->req);
  gf__buf_init(&j->stripped, 0);
  gf__queue_init(&j->node);
  stamp(j);
  j->status = 200;
  char qkey[512] = "";
  int bad = 0;
  if (rx->too_big) {
    gf__sim_err_set(&j->err, 413, "INVALID_ARGUMENT",
                    "Request payload size exceeds the limit: %u bytes.",
                    GF_SIM_BODY_MAX);
    j->err.close = 1;
    bad = 1;
  } else {
    bad = gf__sim_req_target(&j->req, rx->method, rx->target, qkey,
                             sizeof qkey, &j->err) != 0;
  }
  /* what came, for the log, whether or not the request gets further */
  const char *key = gf__sim_req_pick_key(&j->req, rx->header_key, qkey);
  gf__sim_req_note_body(&j->req, rx->root);
  j->req.lenient = cfg->passthrough;
  if (!bad && gf__sim_req_key(&j->req, key, &cfg->keys, &j->err) == 0 &&
      gf__sim_req_body(&j->req, rx->root, cfg->seed, &j->err) == 0) {
    j->have_req = 1;
    if (gf__sim_marks_parse(j->req.prompt, j->req.plen, &j->marks,
                            &j->stripped) ||
        gf__buf_append(&j->stripped, "", 0))
      gf__sim_err_set(&j->err, 500, "INTERNAL", "Out of memory.");
    else {
      read_marks(j, cfg->tally);
      if (!http_fault(j)) {
        apply_marks(j, cfg);
        place_head_cut(j);
      }
    }
    /* markers are framing, not prompt: they cost no tokens */
    j->req.prompt_tokens = (int)((j->stripped.len + 3) / 4) +
                           GF_SIM_REF_TOKENS * j->req.nrefs;
    if (j->req.prompt_tokens < 1)
      j->req.prompt_tokens = 1;
  }
  j->gzip = cfg->gzip == GF_SIM_GZIP_ALWAYS ||
            (cfg->gzip == GF_SIM_GZIP_AUTO && rx->accepts_gzip);
  if (j->err.status) {
    j->status = j->err.status;
    return j;
  }
  if (j->html || j->head_cut) /* no stream: nothing to plan */
    return j;
  gf__sim_plan_in in = {&j->req,
                        j->stripped.data,
                        j->stripped.len,
                        j->framing,
                        j->marks.faults,
                        {j->req.model, j->create_time, j->response_id},
                        j->delay[0] ? j->delay : NULL};
  if (gf__sim_plan_build(&j->plan, &in) || start_images(j, cfg->cache)) {
    gf__sim_plan_free(&j->plan);
    gf__sim_err_set(&j->err, 500, "INTERNAL", "Out of memory.");
    j->status = 500;
    return j;
  }
  gf__sim_prod_init(&j->prod, &j->plan);
  for (int k = 0; k < GF_SIM_SLOTS; k++)
    j->prod.imgs[k] = j->imgs[k];
  if (j->gzip && gf__sim_zprod_init(&j->zprod, &j->prod)) {
    gf__sim_err_set(&j->err, 500, "INTERNAL", "Out of memory.");
    j->status = 500;
  }
  return j;
}

void gf__sim_job_free(gf__sim_job *j) {
  if (!j)
    return;
  for (int k = 0; k < GF_SIM_SLOTS; k++)
    gf__sim_img_unref(j->imgs[k]);
  gf__sim_plan_free(&j->plan);
  gf__sim_zprod_free(&j->zprod);
  gf__sim_req_free(&j->req);
  gf__buf_free(&j->stripped);
  free(j);
}

/* createTime as the service writes it, and a response id in its style. */
static void stamp(gf__sim_job *j) {
  static uint64_t seq;
  struct timeval tv;
  gettimeofday(&tv, NULL);
  struct tm tm;
  time_t t = tv.tv_sec;
  gmtime_r(&t, &tm);
  size_t n = strftime(j->create_time, sizeof j->create_time,
                      "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(j->create_time + n, sizeof j->create_time - n, ".%06ldZ",
           (long)tv.tv_usec);
  static const char alpha[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  uint64_t seed = ((uint64_t)tv.tv_sec << 20) ^ (uint64_t)tv.tv_usec ^
                  (++seq << 40), x = 0;
  for (int i = 0; i < 22; i++) {
    if (i % 10 == 0) /* 10 characters of 6 bits from each 64-bit draw */
      x = gf__sim_mix64(seed + (uint64_t)i);
    j->response_id[i] = alpha[x & 63];
    x >>= 6;
  }
  j->response_id[22] = '\0';
}

/* What the markers say beyond the framing: [[times:N]] (counted here, as
 * the request is answered: past N this prompt's faults no longer apply)
 * and [[retry-delay:MS]]'s text. */
static void read_marks(gf__sim_job *j, gf__sim_tally *tally) {
  gf__sim_marks *m = &j->marks;
  if (m->times) {
    unsigned n = tally ? gf__sim_tally_add(tally, j->req.prompt, j->req.plen)
                       : 0;
    if (n > (unsigned long)m->times)
      m->faults = 0;
  }
  if (m->retry_delay_ms >= 0)
    gf__sim_delay_text(m->retry_delay_ms, j->delay);
}

/* The retry hints of a 429 or 503: the service's usual ones, or only those
 * the markers give. */
static void retry_hints(gf__sim_job *j) {
  if (j->marks.retry_delay_ms < 0 && j->marks.retry_after < 0) {
    j->err.retry_delay = "1.5s";
    j->err.retry_after = 2;
    return;
  }
  j->err.retry_delay = j->delay[0] ? j->delay : NULL;
  j->err.retry_after = (int)j->marks.retry_after;
}

/* [[fault:429]], [[fault:503]], [[fault:500]]: the service's answers when
 * it is out of quota, overloaded, or broken; 502 and 504 a gateway's; 3xx
 * a redirect; html200 a proxy's page. The first one given in this order
 * is the answer: 1, or 0 when none is given. */
static int http_fault(gf__sim_job *j) {
  unsigned f = j->marks.faults;
  gf__sim_err *e = &j->err;
  if (f & GF_SIM_F_429) {
    gf__sim_err_set(e, 429, "RESOURCE_EXHAUSTED",
                    "Resource has been exhausted (e.g. check quota).");
    retry_hints(j);
  } else if (f & GF_SIM_F_503) {
    gf__sim_err_set(e, 503, "UNAVAILABLE",
                    "The model is overloaded. Please try again later.");
    retry_hints(j);
  } else if (f & GF_SIM_F_500) {
    gf__sim_err_set(e, 500, "INTERNAL",
                    "An internal error has occurred. Please retry or report "
                    "in https://developers.generativeai.google/guide/"
                    "troubleshooting");
  } else if (f & GF_SIM_F_502) {
    gf__sim_err_set(e, 502, "UNAVAILABLE",
                    "Bad Gateway: the upstream server sent an invalid "
                    "response.");
  } else if (f & GF_SIM_F_504) {
    gf__sim_err_set(e, 504, "DEADLINE_EXCEEDED",
                    "Deadline expired before operation could complete.");
  } else if (f & GF_SIM_F_3XX) {
    gf__sim_err_set(e, 307, "REDIRECT", "Temporary Redirect");
  } else if (f & GF_SIM_F_HTML200) {
    j->html = 1;
  } else {
    return 0;
  }
  return 1;
}

/* [[at:head]] and [[at:headers]] are the connection's to carry out. */
static void place_head_cut(gf__sim_job *j) {
  unsigned conn = gf__sim_conn_fault(j->marks.faults);
  int at = j->framing.at;
  if (!conn || (at != GF_SIM_AT_HEAD && at != GF_SIM_AT_HEADERS))
    return;
  j->head_cut = at;
  j->cut_end = conn == GF_SIM_F_RESET ? GF_SIM_RESET
               : conn == GF_SIM_F_EOF ? GF_SIM_EOF
                                      : GF_SIM_CLOSE;
}

static void apply_marks(gf__sim_job *j, const gf__sim_cfg *cfg) {
  j->framing = cfg->framing;
  gf__sim_marks_apply(&j->marks, j->req.sse, &j->framing);
}

static int start_images(gf__sim_job *j, gf__sim_cache *cache) {
  for (int k = 0; k < GF_SIM_SLOTS; k++) {
    const gf__sim_slot *s = &j->plan.slots[k];
    if (!s->used)
      continue;
    int rc = gf__sim_cache_get(cache, j->stripped.data, j->stripped.len,
                               s->seed, s->w, s->h, &j->imgs[k]);
    if (rc)
      return rc;
  }
  return 0;
}

/* ---- head ---- */

int gf__sim_job_waits(const gf__sim_job *j) {
  if (j->status != 200 || j->framing.body != GF_SIM_BODY_LENGTH)
    return -1;
  for (int k = 0; k < GF_SIM_SLOTS; k++)
    if (j->plan.slots[k].used && (!j->imgs[k] || j->imgs[k]->status != 0))
      return k;
  return -1;
}

/* A 200's head: chunked, with the body's length, or neither (the body ends
 * with the connection; the http writer always frames a body, so this one
 * is written here). */
static int ok_head(const gf__sim_job *j, const gf__http_header *h, size_t n,
                   gf__buf *out) {
  uint64_t len;
  int rc;
  switch (j->framing.body) {
  case GF_SIM_BODY_LENGTH:
    rc = j->gzip ? gf__sim_zplan_length(&j->plan, j->imgs, GF_SIM_PIECE, &len)
                 : gf__sim_plan_length(&j->plan, j->imgs, &len);
    if (rc)
      return rc;
    return gf__http_write_response_head(out, 200, h, n, (int64_t)len);
  case GF_SIM_BODY_CLOSE:
    rc = gf__buf_printf(out, "HTTP/1.1 200 %s\r\n", gf__http_reason(200));
    for (size_t i = 0; !rc && i < n; i++)
      rc = gf__buf_printf(out, "%s: %s\r\n", h[i].name, h[i].value);
    return rc ? rc : gf__buf_append(out, "\r\n", 2);
  default:
    return gf__http_write_response_head(out, 200, h, n, -1);
  }
}

int gf__sim_job_streams(const gf__sim_job *j) {
  return j->status == 200 && !j->html;
}

int gf__sim_job_next(gf__sim_job *j, gf__buf *out, size_t max, unsigned *ms,
                     int *slot) {
  return j->gzip ? gf__sim_zprod_next(&j->zprod, out, max, ms, slot)
                 : gf__sim_prod_next(&j->prod, out, max, ms, slot);
}

/* [[fault:1xx]], [[fault:1xx-flood]]: interim responses first, as a CDN
 * sends them. */
static int interims(const gf__sim_job *j, gf__buf *out) {
  unsigned f = j->marks.faults;
  int n = f & GF_SIM_F_1XX_FLOOD ? GF_SIM_INTERIM_FLOOD
          : f & GF_SIM_F_1XX     ? 1
                                 : 0;
  const gf__http_header link = {"Link",
                                "</static/sim.css>; rel=preload; as=style"};
  int rc = 0;
  for (int i = 0; !rc && i < n; i++)
    rc = gf__http_write_response_head(out, 103, &link, 1, -1);
  return rc;
}

/* The HTML of a 307 (as a Google front end writes it) or of the page a
 * proxy puts in place of the answer. */
static int html_body(const gf__sim_job *j, const char *location,
                     gf__buf *body) {
  if (!j->html)
    return gf__buf_printf(
        body,
        "<HTML><HEAD><meta http-equiv=\"content-type\" "
        "content=\"text/html;charset=utf-8\">\n"
        "<TITLE>%d %s</TITLE></HEAD><BODY>\n<H1>%d %s</H1>\n"
        "The document has moved\n<A HREF=\"%s\">here</A>.\n</BODY></HTML>\n",
        j->status, gf__http_reason(j->status), j->status,
        gf__http_reason(j->status), location);
  return gf__buf_printf(
      body, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<title>Sign in</title></head>\n<body><h1>Sign in to continue"
            "</h1>\n<p>This network requires you to sign in before you can "
            "reach the Internet.</p>\n<form method=\"post\" action=\"/login\">"
            "<input name=\"user\"> <input type=\"password\" name=\"pass\"> "
            "<button>Sign in</button></form>\n</body></html>\n");
}

/* [[at:headers]]: the final head (from offset head in out) stops halfway
 * through its header lines, after the status line, before the blank
 * line. */
static void cut_headers(gf__buf *out, size_t head) {
  const char *p = out->data + head, *end = out->data + out->len;
  const char *line = memmem(p, (size_t)(end - p), "\r\n", 2);
  const char *blank = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
  if (line && blank)
    gf__buf_truncate(out, (size_t)(line + 2 - out->data) +
                              (size_t)(blank - line - 2) / 2);
}

int gf__sim_job_head(const gf__sim_job *j, int keep_alive, gf__buf *out) {
  gf__http_header h[12];
  size_t n = 0, mark = out->len;
  char date[64], retry[16], location[300] = "";
  time_t now = time(NULL);
  struct tm tm;
  gmtime_r(&now, &tm);
  strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  int ok = gf__sim_job_streams(j);
  int page = j->html || j->status / 100 == 3;
  const char *type = page                      ? "text/html; charset=UTF-8"
                     : ok && !j->framing.array ? "text/event-stream"
                                               : "application/json; "
                                                 "charset=UTF-8";
  h[n++] = (gf__http_header){"Content-Type", type};
  h[n++] = (gf__http_header){"Date", date};
  h[n++] = (gf__http_header){"Server", "gemflow-sim"};
  h[n++] = (gf__http_header){"Vary", "Origin, X-Origin, Referer"};
  h[n++] = (gf__http_header){"X-Content-Type-Options", "nosniff"};
  if (j->status / 100 == 3) {
    snprintf(location, sizeof location,
             "https://elsewhere.example/v1beta/models/%s:"
             "streamGenerateContent%s",
             j->req.model[0] ? j->req.model : "gemini-3-pro-image-preview",
             j->req.sse ? "?alt=sse" : "");
    h[n++] = (gf__http_header){"Location", location};
  }
  if (j->err.status && j->err.retry_after >= 0) {
    snprintf(retry, sizeof retry, "%d", j->err.retry_after);
    h[n++] = (gf__http_header){"Retry-After", retry};
  }
  if (j->status == 405)
    h[n++] = (gf__http_header){"Allow", "POST"};
  if (!keep_alive || (!ok && j->err.close) ||
      (ok && j->framing.body == GF_SIM_BODY_CLOSE))
    h[n++] = (gf__http_header){"Connection", "close"};
  if (j->gzip)
    h[n++] = (gf__http_header){"Content-Encoding", "gzip"};
  gf__buf pad, body, zbody;
  gf__buf_init(&pad, 0);
  gf__buf_init(&body, 0);
  gf__buf_init(&zbody, 0);
  int rc = 0;
  if (j->marks.faults & GF_SIM_F_BIGHEADERS) {
    /* one header larger than a client's whole head should be */
    for (size_t i = 0; !rc && i < GF_SIM_BIG_HEADER; i++)
      rc = gf__buf_appendc(&pad, "0123456789abcdef"[i % 16]);
    h[n++] = (gf__http_header){"X-Sim-Padding", pad.data};
  }
  if (!rc)
    rc = interims(j, out);
  size_t head = out->len;
  if (!rc && ok) {
    rc = ok_head(j, h, n, out);
  } else if (!rc) {
    rc = page ? html_body(j, location, &body)
              : gf__sim_err_json(&j->err, 1, &body);
    if (!rc && !page)
      rc = gf__buf_append(&body, "\n", 1);
    if (!rc && j->gzip)
      rc = gf__sim_gz_whole(body.data, body.len, &zbody);
    const gf__buf *b = j->gzip ? &zbody : &body;
    if (!rc)
      rc = gf__http_write_response_head(out, j->status, h, n,
                                        (int64_t)b->len);
    if (!rc)
      rc = gf__buf_append(out, b->data, b->len);
  }
  if (!rc && j->head_cut == GF_SIM_AT_HEADERS)
    cut_headers(out, head);
  if (rc)
    gf__buf_truncate(out, mark);
  gf__buf_free(&pad);
  gf__buf_free(&body);
  gf__buf_free(&zbody);
  return rc;
}

/* ---- log ---- */

static void add_str(json_object *o, const char *k, const char *v) {
  json_object_object_add(o, k, v ? json_object_new_string(v) : NULL);
}

int gf__sim_job_log(const gf__sim_job *j, FILE *f, int aborted) {
  json_object *o = json_object_new_object();
  if (!o)
    return GF_ENOMEM;
  gf__buf faults;
  gf__buf_init(&faults, 0);
  gf__sim_fault_names(j->marks.faults, &faults);
  const gf__sim_img *img = j->plan.serves_result ? j->imgs[0] : NULL;
  if (img && img->status != 0)
    img = NULL;
  json_object_object_add(
      o, "prompt",
      j->have_req ? json_object_new_string_len(j->req.prompt, (int)j->req.plen)
                  : NULL);
  json_object_object_add(o, "status", json_object_new_int(j->status));
  add_str(o, "fault", faults.len ? faults.data : NULL);
  add_str(o, "mime", img ? "image/png" : NULL);
  json_object_object_add(o, "bytes",
                         json_object_new_int64(img ? (int64_t)img->png_len : 0));
  json_object_object_add(o, "width", json_object_new_int(j->have_req ? j->req.w : 0));
  json_object_object_add(o, "height", json_object_new_int(j->have_req ? j->req.h : 0));
  add_str(o, "sha256", img ? img->sha_hex : NULL);
  json_object_object_add(o, "key_ok", json_object_new_boolean(j->req.key_ok));
  add_str(o, "model", j->req.model[0] ? j->req.model : NULL);
  add_str(o, "aspect", j->have_req ? j->req.aspect : NULL);
  add_str(o, "size", j->have_req ? j->req.size : NULL);
  json_object_object_add(o, "seed", json_object_new_uint64(j->req.seed));
  json_object_object_add(o, "refs", json_object_new_int(j->req.nrefs));
  json_object_object_add(
      o, "sse",
      json_object_new_boolean(gf__sim_job_streams(j) && !j->framing.array));
  json_object_object_add(o, "aborted", json_object_new_boolean(aborted));
  /* the body went out compressed (no body at all when the connection was
   * cut before the head ended) */
  json_object_object_add(o, "gzip",
                         json_object_new_boolean(j->gzip && !j->head_cut));
  /* what reached the wire, whatever the answer was (never the key) */
  add_str(o, "key_from", j->req.key_from);
  json_object_object_add(o, "modalities", json_object_get(j->req.modalities));
  json_object_object_add(o, "search", json_object_new_boolean(j->req.search));
  json_object_object_add(o, "alt_sse", json_object_new_boolean(j->req.sse));
  json_object_object_add(o, "turns", json_object_new_int(j->req.turns));
  add_str(o, "signatures", gf__sim_req_signatures(&j->req));
  const char *s = json_object_to_json_string_ext(
      o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  int rc = s && fprintf(f, "%s\n", s) > 0 && fflush(f) == 0 ? 0 : GF_EIO;
  json_object_put(o);
  gf__buf_free(&faults);
  return rc;
}

/* ---- [[times:N]] counts ---- */

/* Open addressing, linear probing; a count of 0 marks a free slot. Nothing
 * is ever removed, so probing needs no tombstones. */
typedef struct gf__sim_tally_e {
  unsigned char sha[32];
  unsigned count;
} gf__sim_tally_e;

struct gf__sim_tally {
  gf__sim_tally_e *e;
  size_t cap, used; /* cap: a power of two, at least twice used */
};

gf__sim_tally *gf__sim_tally_new(void) {
  return calloc(1, sizeof(gf__sim_tally));
}

void gf__sim_tally_free(gf__sim_tally *t) {
  if (t)
    free(t->e);
  free(t);
}

static gf__sim_tally_e *tally_slot(gf__sim_tally_e *e, size_t cap,
                                   const unsigned char sha[32]) {
  uint64_t h;
  memcpy(&h, sha, sizeof h);
  for (size_t i = (size_t)h & (cap - 1);; i = (i + 1) & (cap - 1))
    if (!e[i].count || !memcmp(e[i].sha, sha, 32))
      return &e[i];
}

static int tally_grow(gf__sim_tally *t) {
  size_t cap = t->cap ? 2 * t->cap : 256;
  gf__sim_tally_e *e = calloc(cap, sizeof *e);
  if (!e)
    return GF_ENOMEM;
  for (size_t i = 0; i < t->cap; i++)
    if (t->e[i].count)
      *tally_slot(e, cap, t->e[i].sha) = t->e[i];
  free(t->e);
  t->e = e;
  t->cap = cap;
  return 0;
}

unsigned gf__sim_tally_add(gf__sim_tally *t, const char *p, size_t n) {
  unsigned char sha[32];
  gf__sha256 s;
  gf__sha256_init(&s);
  gf__sha256_update(&s, p, n);
  gf__sha256_final(&s, sha);
  gf__sim_tally_e *e = t->cap ? tally_slot(t->e, t->cap, sha) : NULL;
  if (e && e->count)
    return e->count < UINT_MAX ? ++e->count : e->count;
  if (t->used == GF_SIM_TALLY_MAX)
    return 0;
  if (2 * (t->used + 1) > t->cap) {
    if (tally_grow(t))
      return 0;
    e = tally_slot(t->e, t->cap, sha);
  }
  memcpy(e->sha, sha, 32);
  t->used++;
  return e->count = 1;
}
