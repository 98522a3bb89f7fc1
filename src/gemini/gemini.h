/* The Gemini protocol, sans-IO: request JSON (json-c) and the decoding of
 * response events into typed callbacks. Touches no socket.
 *
 * Requests: the public gf_request_* functions live here (request.c), with
 * the per-model table of aspect ratios and sizes (models.c) and magic-byte
 * sniffing of reference images (sniff.c).
 *
 * Responses: gf__evdec decodes GenerateContentResponse objects without
 * assuming any key order. The image part's "data" string (up to ~40 MB in
 * one event) is never buffered: its characters are JSON-unescaped, base64-
 * decoded and passed to on_image_data as they arrive. Everything else of an
 * event is gathered (at most max_event_bytes, GF_ETOOBIG past that) and read
 * with json-c when the event ends. */
#ifndef GF_GEMINI_H
#define GF_GEMINI_H
#include <stddef.h>
#include <stdint.h>

#include "gemflow.h"

struct gf__buf;

/* ---- requests ---- */
/* The request body and the target path:
 * "/v1beta/models/<model>:streamGenerateContent" + ("?alt=sse" if use_sse).
 * The caller appends the key parameter when it goes in the query. */
int gf__gemini_build(const gf_request *req, int use_sse, struct gf__buf *body,
                     struct gf__buf *target);
const char *gf__gemini_model(const gf_request *req);

/* ---- errors ---- */
typedef struct gf__api_error {
  int code;        /* error.code, 0 if absent */
  char *status;    /* error.status ("RESOURCE_EXHAUSTED") or NULL */
  char *message;   /* error.message or NULL */
  char *reason;    /* ErrorInfo reason ("API_KEY_INVALID") or NULL */
  double retry_delay_s; /* RetryInfo retryDelay ("57.23s"), -1 if absent */
} gf__api_error;

void gf__api_error_free(gf__api_error *e);
/* Parses a Google error body {"error": {...}}. 0 when it was one; GF_EJSON
 * otherwise (e is then zeroed, retry_delay_s -1). */
int gf__gemini_parse_error(const char *json, size_t n, gf__api_error *e);

/* ---- response events ---- */
typedef struct gf__ev_cbs {
  int (*on_thought)(void *ud, const char *text, size_t n);
  int (*on_text)(void *ud, const char *text, size_t n);
  /* mime: mimeType if it came before the data, else what the first decoded
   * bytes show, else NULL. thought: as far as known at that point. */
  int (*on_image_begin)(void *ud, const char *mime, int thought);
  int (*on_image_data)(void *ud, const unsigned char *p, size_t n);
  /* When the part object closes: final mime and thought flag. */
  int (*on_image_end)(void *ud, const char *mime, int thought,
                      uint64_t bytes);
  int (*on_usage)(void *ud, const gf_usage *u);
} gf__ev_cbs;

/* What the stream said, for the verdict and the result. */
typedef struct gf__gem_summary {
  char *finish_reason, *block_reason, *model_version, *response_id;
  gf_usage usage;
  int have_usage;
  int events;          /* response objects decoded */
  int images;          /* image parts, thought or not */
  int final_images;    /* non-thought image parts */
  int have_error;
  gf__api_error error; /* an error object in the stream */
} gf__gem_summary;

typedef struct gf__evdec gf__evdec;

/* max_event_bytes 0 means 4 MiB. */
gf__evdec *gf__evdec_new(const gf__ev_cbs *cbs, void *ud,
                         size_t max_event_bytes);
void gf__evdec_free(gf__evdec *d);
const gf__gem_summary *gf__evdec_summary(const gf__evdec *d);

/* SSE mode: the bytes of one event's data, in pieces, then event_end.
 * Returns 0, GF_EJSON, GF_EB64, GF_ETOOBIG, GF_EAPI (the event was an
 * {"error": ...} object: see the summary), or what a callback returned. */
int gf__evdec_event_feed(gf__evdec *d, const char *p, size_t n);
int gf__evdec_event_end(gf__evdec *d);
/* Whether the event being fed so far is one whole JSON value (for an event
 * that the stream ended without a blank line after). */
int gf__evdec_event_complete(const gf__evdec *d);
/* A line of the SSE stream that was no SSE field (a raw, pretty-printed
 * error object written without "data:"). Gathered, bounded, read by
 * gf__evdec_finish. */
int gf__evdec_raw_line(gf__evdec *d, const char *line, size_t n);

/* JSON-array mode (Content-Type: application/json): the body as it comes:
 * "[{...},\r\n{...}]", or a single top-level object. Objects are events. */
int gf__evdec_array_feed(gf__evdec *d, const char *p, size_t n);

/* End of the body, either mode. Checks the array closed (GF_ETRUNCATED if
 * not) and parses gathered raw lines as an error object (GF_EAPI). */
int gf__evdec_finish(gf__evdec *d);

/* Success is finishReason STOP and an image (final_images > 0, or images >
 * 0 when only thought images came). Otherwise, in this order: GF_EAPI (an
 * error object), GF_EBLOCKED (block_reason), GF_EFINISH (a finish reason
 * other than STOP), GF_ENOFINISH (no finish reason), GF_ENOIMAGE. */
int gf__gemini_verdict(const gf__gem_summary *s);
#endif
