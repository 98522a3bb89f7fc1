/* One attempt's response, sans-IO: bytes in (status, headers, body through
 * http, then sse or the JSON-array reader, then the event decoder), typed
 * events and exactly one outcome out. It owns all of its state; it knows
 * neither sockets, nor files, nor the generation that feeds it.
 *
 *   2xx event stream      -> sse -> evdec -> cbs
 *   2xx JSON (or a body starting with '[') -> evdec array mode -> cbs
 *   otherwise             -> bounded error body -> Google error JSON
 *
 * The outcome is decided once: when the HTTP message ends, when a parser
 * fails, when a callback returns non-zero, or at gf__xch_end. After that,
 * no callback runs and feeds are ignored. */
#ifndef GF_CLIENT_EXCHANGE_H
#define GF_CLIENT_EXCHANGE_H
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "gemflow.h"
#include "gemini/gemini.h"

#define GF__XCH_ERROR_BODY_MAX (64 * 1024)

typedef struct gf__xch gf__xch;

typedef struct gf__xch_opts {
  int want_sse;           /* we asked for alt=sse */
  size_t max_event_bytes; /* 0: the decoder's default */
  uint64_t max_image_bytes; /* one decoded image; 0: no limit */
  size_t max_header_bytes;  /* one response header; 0: http's default */
  unsigned max_headers;     /* per response; 0: http's default */
  int max_json_depth;       /* 0: the decoder's default */
  double now;             /* Unix time, for Retry-After dates */
  const char *secret;     /* the API key, redacted from every message
                             before it is cut to size; NULL: none */
  gf__blocks *img_blocks; /* image decode blocks shared with the loop's
                             other exchanges; NULL: one of its own */
} gf__xch_opts;

typedef struct gf__outcome {
  int status;             /* GF_OK or a GF_E* code */
  int http_status;        /* 0 when no response head arrived */
  const char *api_status; /* "RESOURCE_EXHAUSTED", ... or NULL */
  int api_code;           /* the error object's code, 0 if none */
  const char *message;    /* a printable explanation, or NULL */
  double retry_after_s;   /* RetryInfo's delay, else Retry-After; -1 */
  double retry_wait_s;    /* the longer of the two: the least to wait */
  int image_bytes;        /* some image byte went to on_image_data */
  int stopped;            /* a callback's non-zero return decided it */
  const gf__gem_summary *summary; /* what the stream said (never NULL) */
} gf__outcome;

/* cbs: the event decoder's callbacks, with this exchange's ud. A non-zero
 * return decides the outcome with that code (stopped = 1). trace: a line
 * (printf format) per response line worth showing (-v), or NULL. */
typedef void (*gf__xch_trace_fn)(void *ud, const char *fmt, va_list ap);
gf__xch *gf__xch_new(const gf__xch_opts *o, const gf__ev_cbs *cbs,
                     gf__xch_trace_fn trace, void *ud);
void gf__xch_free(gf__xch *x);
/* Response bytes. 0: go on reading; 1: the outcome is decided (the caller
 * stops reading). Never fails otherwise. */
int gf__xch_feed(gf__xch *x, const char *p, size_t n);
/* The connection ended: err 0 for a clean end (close_notify or plain EOF),
 * else the transport's GF_E* code with msg. Decides the outcome if it was
 * not yet. */
void gf__xch_end(gf__xch *x, int err, const char *msg);
/* NULL until decided. Valid until gf__xch_free. */
const gf__outcome *gf__xch_outcome(const gf__xch *x);
/* The outcome as far as it is known, decided or not (status 0 until then):
 * the HTTP status and the summary of what streamed, for a canceled one. */
const gf__outcome *gf__xch_progress(const gf__xch *x);
/* 1 when the response ended as its framing says and the connection may
 * carry the next request (keep-alive, nothing after it). */
int gf__xch_reusable(const gf__xch *x);
/* 1 once any response byte was fed. */
int gf__xch_started(const gf__xch *x);
#endif
