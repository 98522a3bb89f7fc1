/* The simulator's request parser: llhttp underneath, any number of requests
 * on one connection, each reported in turn. */
#include <stdlib.h>

#include <llhttp.h>

#include "gemflow.h"
#include "http/http.h"

struct gf__http_req {
  llhttp_t p;
  gf__http_req_cbs cbs;
  void *ud;
  gf__http_gather g;
  gf__buf target;
  int err;        /* sticky */
  int keep_alive; /* of the current request */
  int in_body;    /* its headers are done: later headers are trailers */
  int closed;     /* a request without keep-alive ended: ignore the rest */
};

static const llhttp_settings_t gf__req_settings;

gf__http_req *gf__http_req_new(const gf__http_req_cbs *cbs, void *ud) {
  gf__http_req *r = calloc(1, sizeof *r);
  if (!r)
    return NULL;
  if (cbs)
    r->cbs = *cbs;
  r->ud = ud;
  gf__http_gather_init(&r->g);
  gf__buf_init(&r->target, GF_HTTP_MAX_HEADER);
  llhttp_init(&r->p, HTTP_REQUEST, &gf__req_settings);
  r->p.data = r;
  return r;
}

void gf__http_req_free(gf__http_req *r) {
  if (!r)
    return;
  gf__http_gather_free(&r->g);
  gf__buf_free(&r->target);
  free(r);
}

int gf__http_req_feed(gf__http_req *r, const char *p, size_t n) {
  while (!r->err && !r->closed && n) {
    llhttp_errno_t e = llhttp_execute(&r->p, p, n);
    if (r->err || r->closed)
      break;
    if (e == HPE_OK)
      break;
    if (e != HPE_PAUSED_UPGRADE) {
      r->err = GF_EHTTP;
      break;
    }
    /* We never switch protocols; a client that offered to (h2c) expects
     * plain HTTP/1.1 to go on, so parse what follows as the next request. */
    const char *at = llhttp_get_error_pos(&r->p);
    llhttp_resume_after_upgrade(&r->p);
    n -= (size_t)(at - p);
    p = at;
  }
  return r->err;
}

int gf__http_req_keep_alive(const gf__http_req *r) { return r->keep_alive; }

/* ---- llhttp callbacks ---- */

static gf__http_req *of(llhttp_t *p) { return p->data; }

/* Keeps rc for the caller (see resp.c). */
static int stop_span(gf__http_req *r, int rc) {
  r->err = rc;
  return HPE_USER;
}

static int stop(gf__http_req *r, int rc) {
  r->err = rc;
  return HPE_PAUSED;
}

static int on_message_begin(llhttp_t *p) {
  gf__http_req *r = of(p);
  gf__http_gather_begin(&r->g);
  gf__buf_reset(&r->target);
  r->in_body = 0;
  return 0;
}

static int on_url(llhttp_t *p, const char *at, size_t n) {
  int rc = gf__buf_append(&of(p)->target, at, n);
  return rc ? stop_span(of(p), rc) : 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t n) {
  int rc = gf__http_gather_name(&of(p)->g, at, n);
  return rc ? stop_span(of(p), rc) : 0;
}

static int on_header_field_complete(llhttp_t *p) {
  int rc = gf__http_gather_name_done(&of(p)->g);
  return rc ? stop(of(p), rc) : 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t n) {
  int rc = gf__http_gather_value(&of(p)->g, at, n);
  return rc ? stop_span(of(p), rc) : 0;
}

static int on_header_value_complete(llhttp_t *p) {
  gf__http_req *r = of(p);
  gf__http_header h;
  size_t nlen, vlen;
  int rc = gf__http_gather_value_done(&r->g, &h, &nlen, &vlen);
  if (rc)
    return stop(r, rc);
  if (!r->cbs.on_header || r->in_body)
    return 0; /* trailers are not reported */
  rc = r->cbs.on_header(r->ud, h.name, nlen, h.value, vlen);
  return rc ? stop(r, rc) : 0;
}

static int on_headers_complete(llhttp_t *p) {
  gf__http_req *r = of(p);
  r->keep_alive = llhttp_should_keep_alive(p);
  r->in_body = 1;
  const char *target = r->target.data ? r->target.data : "";
  int rc =
      r->cbs.on_headers_done
          ? r->cbs.on_headers_done(r->ud, llhttp_method_name(p->method), target)
          : 0;
  return rc ? stop(r, rc) : 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n) {
  gf__http_req *r = of(p);
  if (n == 0) /* llhttp does not seem to, but the contract forbids it */
    return 0;
  int rc = r->cbs.on_body ? r->cbs.on_body(r->ud, at, n) : 0;
  return rc ? stop_span(r, rc) : 0;
}

static int on_message_complete(llhttp_t *p) {
  gf__http_req *r = of(p);
  int rc = r->cbs.on_complete ? r->cbs.on_complete(r->ud) : 0;
  if (rc)
    return stop(r, rc);
  if (r->keep_alive)
    return 0;
  r->closed = 1;
  return HPE_PAUSED;
}

static const llhttp_settings_t gf__req_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};
