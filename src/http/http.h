/* HTTP/1.1 on top of llhttp, sans-IO: request serialisation and response
 * parsing for the client; request parsing and response writing for the
 * simulator. Nothing here knows SSE or JSON.
 *
 * Header names and values may arrive in any number of pieces; they are
 * gathered (bounded by GF_HTTP_MAX_HEADER bytes per name+value and
 * GF_HTTP_MAX_HEADERS headers, GF_ETOOBIG past that) and reported whole. */
#ifndef GF_HTTP_H
#define GF_HTTP_H
#include <stddef.h>
#include <stdint.h>

#define GF_HTTP_MAX_HEADER (16 * 1024)
#define GF_HTTP_MAX_HEADERS 128

struct gf__buf;

typedef struct gf__http_header {
  const char *name, *value;
} gf__http_header;

/* "POST /path?query HTTP/1.1\r\nHost: ...\r\n" + headers + Content-Length +
 * blank line. The body is sent separately. */
int gf__http_write_request(struct gf__buf *out, const char *method,
                           const char *target, const char *host,
                           const gf__http_header *hdrs, size_t nhdrs,
                           uint64_t content_length);

/* ---- response parser (client) ---- */
typedef struct gf__http_resp_cbs {
  /* Each complete header, in order. name as received (compare
   * case-insensitively). */
  int (*on_header)(void *ud, const char *name, size_t nlen, const char *value,
                   size_t vlen);
  /* After the last header. status is the HTTP status code. */
  int (*on_headers_done)(void *ud, int status);
  /* De-chunked body bytes. */
  int (*on_body)(void *ud, const char *p, size_t n);
  /* The message ended (Content-Length reached, last chunk, or close after a
   * close-delimited body via gf__http_resp_eof). */
  int (*on_complete)(void *ud);
} gf__http_resp_cbs;

typedef struct gf__http_resp gf__http_resp;

gf__http_resp *gf__http_resp_new(const gf__http_resp_cbs *cbs, void *ud);
void gf__http_resp_free(gf__http_resp *r);
/* Feeds bytes. Returns 0, GF_EHTTP for malformed input, GF_ETOOBIG for an
 * over-long header, or the non-zero value a callback returned. Bytes after
 * the end of the message are ignored (one response per request here). 1xx
 * interim responses are skipped. */
int gf__http_resp_feed(gf__http_resp *r, const char *p, size_t n);
/* The connection ended. 0 when the message is complete (a close-delimited
 * body ends here, calling on_complete), GF_ETRUNCATED when it is not. */
int gf__http_resp_eof(gf__http_resp *r);
/* A short, printable reason for the last GF_EHTTP (never NULL). */
const char *gf__http_resp_errmsg(const gf__http_resp *r);

/* ---- request parser (server side, the simulator) ---- */
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
/* Several requests on one connection (keep-alive) are parsed in turn. */
int gf__http_req_feed(gf__http_req *r, const char *p, size_t n);
/* Whether the client asked to keep the connection open after this one. */
int gf__http_req_keep_alive(const gf__http_req *r);

/* ---- response writing (server side) ---- */
/* "HTTP/1.1 <status> <reason>\r\n" + headers + blank line. When
 * content_length < 0 the body is chunked ("Transfer-Encoding: chunked" is
 * added); otherwise "Content-Length" is. */
int gf__http_write_response_head(struct gf__buf *out, int status,
                                 const gf__http_header *hdrs, size_t nhdrs,
                                 int64_t content_length);
/* One chunk ("<hex>\r\n" data "\r\n"); n == 0 writes the last chunk. */
int gf__http_write_chunk(struct gf__buf *out, const char *p, size_t n);
const char *gf__http_reason(int status);

/* Retry-After: delta-seconds or an HTTP-date (IMF-fixdate, RFC 850 and
 * asctime forms). Seconds from now (never negative), or -1 when the value
 * is neither. now is the current Unix time. */
double gf__http_parse_retry_after(const char *value, size_t n, double now);
#endif
