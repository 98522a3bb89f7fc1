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

#include "common/blocks.h"
#include "gemflow.h"

struct gf__buf;
struct gf__ev_part;

/* ---- requests ---- */
/* The request body and the target path:
 * "/v1beta/models/<model>:streamGenerateContent" + ("?alt=sse" if use_sse),
 * the model percent-encoded except for A-Z a-z 0-9 - . _ ~. Both are
 * APPENDED to what body and target hold (so a base path may go first).
 * The caller appends the key parameter when it goes in the query.
 * GF_EINVAL without a prompt, or when the ratio or size does not suit the
 * model set after them (and passthrough is off). */
int gf__gemini_build(const gf_request *req, int use_sse, struct gf__buf *body,
                     struct gf__buf *target);
/* The same, with a chat's history (NULL: none) before req's user turn. */
int gf__gemini_build_chat(const gf_chat *chat, const gf_request *req,
                          int use_sse, struct gf__buf *body,
                          struct gf__buf *target);
const char *gf__gemini_model(const gf_request *req);
/* A deep copy (reference images included); NULL on ENOMEM. */
gf_request *gf__request_dup(const gf_request *req);

/* ---- multi-turn chats (chat.c) ---- */
/* The model's turn as it arrives, kept for the chat. */
typedef struct gf__cturn gf__cturn;
gf__cturn *gf__cturn_new(void);
void gf__cturn_free(gf__cturn *t);
/* Drops every part (an attempt was abandoned). */
void gf__cturn_clear(gf__cturn *t);
/* Keeps p when it goes back to the service: every part that is not a
 * thought, and every part that carries a signature. An image part takes
 * its bytes (data, len: malloc'd, owned from now on, freed when not
 * kept). 0 or GF_ENOMEM. */
int gf__cturn_add(gf__cturn *t, const struct gf__ev_part *p, unsigned char *data,
                  size_t len);
/* The image part whose bytes have this sha256 was saved as file. */
int gf__cturn_set_file(gf__cturn *t, const unsigned char sha[32],
                       const char *file);
/* A generation uses the chat: 0, or GF_EINVAL when another one does. */
int gf__chat_acquire(gf_chat *c);
void gf__chat_release(gf_chat *c);
/* Appends the user turn (a copy of req) and the model's (taken: *model
 * becomes NULL). 0 or GF_ENOMEM (the chat unchanged). */
int gf__chat_commit(gf_chat *c, const gf_request *req, gf__cturn **model);

/* ---- errors ---- */
typedef struct gf__api_error {
  int code;        /* error.code, 0 if absent */
  char *status;    /* error.status ("RESOURCE_EXHAUSTED") or NULL */
  char *message;   /* error.message or NULL */
  char *reason;    /* ErrorInfo reason ("API_KEY_INVALID") or NULL */
  double retry_delay_s; /* RetryInfo retryDelay ("57.23s"), -1 if absent */
} gf__api_error;

void gf__api_error_free(gf__api_error *e);
/* Parses a Google error body {"error": {...}} (also: that object as the
 * first element of an array; "error" as a bare string, taken as the
 * message; "code" as a numeric string). 0 when it was one; GF_EJSON
 * otherwise (e is then zeroed, retry_delay_s -1). n bytes are read, no NUL
 * needed. */
int gf__gemini_parse_error(const char *json, size_t n, gf__api_error *e);

/* ---- response events ---- */
/* One part of candidates[0].content.parts[], as a multi-turn chat keeps
 * it: a text (thought or not), or an image whose bytes went out through
 * the image callbacks before. signature: its thoughtSignature or NULL. */
typedef struct gf__ev_part {
  int thought;
  const char *text; /* NUL-terminated; NULL for an image part */
  size_t text_len;
  int image;        /* an inlineData part */
  const char *mime; /* its mimeType, or NULL */
  const char *signature;
} gf__ev_part;

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
  /* Every part of candidates[0], in order, when its event has closed
   * (after that part's on_thought or on_text). */
  int (*on_part)(void *ud, const gf__ev_part *p);
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

#define GF__IMG_BLOCK (49152 + 16) /* bytes of an image decode block */

/* Details the callers rely on:
 * - Any callback may be NULL; a non-zero return stops the decoder: that
 *   value is returned, then again by every later call (errors are sticky).
 * - Image callbacks fire while the event streams, for an inlineData (or
 *   inline_data) object in any element of candidates[].content.parts[];
 *   text callbacks and on_usage fire when the event's object has closed,
 *   for candidates[0] only. So within one event an image's callbacks come
 *   before the text parts' callbacks.
 * - An image is a data string that decodes to at least one byte: "" is no
 *   image (no callbacks, not counted). on_image_begin comes once the first
 *   12 bytes are decoded (or the string ended); on_image_data blocks are
 *   1..48 KiB, never empty. A part holding two data strings is GF_EJSON.
 * - on_usage fires when usageMetadata holds at least one of the four
 *   counts; counts present replace the ones before, absent ones are kept.
 * - Text parts with "thought": true (the JSON literal) go to on_thought,
 *   other non-empty texts to on_text.
 * - An event of whitespace only is ignored. The response object must be a
 *   JSON object in strict JSON syntax, at most 32 levels deep.
 * max_event_bytes 0 means 4 MiB. */
gf__evdec *gf__evdec_new(const gf__ev_cbs *cbs, void *ud,
                         size_t max_event_bytes);
void gf__evdec_free(gf__evdec *d);
/* The image decode block (GF__IMG_BLOCK bytes) borrowed from blocks, one
 * per loop, instead of one kept per decoder: the decoder holds it only
 * while a feed runs, and gf__evdec_yield gives it back. Before the first
 * byte; blocks must outlive the decoder. */
void gf__evdec_share_blocks(gf__evdec *d, gf__blocks *blocks);
/* After each feed when blocks are shared: hands out what is decoded so far
 * (on_image_data, or on_image_begin once 12 bytes are in; fewer are kept
 * aside) and gives the block back. Without shared blocks, nothing (the
 * decoder batches up to 48 KiB). 0 or the sticky error. */
int gf__evdec_yield(gf__evdec *d);
/* Nesting allowed in one response object: 1..64 (default 32); GF_EINVAL
 * outside. Before the first byte. */
int gf__evdec_max_depth(gf__evdec *d, int depth);
const gf__gem_summary *gf__evdec_summary(const gf__evdec *d);

/* SSE mode: the bytes of one event's data, in pieces, then event_end.
 * Returns 0, GF_EJSON, GF_EB64, GF_ETOOBIG, GF_EAPI (the event was an
 * {"error": ...} object: see the summary), GF_ENOMEM, or what a callback
 * returned. The first call of either mode fixes the decoder's mode; a call
 * of the other mode is GF_EINVAL. The first error in byte order is the one
 * reported, whatever the split points. */
int gf__evdec_event_feed(gf__evdec *d, const char *p, size_t n);
int gf__evdec_event_end(gf__evdec *d);
/* Whether the event being fed so far is one whole JSON value (for an event
 * that the stream ended without a blank line after). */
int gf__evdec_event_complete(const gf__evdec *d);
/* A line of the SSE stream that was no SSE field (a raw, pretty-printed
 * error object written without "data:"). Gathered (joined with LF) up to
 * 64 KiB, GF_ETOOBIG past that; read by gf__evdec_finish. */
int gf__evdec_raw_line(gf__evdec *d, const char *line, size_t n);

/* JSON-array mode (Content-Type: application/json): the body as it comes:
 * "[{...},\r\n{...}]", or top-level objects one after the other (one, in
 * practice: an error object). Each object is an event, read as it closes.
 * Any other element is GF_EJSON. */
int gf__evdec_array_feed(gf__evdec *d, const char *p, size_t n);

/* End of the body, either mode. Gathered raw lines that are not blank are
 * parsed as an error object: GF_EAPI (in the summary), or GF_EJSON when
 * they are not one. Otherwise GF_ETRUNCATED when an event was left open
 * (SSE) or the array or an object is unclosed (array; an empty body is 0). */
int gf__evdec_finish(gf__evdec *d);

/* Success is finishReason STOP and an image (final_images > 0, or images >
 * 0 when only thought images came). Otherwise, in this order: GF_EAPI (an
 * error object), GF_EBLOCKED (block_reason), GF_EFINISH (a finish reason
 * other than STOP), GF_ENOFINISH (no finish reason), GF_ENOIMAGE. */
int gf__gemini_verdict(const gf__gem_summary *s);
#endif
