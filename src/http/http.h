/* HTTP/1.1 on top of llhttp, sans-IO: request serialisation and response
 * parsing for the client; request parsing and response writing for the
 * simulator. Nothing here knows SSE or JSON.
 *
 * Header names and values may arrive in any number of pieces; they are
 * gathered (bounded by GF_HTTP_MAX_HEADER bytes per name+value and
 * GF_HTTP_MAX_HEADERS headers, GF_ETOOBIG past that) and reported whole:
 * the value without its leading and trailing whitespace, name and value
 * each NUL-terminated (the lengths exclude the NUL). A request target is
 * bounded by GF_HTTP_MAX_HEADER too.
 *
 * Callbacks return 0 to go on; any other value stops the parser and is
 * returned as is by the feed (and by every later call: errors are sticky).
 * Do not free a parser from inside its own callback. */
#ifndef GF_HTTP_H
#define GF_HTTP_H
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"

#define GF_HTTP_MAX_HEADER (16 * 1024)
#define GF_HTTP_MAX_HEADERS 128
#define GF_HTTP_MAX_INTERIM 8 /* 1xx responses before the final one */

typedef struct gf__http_header {
  const char *name, *value;
} gf__http_header;

/* "POST /path?query HTTP/1.1\r\nHost: ...\r\n" + headers + Content-Length +
 * blank line. The body is sent separately. Content-Length is left out for a
 * GET or HEAD without a body. GF_EINVAL (out unchanged) for a method that is
 * not a token, a target or host with spaces or control characters, a header
 * name that is not a token, a value with control characters other than tab,
 * or a Host, Content-Length or Transfer-Encoding header among hdrs (this
 * function writes those itself). */
int gf__http_write_request(struct gf__buf *out, const char *method,
                           const char *target, const char *host,
                           const gf__http_header *hdrs, size_t nhdrs,
                           uint64_t content_length);
/* Shared by the request and response writers: GF_EINVAL for a header as
 * described above (allow_host: a response may carry Host-like names), and
 * "name: value\r\n" for each header. */
int gf__http_check_headers(const gf__http_header *hdrs, size_t n,
                           int allow_host);
int gf__http_put_headers(struct gf__buf *out, const gf__http_header *hdrs,
                         size_t n);

/* ---- response parser (client) ---- */
typedef struct gf__http_resp_cbs {
  /* Each complete header of the final response, in order. name as received
   * (compare case-insensitively). Headers of 1xx responses and trailers
   * after a chunked body are parsed and bounded but not reported. */
  int (*on_header)(void *ud, const char *name, size_t nlen, const char *value,
                   size_t vlen);
  /* After the last header. status is the HTTP status code. */
  int (*on_headers_done)(void *ud, int status);
  /* De-chunked body bytes (n > 0). 1xx, 204 and 304 responses have no
   * body, whatever their headers say (RFC 9110 6.4.1). A body in
   * Content-Encoding gzip or x-gzip (any case; "identity" elements of the
   * list ignored) comes inflated, in pieces of at most 16 KiB, whether the
   * request asked for gzip or not; one or more gzip members. Its decoder
   * (about 40 KiB: zlib's state and 32 KiB window) exists from the body's
   * first byte to its end only. */
  int (*on_body)(void *ud, const char *p, size_t n);
  /* The message ended (Content-Length reached, last chunk, or close after a
   * close-delimited body via gf__http_resp_eof). */
  int (*on_complete)(void *ud);
} gf__http_resp_cbs;

typedef struct gf__http_resp gf__http_resp;

gf__http_resp *gf__http_resp_new(const gf__http_resp_cbs *cbs, void *ud);
void gf__http_resp_free(gf__http_resp *r);
/* Bounds other than the defaults (0 keeps one): bytes of one header (name
 * and value), headers per response. Before the first byte. */
void gf__http_resp_limits(gf__http_resp *r, size_t header_bytes,
                          unsigned headers);
/* Feeds bytes. Returns 0, GF_EHTTP for malformed input, GF_ETOOBIG for an
 * over-long header, or the non-zero value a callback returned. A body in
 * another content coding than gzip or identity, or in several, is GF_EHTTP
 * after on_headers_done ("unsupported Content-Encoding: br"); a corrupt
 * gzip body, or bytes after its last member that do not start another, is
 * GF_EHTTP; a message that ends inside a gzip member is GF_ETRUNCATED
 * (GF_ENOMEM when its decoder cannot be made). Bytes after
 * the end of the message are ignored (one response per request here). 1xx
 * interim responses are skipped, up to GF_HTTP_MAX_INTERIM of them (more is
 * GF_EHTTP: a server must not keep a client waiting forever); a 101 (we
 * never ask to switch protocols),
 * a status below 100 and an empty header name are GF_EHTTP. When a header
 * is both over-long and malformed, which of GF_ETOOBIG and GF_EHTTP is
 * reported depends on how the bytes were split. */
int gf__http_resp_feed(gf__http_resp *r, const char *p, size_t n);
/* 1 when the final response is complete, delimited by its length or its
 * chunks (not by the connection's end), no byte came after it, and it lets
 * the connection carry another request (HTTP/1.1 without "Connection:
 * close", or HTTP/1.0 with "keep-alive"). 0 otherwise. */
int gf__http_resp_reusable(const gf__http_resp *r);
/* The connection ended. 0 when the message is complete (a close-delimited
 * body ends here, calling on_complete, whose non-zero return is returned),
 * GF_ETRUNCATED when it is not (nothing received, inside the headers, a
 * chunked body or before Content-Length is reached), or the earlier error.
 * Later feeds return the same. */
int gf__http_resp_eof(gf__http_resp *r);
/* A short, printable reason for the last GF_EHTTP (never NULL). */
const char *gf__http_resp_errmsg(const gf__http_resp *r);

/* ---- request parser (server side, the simulator) ---- */
/* As for responses; trailers after a chunked body are not reported. */
typedef struct gf__http_req_cbs {
  int (*on_header)(void *ud, const char *name, size_t nlen, const char *value,
                   size_t vlen);
  /* method ("POST"), target ("/v1beta/...?alt=sse") */
  int (*on_headers_done)(void *ud, const char *method, const char *target);
  int (*on_body)(void *ud, const char *p, size_t n);
  int (*on_complete)(void *ud);
} gf__http_req_cbs;

typedef struct gf__http_req gf__http_req;
gf__http_req *gf__http_req_new(const gf__http_req_cbs *cbs, void *ud);
void gf__http_req_free(gf__http_req *r);
/* Several requests on one connection (keep-alive) are parsed in turn.
 * Bytes after a request that does not keep the connection alive are
 * ignored. An Upgrade request is parsed as a plain request and what follows
 * as the next request (the upgrade is never taken). Returns 0, GF_EHTTP,
 * GF_ETOOBIG or a callback's non-zero value. */
int gf__http_req_feed(gf__http_req *r, const char *p, size_t n);
/* Whether the client asked to keep the connection open after this one
 * (valid from on_headers_done of a request on). */
int gf__http_req_keep_alive(const gf__http_req *r);

/* ---- response writing (server side) ---- */
/* "HTTP/1.1 <status> <reason>\r\n" + headers + blank line. When
 * content_length < 0 the body is chunked ("Transfer-Encoding: chunked" is
 * added); otherwise "Content-Length" is; neither for 1xx, 204 and 304,
 * which have no body. GF_EINVAL (out unchanged) for a status outside
 * 100..999 or headers as for gf__http_write_request (Content-Length and
 * Transfer-Encoding among hdrs). */
int gf__http_write_response_head(struct gf__buf *out, int status,
                                 const gf__http_header *hdrs, size_t nhdrs,
                                 int64_t content_length);
/* One chunk ("<hex>\r\n" data "\r\n"); n == 0 writes the last chunk
 * ("0\r\n\r\n", no trailers). */
int gf__http_write_chunk(struct gf__buf *out, const char *p, size_t n);
/* The reason phrase ("Too Many Requests"); for an unknown code, its class's
 * ("Client Error"). Never NULL. */
const char *gf__http_reason(int status);

/* Retry-After: delta-seconds or an HTTP-date (IMF-fixdate, RFC 850 and
 * asctime forms). Seconds from now (never negative), or -1 when the value
 * is neither. now is the current Unix time. Surrounding whitespace is
 * ignored; delta-seconds saturate at 2^31; day and month names match
 * case-insensitively and the day name is not checked against the date. */
double gf__http_parse_retry_after(const char *value, size_t n, double now);

/* ---- internal to src/http: header gathering shared by both parsers ---- */
typedef struct gf__http_gather {
  gf__buf buf;     /* name '\0' value, bounded */
  size_t nlen;     /* name length, once the name is complete */
  int state;       /* where in the header we are (gather.c) */
  unsigned count;  /* headers in this message so far */
  unsigned max_count;
} gf__http_gather;

void gf__http_gather_init(gf__http_gather *g);
/* Other bounds than GF_HTTP_MAX_HEADER and GF_HTTP_MAX_HEADERS (0 keeps
 * the default); before the first byte. */
void gf__http_gather_limits(gf__http_gather *g, size_t header_bytes,
                            unsigned headers);
void gf__http_gather_free(gf__http_gather *g);
/* A new message: the header count starts again. */
void gf__http_gather_begin(gf__http_gather *g);
int gf__http_gather_name(gf__http_gather *g, const char *p, size_t n);
int gf__http_gather_name_done(gf__http_gather *g);
int gf__http_gather_value(gf__http_gather *g, const char *p, size_t n);
/* The header is whole: trims the value and hands out both parts (valid
 * until the next piece). GF_ETOOBIG past the header count bound. */
int gf__http_gather_value_done(gf__http_gather *g, gf__http_header *h,
                               size_t *nlen, size_t *vlen);
#endif
