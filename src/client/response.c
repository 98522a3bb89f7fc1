/* The response path of one attempt:
 *   conn plaintext -> http (status, headers, de-chunked body)
 *     2xx text/event-stream -> sse -> evdec (one event at a time)
 *     2xx application/json  -> evdec array mode
 *     otherwise             -> bounded error body -> Google error JSON
 *   evdec -> user callbacks and the file sink.
 * Every callback returns g->stop once the outcome is decided, which unwinds
 * the parsers without another callback reaching the user. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "client/client.h"

static const gf__http_resp_cbs http_cbs;
static const gf__ev_cbs ev_cbs;
static void finish_stream(gf_gen *g, int transport_err, const char *msg);

/* ---- entry points ------------------------------------------------------- */

int gf__response_init(gf_gen *g) {
  gf__response_free(g);
  g->http = gf__http_resp_new(&http_cbs, g);
  g->evdec = gf__evdec_new(&ev_cbs, g, g->client->max_event_bytes);
  if (!g->http || !g->evdec)
    return GF_ENOMEM;
  g->http_status = 0;
  g->body_mode = BODY_NONE;
  g->retry_after_s = -1;
  g->content_type[0] = '\0';
  gf__buf_reset(&g->errbody);
  return 0;
}

void gf__response_free(gf_gen *g) {
  if (g->http)
    gf__http_resp_free(g->http);
  if (g->sse)
    gf__sse_free(g->sse);
  if (g->evdec)
    gf__evdec_free(g->evdec);
  g->http = NULL;
  g->sse = NULL;
  g->evdec = NULL;
}

/* An error code out of a parser: a failure of the stream, unless the
 * outcome was already decided (a callback unwinding). */
static int stream_error(gf_gen *g, int rc) {
  if (g->finishing)
    return rc;
  const gf__gem_summary *s = gf__evdec_summary(g->evdec);
  if (rc == GF_EAPI && s->have_error) {
    finish_stream(g, 0, NULL);
  } else if (rc == GF_EHTTP) {
    char m[200];
    snprintf(m, sizeof m, "malformed HTTP response: %s",
             gf__http_resp_errmsg(g->http));
    gf__gen_fail(g, rc, m);
  } else {
    gf__gen_fail(g, rc, NULL);
  }
  return rc;
}

int gf__response_feed(gf_gen *g, const char *p, size_t n) {
  int rc = gf__http_resp_feed(g->http, p, n);
  if (rc)
    stream_error(g, rc);
  return g->finishing ? 1 : 0;
}

void gf__response_end(gf_gen *g, int err, const char *msg) {
  if (g->finishing)
    return;
  if (err == 0 || err == GF_ETRUNCATED) {
    /* A body that ends with the connection is complete only after a clean
     * TLS close; without close_notify it may have been cut. */
    int rc = err == 0 ? gf__http_resp_eof(g->http) : GF_ETRUNCATED;
    if (g->finishing)
      return; /* on_complete ran */
    if (g->http_status == 0) {
      gf__gen_fail(g, rc ? rc : GF_ETRUNCATED,
                   "connection closed before a response arrived");
      return;
    }
    finish_stream(g, rc ? rc : GF_ETRUNCATED, msg);
    return;
  }
  if (g->http_status == 0)
    gf__gen_fail(g, err, msg);
  else
    finish_stream(g, err, msg);
}

/* ---- outcome ------------------------------------------------------------ */

static void fail_with_api_error(gf_gen *g, int code, int http_status,
                                const gf__api_error *e) {
  char m[512];
  int status = e->code ? e->code : http_status;
  snprintf(m, sizeof m, "%s%d %s: %s", code == GF_ESTATUS ? "HTTP " : "error ",
           status, e->status ? e->status : gf__http_reason(status),
           e->message ? e->message : "(no message)");
  gf__gen_fail(g, code, m);
}

static void finish_error_body(gf_gen *g) {
  if (gf__gemini_parse_error(g->errbody.data ? g->errbody.data : "",
                             g->errbody.len, &g->api_error) == 0) {
    g->have_api_error = 1;
    fail_with_api_error(g, GF_ESTATUS, g->http_status, &g->api_error);
    return;
  }
  /* not Google's error JSON: show the start of the body, printable only */
  char m[300];
  int k = snprintf(m, sizeof m, "HTTP %d %s", g->http_status,
                   gf__http_reason(g->http_status));
  if (g->errbody.len && k > 0 && (size_t)k + 3 < sizeof m) {
    size_t j = (size_t)k;
    m[j++] = ':';
    m[j++] = ' ';
    for (size_t i = 0; i < g->errbody.len && j + 1 < sizeof m && i < 200; i++) {
      char ch = g->errbody.data[i];
      m[j++] = ch >= 0x20 && ch < 0x7f ? ch : ' ';
    }
    m[j] = '\0';
  }
  gf__gen_fail(g, GF_ESTATUS, m);
}

static void fail_verdict(gf_gen *g, int v, const gf__gem_summary *s) {
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
  gf__gen_fail(g, v, m);
}

static void finish_stream(gf_gen *g, int transport_err, const char *msg) {
  if (g->finishing)
    return;
  if (g->body_mode == BODY_SNIFF) /* an empty body: judge it as labelled */
    g->body_mode = g->body_next;
  if (g->body_mode == BODY_ERROR || g->body_mode == BODY_NONE) {
    if (g->http_status >= 200 && g->http_status < 300)
      gf__gen_fail(g, transport_err ? transport_err : GF_EHTTP, msg);
    else
      finish_error_body(g);
    return;
  }
  int rc = 0;
  if (g->body_mode == BODY_SSE && gf__sse_end(g->sse) &&
      gf__evdec_event_complete(g->evdec))
    rc = gf__evdec_event_end(g->evdec); /* last event without a blank line */
  if (g->finishing)
    return;
  if (rc == 0 || rc == GF_EAPI)
    rc = gf__evdec_finish(g->evdec);
  if (g->finishing)
    return;
  const gf__gem_summary *s = gf__evdec_summary(g->evdec);
  if (s->have_error) {
    fail_with_api_error(g, GF_EAPI, g->http_status, &s->error);
  } else if (transport_err) {
    gf__gen_fail(g, transport_err, msg);
  } else if (rc) {
    gf__gen_fail(g, rc, NULL);
  } else {
    int v = gf__gemini_verdict(s);
    if (v == GF_OK && gf__sink_result(&g->sink, &(int){0}))
      gf__gen_complete(g);
    else
      fail_verdict(g, v ? v : GF_ENOIMAGE, s);
  }
}

/* ---- http callbacks ----------------------------------------------------- */

static int on_header(void *ud, const char *name, size_t nlen,
                     const char *value, size_t vlen) {
  gf_gen *g = ud;
  gf__trace(g, "< %.*s: %.*s", (int)nlen, name, (int)vlen, value);
  if (nlen == 12 && strncasecmp(name, "content-type", 12) == 0) {
    size_t n = vlen < sizeof g->content_type ? vlen : sizeof g->content_type - 1;
    memcpy(g->content_type, value, n);
    g->content_type[n] = '\0';
  } else if (nlen == 11 && strncasecmp(name, "retry-after", 11) == 0) {
    g->retry_after_s =
        gf__http_parse_retry_after(value, vlen, (double)time(NULL));
  }
  return 0;
}

static const gf__sse_cbs sse_cbs;

static int on_headers_done(void *ud, int status) {
  gf_gen *g = ud;
  g->http_status = status;
  gf__trace(g, "< HTTP %d %s", status, gf__http_reason(status));
  if (status < 200 || status > 299) {
    g->body_mode = BODY_ERROR;
    return g->stop;
  }
  g->body_mode = BODY_SNIFF;
  if (strncasecmp(g->content_type, "application/json", 16) == 0 ||
      (!strstr(g->content_type, "event-stream") && !g->client->use_sse)) {
    g->body_next = BODY_ARRAY;
  } else {
    g->body_next = BODY_SSE;
    if (!g->sse && !(g->sse = gf__sse_new(&sse_cbs, g, 0)))
      return stream_error(g, GF_ENOMEM);
  }
  return g->stop;
}

/* Servers that ignore alt=sse send the JSON array, some still labelled as
 * an event stream: the first byte that is not white space tells. */
static void sniff_body(gf_gen *g, const char **p, size_t *n) {
  while (*n && (**p == ' ' || **p == '\t' || **p == '\r' || **p == '\n')) {
    (*p)++;
    (*n)--;
  }
  if (*n == 0)
    return;
  g->body_mode = **p == '[' ? BODY_ARRAY : g->body_next;
  if (g->body_mode != g->body_next)
    gf__trace(g, "* the body is a JSON array: reading it as such");
}

static int on_body(void *ud, const char *p, size_t n) {
  gf_gen *g = ud;
  if (g->body_mode == BODY_SNIFF)
    sniff_body(g, &p, &n);
  switch (g->body_mode) {
  case BODY_SNIFF:
    return 0; /* only white space so far */
  case BODY_SSE:
    return gf__sse_feed(g->sse, p, n);
  case BODY_ARRAY:
    return gf__evdec_array_feed(g->evdec, p, n);
  default:
    gf__buf_append(&g->errbody, p, n); /* past the limit: cut, not failed */
    return 0;
  }
}

static int on_complete(void *ud) {
  gf_gen *g = ud;
  finish_stream(g, 0, NULL);
  return g->stop;
}

static const gf__http_resp_cbs http_cbs = {on_header, on_headers_done,
                                           on_body, on_complete};

/* ---- sse callbacks ------------------------------------------------------ */

static int sse_data(void *ud, const char *p, size_t n) {
  gf_gen *g = ud;
  return gf__evdec_event_feed(g->evdec, p, n);
}

static int sse_dispatch(void *ud, const char *type, const char *id) {
  gf_gen *g = ud;
  return gf__evdec_event_end(g->evdec);
}

static int sse_retry(void *ud, uint64_t ms) { return 0; }

static int sse_other(void *ud, const char *line, size_t n) {
  gf_gen *g = ud;
  return gf__evdec_raw_line(g->evdec, line, n);
}

static const gf__sse_cbs sse_cbs = {sse_data, sse_dispatch, sse_retry, NULL,
                                    sse_other};

/* ---- event callbacks: to the user and the sink ------------------------- */

static int ev_thought(void *ud, const char *text, size_t n) {
  gf_gen *g = ud;
  if (g->timings.first_thought < 0)
    g->timings.first_thought = gf__gen_ms(g);
  if (g->cbs.on_thought)
    g->cbs.on_thought(g, text, n, g->ud);
  return g->stop;
}

static int ev_text(void *ud, const char *text, size_t n) {
  gf_gen *g = ud;
  if (g->cbs.on_text)
    g->cbs.on_text(g, text, n, g->ud);
  return g->stop;
}

static int sink_failed(gf_gen *g, int rc) {
  gf__gen_fail(g, rc, g->sink.err[0] ? g->sink.err : NULL);
  return rc;
}

static int ev_image_begin(void *ud, const char *mime, int thought) {
  gf_gen *g = ud;
  if (g->timings.image_start < 0)
    g->timings.image_start = gf__gen_ms(g);
  int rc = gf__sink_begin(&g->sink, mime);
  if (rc)
    return sink_failed(g, rc);
  gf__trace(g, "* image %d begins (%s%s)", g->images_seen,
            mime ? mime : "type not yet known", thought ? ", thought" : "");
  gf_image_info info = {mime, thought, 0, g->images_seen};
  if (g->cbs.on_image_begin)
    g->cbs.on_image_begin(g, &info, g->ud);
  return g->stop;
}

static int ev_image_data(void *ud, const unsigned char *p, size_t n) {
  gf_gen *g = ud;
  int rc = gf__sink_write(&g->sink, p, n);
  if (rc)
    return sink_failed(g, rc);
  if (g->cbs.on_image_data)
    g->cbs.on_image_data(g, p, n, g->ud);
  return g->stop;
}

static int ev_image_end(void *ud, const char *mime, int thought,
                        uint64_t bytes) {
  gf_gen *g = ud;
  g->timings.image_end = gf__gen_ms(g);
  int rc = gf__sink_end(&g->sink, mime, thought);
  if (rc)
    return sink_failed(g, rc);
  gf__trace(g, "* image %d ends: %s, %llu bytes%s", g->images_seen,
            mime ? mime : "?", (unsigned long long)bytes,
            thought ? ", thought (interim)" : "");
  gf_image_info info = {mime, thought, bytes, g->images_seen++};
  if (g->cbs.on_image_end)
    g->cbs.on_image_end(g, &info, g->ud);
  return g->stop;
}

static int ev_usage(void *ud, const gf_usage *u) {
  gf_gen *g = ud;
  if (g->cbs.on_usage)
    g->cbs.on_usage(g, u, g->ud);
  return g->stop;
}

static const gf__ev_cbs ev_cbs = {ev_thought,    ev_text,      ev_image_begin,
                                  ev_image_data, ev_image_end, ev_usage};
