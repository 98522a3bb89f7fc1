/* The gallery's HTTP/1.1 server on libuv: connections, requests parsed by
 * the project's request parser (src/http/srv_req.c), responses written with
 * src/http/srv_write.c. It knows nothing of images or generations: a
 * request, once whole, goes to the handler, which answers with one of the
 * gal_respond* calls or opens an event stream.
 *
 * Bounds: GAL_MAX_CONNS connections (more are closed at once), a request
 * head by the parser's limits, a body by what body_limit says for its route
 * (413 past it, told from Content-Length before any byte of the body is
 * read), all bodies being read at once by GAL_BODY_BUDGET (503),
 * GAL_HEAD_TIMEOUT_MS to send a whole request and GAL_IDLE_MS idle
 * on a kept-alive connection. One response at a time per connection: a
 * request pipelined behind one still being answered closes the connection
 * after that answer (browsers do not pipeline). */
#ifndef GAL_SERVER_H
#define GAL_SERVER_H
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "http/http.h"

#define GAL_MAX_CONNS 256
#define GAL_HEAD_TIMEOUT_MS 30000
#define GAL_IDLE_MS 60000
#define GAL_LINGER_MS 2000
/* Request bodies held at once, over all connections (503 past it). */
#define GAL_BODY_BUDGET (64u * 1024 * 1024)

typedef struct gal_conn gal_conn;
typedef struct gal_server gal_server;

typedef struct gal_req {
  const char *method; /* "GET", "POST", ... */
  const char *path;   /* the target up to '?', NUL-terminated */
  const char *query;  /* after '?' or "" */
  /* NULL when absent (a repeated header: the last one) */
  const char *host, *origin, *content_type;
  const char *body;   /* NULL with len 0 when there is none */
  size_t body_len;
} gal_req;

typedef struct gal_routes {
  /* The largest body this method and path may carry; 0: none at all. */
  size_t (*body_limit)(const char *method, const char *path, void *ud);
  /* A whole request. Must answer it (now, or later for an event stream). */
  void (*handle)(gal_conn *c, const gal_req *r, void *ud);
} gal_routes;

/* Listens on host:port (port 0: a free one). 0, or a libuv error with
 * *err naming the step. */
int gal_server_start(gal_server **out, uv_loop_t *loop, const char *host,
                     int port, const gal_routes *routes, void *ud,
                     const char **err);
int gal_server_port(const gal_server *s);
/* Stops listening and closes every connection (their on_close hooks run);
 * the memory goes once libuv has closed the handles. */
void gal_server_stop(gal_server *s);

/* ---- answers (one per request) ---- */
/* A whole response; body copied. ctype NULL: no Content-Type. */
int gal_respond(gal_conn *c, int status, const char *ctype, const void *body,
                size_t n);
/* The same with headers of the caller's (besides Content-Type and the
 * ones every answer gets) and a body the caller keeps alive until
 * release(arg) runs (zero-copy: an image is not copied per request;
 * release may be NULL for static data). */
int gal_respond_ref(gal_conn *c, int status, const char *ctype,
                    const gf__http_header *hdrs, size_t nhdrs,
                    const void *body, size_t n, void (*release)(void *arg),
                    void *arg);
/* A JSON error body {"error": msg} with the status; closes the connection
 * after it when close is set (the body of the request was not read). */
int gal_respond_error(gal_conn *c, int status, const char *msg, int close);

/* ---- event streams ---- */
/* Hooks of a connection that stays open (an event stream): on_written
 * after each write completes, on_close once when the connection goes
 * (also at server stop). After on_close the conn must not be used. */
typedef struct gal_conn_hooks {
  void (*on_written)(gal_conn *c, void *ud);
  void (*on_close)(gal_conn *c, void *ud);
  void *ud;
} gal_conn_hooks;

/* 200 text/event-stream, chunked; the answer stays open. */
int gal_stream_open(gal_conn *c, const gal_conn_hooks *hooks);
/* Bytes already framed by the SSE writer, as one HTTP chunk (copied). */
int gal_stream_send(gal_conn *c, const char *p, size_t n);
/* The last chunk: the answer is over (the hooks are dropped, on_close is
 * not called). */
void gal_stream_end(gal_conn *c);
/* Bytes queued on the socket and not yet written: what a slow reader
 * makes us hold. */
size_t gal_conn_queued(const gal_conn *c);
#endif
