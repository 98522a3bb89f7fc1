/* The exchange: one attempt's response bytes to events and one outcome.
 * Every parser callback returns x->stop once the outcome is decided, which
 * unwinds the parsers without another callback reaching the owner. */
#include "client/exchange.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "client/redact.h"
#include "common/buf.h"
#include "http/http.h"
#include "sse/sse.h"

/* BODY_SNIFF: a 2xx body whose first byte decides: '[' is the JSON-array
 * form whatever the Content-Type says, anything else body_next. */
enum { BODY_NONE, BODY_SNIFF, BODY_SSE, BODY_ARRAY, BODY_ERROR };

struct gf__xch {
  gf__xch_opts o;
  gf__ev_cbs cbs;
  gf__xch_trace_fn trace;
  void *ud;
  gf__http_resp *http;
  gf__sse *sse;
  gf__evdec *evdec;
  int body_mode, body_next;
  char content_type[64];
  char location_host[128]; /* of a redirect's Location, printable */
  double header_retry_s;  /* Retry-After, -1 when absent */
  gf__buf errbody;        /* a non-2xx body, bounded */
  gf__api_error api_error; /* parsed from errbody */
  uint64_t image_len;     /* decoded bytes of the image streaming now */
  int stop;               /* non-zero once decided: what callbacks return */
  int decided;
  gf__outcome out;
  char msg[512];
  int completed; /* decided by the response's end, not by an error */
  int fed;       /* a response byte came */
};

static const gf__http_resp_cbs http_cbs;
static const gf__sse_cbs sse_cbs;
static const gf__ev_cbs ev_cbs;
static void finish_stream(gf__xch *x, int transport_err, const char *msg);
static int stream_error(gf__xch *x, int rc);

/* ---- entry points ------------------------------------------------------- */

gf__xch *gf__xch_new(const gf__xch_opts *o, const gf__ev_cbs *cbs,
                     gf__xch_trace_fn trace, void *ud) {
  gf__xch *x = calloc(1, sizeof *x);
  if (!x)
    return NULL;
  x->o = *o;
  x->cbs = *cbs;
  x->trace = trace;
  x->ud = ud;
  x->header_retry_s = -1;
  x->api_error.retry_delay_s = -1;
  gf__buf_init(&x->errbody, GF__XCH_ERROR_BODY_MAX);
  x->http = gf__http_resp_new(&http_cbs, x);
  x->evdec = gf__evdec_new(&ev_cbs, x, o->max_event_bytes);
  if (!x->http || !x->evdec ||
      (o->max_json_depth && gf__evdec_max_depth(x->evdec, o->max_json_depth))) {
    gf__xch_free(x);
    return NULL;
  }
  gf__http_resp_limits(x->http, o->max_header_bytes, o->max_headers);
  gf__evdec_share_blocks(x->evdec, o->img_blocks);
  x->out.summary = gf__evdec_summary(x->evdec);
  x->out.retry_after_s = x->out.retry_wait_s = -1;
  return x;
}

void gf__xch_free(gf__xch *x) {
  if (!x)
    return;
  if (x->http)
    gf__http_resp_free(x->http);
  if (x->sse)
    gf__sse_free(x->sse);
  if (x->evdec)
    gf__evdec_free(x->evdec);
  gf__buf_free(&x->errbody);
  gf__api_error_free(&x->api_error);
  free(x);
}

int gf__xch_feed(gf__xch *x, const char *p, size_t n) {
  x->fed |= n > 0;
  if (x->decided)
    return 1;
  int rc = gf__http_resp_feed(x->http, p, n);
  /* decoded image bytes go out before the loop runs another stream, which
   * may borrow the same block */
  int yrc = gf__evdec_yield(x->evdec);
  if (rc || yrc)
    stream_error(x, rc ? rc : yrc);
  return x->decided;
}

void gf__xch_end(gf__xch *x, int err, const char *msg) {
  if (x->decided)
    return;
  if (err == 0 || err == GF_ETRUNCATED) {
    /* A body that ends with the connection is complete only after a clean
     * TLS close; without close_notify it may have been cut. */
    int rc = err == 0 ? gf__http_resp_eof(x->http) : GF_ETRUNCATED;
    if (x->decided)
      return; /* on_complete ran */
    err = rc ? rc : GF_ETRUNCATED;
    if (x->out.http_status == 0)
      msg = "connection closed before a response arrived";
  }
  finish_stream(x, err, msg);
}

const gf__outcome *gf__xch_outcome(const gf__xch *x) {
  return x->decided ? &x->out : NULL;
}

const gf__outcome *gf__xch_progress(const gf__xch *x) { return &x->out; }

int gf__xch_reusable(const gf__xch *x) {
  return x->completed && gf__http_resp_reusable(x->http);
}

int gf__xch_started(const gf__xch *x) { return x->fed; }

/* ---- the outcome -------------------------------------------------------- */

static void trace(gf__xch *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void trace(gf__xch *x, const char *fmt, ...) {
  if (!x->trace)
    return;
  va_list ap;
  va_start(ap, fmt);
  x->trace(x->ud, fmt, ap);
  va_end(ap);
}

static double later_of(double a, double b) { return a > b ? a : b; }

/* x->msg from a format: written whole, the key redacted, then cut to
 * size, so that a key straddling the cut cannot leave its prefix. */
static void set_message(gf__xch *x, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_message(gf__xch *x, const char *fmt, ...) {
  char *whole = NULL;
  va_list ap;
  va_start(ap, fmt);
  int n = vasprintf(&whole, fmt, ap);
  va_end(ap);
  if (n < 0) {
    snprintf(x->msg, sizeof x->msg, "%s", gf_strerror(GF_ENOMEM));
    return;
  }
  gf__redact(x->o.secret, whole);
  snprintf(x->msg, sizeof x->msg, "%s", whole);
  free(whole);
}

/* The one place the outcome is set. e: the error object behind it. */
static void decide(gf__xch *x, int status, const char *msg,
                   const gf__api_error *e) {
  if (x->decided)
    return;
  x->decided = 1;
  x->stop = status ? status : 1;
  gf__outcome *o = &x->out;
  o->status = status;
  o->retry_after_s = o->retry_wait_s = x->header_retry_s;
  if (e) {
    o->api_status = e->status;
    o->api_code = e->code;
    if (e->retry_delay_s >= 0) /* the more precise of the two */
      o->retry_after_s = e->retry_delay_s;
    o->retry_wait_s = later_of(o->retry_wait_s, e->retry_delay_s);
  }
  if (msg && msg != x->msg)
    set_message(x, "%s", msg);
  o->message = x->msg[0] ? x->msg : NULL;
}

static void fail_with_api_error(gf__xch *x, int code, const gf__api_error *e) {
  int status = e->code ? e->code : x->out.http_status;
  set_message(x, "%s%d %s: %s", code == GF_ESTATUS ? "HTTP " : "error ",
              status, e->status ? e->status : gf__http_reason(status),
              e->message ? e->message : "(no message)");
  decide(x, code, x->msg, e);
}

/* The start of the gathered body, printable characters only, at most
 * GF__EXCERPT of them: the key is redacted before the cut. */
#define GF__EXCERPT 200

static char *excerpt(const gf__xch *x) {
  size_t keylen = x->o.secret ? strlen(x->o.secret) : 0;
  size_t n = x->errbody.len < GF__EXCERPT + keylen ? x->errbody.len
                                                   : GF__EXCERPT + keylen;
  char *e = malloc(n + 1);
  if (!e)
    return NULL;
  for (size_t i = 0; i < n; i++) {
    char ch = x->errbody.data[i];
    e[i] = ch >= 0x20 && ch < 0x7f ? ch : ' ';
  }
  e[n] = '\0';
  gf__redact(x->o.secret, e);
  if (strlen(e) > GF__EXCERPT)
    e[GF__EXCERPT] = '\0';
  return e;
}

/* "<head>: <excerpt>", or the head alone for an empty body. */
static void message_with_excerpt(gf__xch *x, const char *head) {
  char *e = x->errbody.len ? excerpt(x) : NULL;
  if (e)
    set_message(x, "%s: %s", head, e);
  else
    set_message(x, "%s", head);
  free(e);
}

/* A non-2xx answer: Google's error JSON, or the start of whatever it was,
 * printable characters only. */
static void finish_error_body(gf__xch *x) {
  int st = x->out.http_status;
  if (st >= 300 && st < 400) { /* the service never redirects: a proxy */
    set_message(x, "HTTP %d %s: redirected to %s; redirects are not "
                "followed (check the base URL)", st, gf__http_reason(st),
                x->location_host[0] ? x->location_host : "nowhere given");
    decide(x, GF_ESTATUS, x->msg, NULL);
    return;
  }
  const char *body = x->errbody.data ? x->errbody.data : "";
  if (gf__gemini_parse_error(body, x->errbody.len, &x->api_error) == 0) {
    fail_with_api_error(x, GF_ESTATUS, &x->api_error);
    return;
  }
  char head[64];
  snprintf(head, sizeof head, "HTTP %d %s", x->out.http_status,
           gf__http_reason(x->out.http_status));
  message_with_excerpt(x, head);
  decide(x, GF_ESTATUS, x->msg, NULL);
}

/* A 2xx body that is no event stream and no JSON (an HTML page from a
 * proxy): a protocol error, not worth a retry. */
static void fail_not_stream(gf__xch *x) {
  char head[160];
  snprintf(head, sizeof head, "HTTP %d but the body is not an event "
           "stream (Content-Type %s)", x->out.http_status,
           x->content_type[0] ? x->content_type : "absent");
  message_with_excerpt(x, head);
  decide(x, GF_EHTTP, x->msg, NULL);
}

static void fail_verdict(gf__xch *x, int v, const gf__gem_summary *s) {
  char m[300];
  switch (v) {
  case GF_EBLOCKED:
    snprintf(m, sizeof m, "prompt blocked: %s", s->block_reason);
    break;
  case GF_EFINISH:
    snprintf(m, sizeof m, "finish reason %s", s->finish_reason);
    break;
  case GF_ENOIMAGE:
    snprintf(m, sizeof m, "finish reason %s but no image in the response",
             s->finish_reason ? s->finish_reason : "STOP");
    break;
  default:
    snprintf(m, sizeof m, "%s", gf_strerror(v));
  }
  decide(x, v, m, NULL);
}

/* The decoder's view of the end of a 2xx body: the last event if the
 * stream ended without a blank line after it, then the end of the body. */
static int finish_body(gf__xch *x) {
  int rc = 0;
  if (x->body_mode == BODY_SSE && gf__sse_end(x->sse) &&
      gf__evdec_event_complete(x->evdec))
    rc = gf__evdec_event_end(x->evdec);
  if (!x->decided && (rc == 0 || rc == GF_EAPI))
    rc = gf__evdec_finish(x->evdec);
  return rc;
}

static void finish_stream(gf__xch *x, int transport_err, const char *msg) {
  if (x->decided)
    return;
  if (x->body_mode == BODY_SNIFF) /* an empty body: judge it as labelled */
    x->body_mode = x->body_next;
  if (x->body_mode == BODY_ERROR || x->body_mode == BODY_NONE) {
    if (x->out.http_status >= 200 && x->out.http_status < 300 && x->errbody.len)
      fail_not_stream(x);
    else if (x->out.http_status >= 200 && x->out.http_status < 300)
      decide(x, transport_err ? transport_err : GF_EHTTP, msg, NULL);
    else if (x->out.http_status == 0)
      decide(x, transport_err ? transport_err : GF_ETRUNCATED, msg, NULL);
    else
      finish_error_body(x);
    return;
  }
  int rc = finish_body(x);
  if (x->decided)
    return;
  const gf__gem_summary *s = gf__evdec_summary(x->evdec);
  if (s->have_error)
    fail_with_api_error(x, GF_EAPI, &s->error);
  else if (transport_err)
    decide(x, transport_err, msg, NULL);
  else if (rc)
    decide(x, rc, NULL, NULL);
  else if (gf__gemini_verdict(s) != GF_OK)
    fail_verdict(x, gf__gemini_verdict(s), s);
  else
    decide(x, GF_OK, NULL, NULL);
}

/* An error code out of a parser: a failure of the stream, unless the
 * outcome was already decided (a callback unwinding). */
static int stream_error(gf__xch *x, int rc) {
  if (x->decided)
    return rc;
  const gf__gem_summary *s = gf__evdec_summary(x->evdec);
  if (rc == GF_EAPI && s->have_error) {
    finish_stream(x, 0, NULL);
  } else if (rc == GF_EHTTP) {
    char m[200];
    snprintf(m, sizeof m, "malformed HTTP response: %s",
             gf__http_resp_errmsg(x->http));
    decide(x, rc, m, NULL);
  } else if (rc == GF_ETOOBIG && x->out.http_status == 0) {
    set_message(x, "the response headers are too large (a header over %zu "
                "bytes, or more than %u headers)",
                x->o.max_header_bytes ? x->o.max_header_bytes
                                      : (size_t)GF_HTTP_MAX_HEADER,
                x->o.max_headers ? x->o.max_headers : GF_HTTP_MAX_HEADERS);
    decide(x, rc, x->msg, NULL);
  } else if (rc == GF_ETOOBIG || rc == GF_EJSON) {
    set_message(x, rc == GF_EJSON ? "invalid JSON in event %d of the stream"
                                  : "event %d of the stream is larger than "
                                    "its limit",
                s->events + 1);
    decide(x, rc, x->msg, NULL);
  } else {
    decide(x, rc, NULL, NULL);
  }
  return rc;
}

/* ---- http callbacks ----------------------------------------------------- */

/* The host[:port] of an absolute Location ("https://h:1/x" -> "h:1"), or
 * "the same host" for a relative one: enough to say where the server
 * wanted to send us, nothing of its path or query. */
static void take_location_host(gf__xch *x, const char *v, size_t n) {
  const char *sep = memmem(v, n, "://", 3);
  const char *h = sep ? sep + 3 : NULL;
  size_t len = 0;
  if (h) {
    const char *end = h;
    while (end < v + n && !strchr("/?#", *end))
      end++;
    for (const char *at = h; at < end; at++) /* no user:password@ */
      if (*at == '@')
        h = at + 1;
    len = (size_t)(end - h);
    if (len >= sizeof x->location_host)
      len = sizeof x->location_host - 1;
  }
  if (!h || !len) {
    snprintf(x->location_host, sizeof x->location_host, "the same host");
    return;
  }
  for (size_t i = 0; i < len; i++)
    x->location_host[i] = h[i] > 0x20 && h[i] < 0x7f ? h[i] : '?';
  x->location_host[len] = '\0';
}

static int on_header(void *ud, const char *name, size_t nlen,
                     const char *value, size_t vlen) {
  gf__xch *x = ud;
  trace(x, "< %.*s: %.*s", (int)nlen, name, (int)vlen, value);
  if (nlen == 12 && strncasecmp(name, "content-type", 12) == 0) {
    size_t n = vlen < sizeof x->content_type ? vlen
                                             : sizeof x->content_type - 1;
    memcpy(x->content_type, value, n);
    x->content_type[n] = '\0';
  } else if (nlen == 8 && strncasecmp(name, "location", 8) == 0) {
    take_location_host(x, value, vlen);
  } else if (nlen == 11 && strncasecmp(name, "retry-after", 11) == 0) {
    x->header_retry_s = gf__http_parse_retry_after(value, vlen, x->o.now);
  }
  return 0;
}

static int on_headers_done(void *ud, int status) {
  gf__xch *x = ud;
  x->out.http_status = status;
  trace(x, "< HTTP %d %s", status, gf__http_reason(status));
  if (status < 200 || status > 299) {
    x->body_mode = BODY_ERROR;
    return x->stop;
  }
  x->body_mode = BODY_SNIFF;
  if (strncasecmp(x->content_type, "application/json", 16) == 0 ||
      (!strstr(x->content_type, "event-stream") && !x->o.want_sse)) {
    x->body_next = BODY_ARRAY;
  } else {
    x->body_next = BODY_SSE;
    if (!x->sse && !(x->sse = gf__sse_new(&sse_cbs, x, 0)))
      return stream_error(x, GF_ENOMEM);
  }
  return x->stop;
}

/* Servers that ignore alt=sse send the JSON array, some still labelled as
 * an event stream: the first byte that is not white space tells. */
static void sniff_body(gf__xch *x, const char **p, size_t *n) {
  while (*n && (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')) {
    (*p)++;
    (*n)--;
  }
  if (*n == 0)
    return;
  x->body_mode = **p == '[' ? BODY_ARRAY
                 : **p == '<' ? BODY_ERROR /* markup: a proxy's page */
                              : x->body_next;
  if (x->body_mode == BODY_ARRAY && x->body_next != BODY_ARRAY)
    trace(x, "* the body is a JSON array: reading it as such");
}

static int on_body(void *ud, const char *p, size_t n) {
  gf__xch *x = ud;
  if (x->body_mode == BODY_SNIFF)
    sniff_body(x, &p, &n);
  switch (x->body_mode) {
  case BODY_SNIFF:
    return 0; /* only white space so far */
  case BODY_SSE:
    return gf__sse_feed(x->sse, p, n);
  case BODY_ARRAY:
    return gf__evdec_array_feed(x->evdec, p, n);
  default:
    gf__buf_append(&x->errbody, p, n); /* past the limit: cut, not failed */
    return 0;
  }
}

static int on_complete(void *ud) {
  gf__xch *x = ud;
  if (x->decided)
    return x->stop;
  /* the natural end, whatever it decides: not a stop, so the parser can
   * tell whether the connection may carry the next request */
  x->completed = 1;
  finish_stream(x, 0, NULL);
  return 0;
}

static const gf__http_resp_cbs http_cbs = {on_header, on_headers_done,
                                           on_body, on_complete};

/* ---- sse callbacks ------------------------------------------------------ */

static int sse_data(void *ud, const char *p, size_t n) {
  gf__xch *x = ud;
  return gf__evdec_event_feed(x->evdec, p, n);
}

static int sse_dispatch(void *ud, const char *type, const char *id) {
  gf__xch *x = ud;
  return gf__evdec_event_end(x->evdec);
}

static int sse_retry(void *ud, uint64_t ms) { return 0; }

static int sse_other(void *ud, const char *line, size_t n) {
  gf__xch *x = ud;
  return gf__evdec_raw_line(x->evdec, line, n);
}

static const gf__sse_cbs sse_cbs = {sse_data, sse_dispatch, sse_retry, NULL,
                                    sse_other};

/* ---- events: passed on; a non-zero answer decides the outcome ---------- */

static int owner_says(gf__xch *x, int rc) {
  if (rc && !x->decided) {
    x->out.stopped = 1;
    decide(x, rc, NULL, NULL);
  }
  return x->stop;
}

static int ev_thought(void *ud, const char *t, size_t n) {
  gf__xch *x = ud;
  return owner_says(x, x->cbs.on_thought ? x->cbs.on_thought(x->ud, t, n) : 0);
}

static int ev_text(void *ud, const char *t, size_t n) {
  gf__xch *x = ud;
  return owner_says(x, x->cbs.on_text ? x->cbs.on_text(x->ud, t, n) : 0);
}

static int ev_image_begin(void *ud, const char *mime, int thought) {
  gf__xch *x = ud;
  x->image_len = 0;
  return owner_says(x, x->cbs.on_image_begin
                           ? x->cbs.on_image_begin(x->ud, mime, thought)
                           : 0);
}

static int ev_image_data(void *ud, const unsigned char *p, size_t n) {
  gf__xch *x = ud;
  x->out.image_bytes = 1;
  x->image_len += n;
  if (x->o.max_image_bytes && x->image_len > x->o.max_image_bytes) {
    set_message(x, "an image larger than the limit of %llu bytes",
                (unsigned long long)x->o.max_image_bytes);
    decide(x, GF_ETOOBIG, x->msg, NULL);
    return x->stop;
  }
  return owner_says(
      x, x->cbs.on_image_data ? x->cbs.on_image_data(x->ud, p, n) : 0);
}

static int ev_image_end(void *ud, const char *mime, int thought,
                        uint64_t bytes) {
  gf__xch *x = ud;
  return owner_says(x, x->cbs.on_image_end
                           ? x->cbs.on_image_end(x->ud, mime, thought, bytes)
                           : 0);
}

static int ev_usage(void *ud, const gf_usage *u) {
  gf__xch *x = ud;
  return owner_says(x, x->cbs.on_usage ? x->cbs.on_usage(x->ud, u) : 0);
}

static int ev_part(void *ud, const gf__ev_part *p) {
  gf__xch *x = ud;
  return owner_says(x, x->cbs.on_part ? x->cbs.on_part(x->ud, p) : 0);
}

static const gf__ev_cbs ev_cbs = {ev_thought,    ev_text,      ev_image_begin,
                                  ev_image_data, ev_image_end, ev_usage,
                                  ev_part};
