/* The client's response parser: llhttp underneath, one final response per
 * parser. llhttp parses 1xx responses as messages of their own and goes on
 * to the next; we stay silent for those and pause llhttp when the final
 * response ends, which is how the bytes after it are ignored.
 *
 * A body in Content-Encoding gzip (or x-gzip) is inflated here (inflate.c,
 * made at its first byte, freed at its end) and on_body sees the inflated
 * bytes; identity (or none) passes as it is; any other coding, or several,
 * fail at the end of the headers: there is no way to read them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <llhttp.h>

#include "gemflow.h"
#include "http/http.h"
#include "http/inflate.h"

struct gf__http_resp {
  llhttp_t p;
  gf__http_resp_cbs cbs;
  void *ud;
  gf__http_gather g;
  int err;        /* sticky: once set, every call returns it */
  int final_seen; /* the final (non-1xx) response's headers are done */
  int interims;   /* 1xx responses skipped so far */
  int done;       /* the final response is complete */
  /* whether the connection may carry another request (RFC 9112 9.3): the
   * final response's version and Connection tokens, computed here rather
   * than by llhttp, whose keep-alive leniency serves the 1xx case */
  int conn_close, conn_keep_alive;
  int by_eof;     /* the body ended with the connection */
  int extra;      /* bytes came after the final response */
  /* Content-Encoding of the final response: codings other than identity
   * named so far, whether the one named is gzip, and the first value that
   * named anything else (for the message) */
  unsigned codings;
  int gzip, gzip_only; /* gzip named; nothing else named */
  char other[48];
  gf__inflate *inf; /* while a gzip body streams */
  int body_rc;      /* the value on_body returned under the inflater */
  char msg[128];
};

static const llhttp_settings_t gf__resp_settings;

gf__http_resp *gf__http_resp_new(const gf__http_resp_cbs *cbs, void *ud) {
  gf__http_resp *r = calloc(1, sizeof *r);
  if (!r)
    return NULL;
  if (cbs)
    r->cbs = *cbs;
  r->ud = ud;
  gf__http_gather_init(&r->g);
  llhttp_init(&r->p, HTTP_RESPONSE, &gf__resp_settings);
  /* An "HTTP/1.0 1xx" or a "Connection: close" on an interim response
   * would otherwise make llhttp drop the final response that follows. */
  llhttp_set_lenient_keep_alive(&r->p, 1);
  r->p.data = r;
  r->gzip_only = 1;
  snprintf(r->msg, sizeof r->msg, "no error");
  return r;
}

void gf__http_resp_limits(gf__http_resp *r, size_t header_bytes,
                          unsigned headers) {
  gf__http_gather_limits(&r->g, header_bytes, headers);
}

void gf__http_resp_free(gf__http_resp *r) {
  if (!r)
    return;
  gf__http_gather_free(&r->g);
  gf__inflate_free(r->inf);
  free(r);
}

static int fail_llhttp(gf__http_resp *r, llhttp_errno_t e);

int gf__http_resp_feed(gf__http_resp *r, const char *p, size_t n) {
  if (r->err)
    return r->err;
  if (r->done) { /* not ours; but the connection cannot carry another */
    r->extra |= n > 0;
    return 0;
  }
  if (n == 0)
    return 0;
  llhttp_errno_t e = llhttp_execute(&r->p, p, n);
  if (r->err) /* set by one of our callbacks, whatever llhttp says */
    return r->err;
  if (r->done) { /* paused at the end of the final response */
    const char *at = llhttp_get_error_pos(&r->p);
    r->extra = at && at >= p && at < p + n;
    return 0;
  }
  if (e != HPE_OK)
    return fail_llhttp(r, e);
  return 0;
}

int gf__http_resp_eof(gf__http_resp *r) {
  if (r->err)
    return r->err;
  if (r->done)
    return 0;
  if (r->final_seen && llhttp_message_needs_eof(&r->p)) {
    /* a close-delimited body: the end of the connection ends it, and
     * llhttp_finish calls on_message_complete for us */
    r->by_eof = 1;
    llhttp_finish(&r->p);
    if (r->err)
      return r->err;
    if (r->done)
      return 0;
  }
  r->err = GF_ETRUNCATED;
  snprintf(r->msg, sizeof r->msg, "connection closed inside the response");
  return r->err;
}

const char *gf__http_resp_errmsg(const gf__http_resp *r) { return r->msg; }

int gf__http_resp_reusable(const gf__http_resp *r) {
  int persistent = r->p.http_major > 1 ||
                   (r->p.http_major == 1 && r->p.http_minor >= 1)
                       ? !r->conn_close
                       : r->conn_keep_alive && !r->conn_close;
  return r->done && !r->err && !r->by_eof && !r->extra && persistent;
}

/* The next token of a comma-separated header value from *i on (blanks
 * and commas skipped): its start, and its length (0 at the end). */
static size_t next_token(const char *v, size_t n, size_t *i, size_t *len) {
  while (*i < n && (v[*i] == ',' || v[*i] == ' ' || v[*i] == '\t'))
    (*i)++;
  size_t start = *i;
  while (*i < n && v[*i] != ',' && v[*i] != ' ' && v[*i] != '\t')
    (*i)++;
  *len = *i - start;
  return start;
}

/* The tokens of a Connection header: "close" and "keep-alive" matter. */
static void connection_tokens(gf__http_resp *r, const char *v, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t len, start = next_token(v, n, &i, &len);
    if (len == 5 && strncasecmp(v + start, "close", 5) == 0)
      r->conn_close = 1;
    else if (len == 10 && strncasecmp(v + start, "keep-alive", 10) == 0)
      r->conn_keep_alive = 1;
  }
}

/* The tokens of a Content-Encoding header (several headers add up). */
static void coding_tokens(gf__http_resp *r, const char *v, size_t n) {
  size_t i = 0;
  while (i < n) {
    size_t len, start = next_token(v, n, &i, &len);
    if (len == 0 || (len == 8 && !strncasecmp(v + start, "identity", 8)))
      continue; /* "no coding" (RFC 9110 8.4.1) */
    r->codings++;
    if ((len == 4 && !strncasecmp(v + start, "gzip", 4)) ||
        (len == 6 && !strncasecmp(v + start, "x-gzip", 6)))
      r->gzip = 1;
    else
      r->gzip_only = 0;
  }
  if ((r->codings > 1 || !r->gzip_only) && !r->other[0])
    snprintf(r->other, sizeof r->other, "%.*s", (int)(n > 40 ? 40 : n), v);
}

/* ---- llhttp callbacks ---- */

static gf__http_resp *of(llhttp_t *p) { return p->data; }

/* Keeps rc for the caller. Span callbacks stop llhttp with HPE_USER; the
 * others may only return 0, HPE_PAUSED or an error, so they pause (and the
 * sticky rc makes sure nobody resumes). */
static int stop_span(gf__http_resp *r, int rc) {
  r->err = rc;
  return HPE_USER;
}

static int stop(gf__http_resp *r, int rc) {
  r->err = rc;
  return HPE_PAUSED;
}

static void copy_printable(char *dst, size_t cap, const char *src) {
  size_t i = 0;
  for (; src && src[i] && i + 1 < cap; i++)
    dst[i] = (src[i] >= 0x20 && src[i] < 0x7f) ? src[i] : '?';
  dst[i] = '\0';
}

static int fail_llhttp(gf__http_resp *r, llhttp_errno_t e) {
  char reason[96];
  copy_printable(reason, sizeof reason, llhttp_get_error_reason(&r->p));
  snprintf(r->msg, sizeof r->msg, "%s: %s", llhttp_errno_name(e), reason);
  r->err = GF_EHTTP;
  return r->err;
}

static int interim(llhttp_t *p) { return p->status_code / 100 == 1; }

static int on_message_begin(llhttp_t *p) {
  gf__http_gather_begin(&of(p)->g);
  return 0;
}

static int on_status_complete(llhttp_t *p) {
  /* llhttp takes any three digits; a class below 1 has no meaning */
  if (p->status_code >= 100)
    return 0;
  snprintf(of(p)->msg, sizeof of(p)->msg, "status %03d", p->status_code);
  return stop(of(p), GF_EHTTP);
}

static int on_header_field(llhttp_t *p, const char *at, size_t n) {
  int rc = gf__http_gather_name(&of(p)->g, at, n);
  return rc ? stop_span(of(p), rc) : 0;
}

static int on_header_field_complete(llhttp_t *p) {
  int rc = gf__http_gather_name_done(&of(p)->g);
  if (rc == GF_EHTTP)
    snprintf(of(p)->msg, sizeof of(p)->msg, "empty header name");
  return rc ? stop(of(p), rc) : 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t n) {
  int rc = gf__http_gather_value(&of(p)->g, at, n);
  return rc ? stop_span(of(p), rc) : 0;
}

static int on_header_value_complete(llhttp_t *p) {
  gf__http_resp *r = of(p);
  gf__http_header h;
  size_t nlen, vlen;
  int rc = gf__http_gather_value_done(&r->g, &h, &nlen, &vlen);
  if (rc)
    return stop(r, rc);
  if (r->final_seen || interim(p))
    return 0; /* a trailer, or a header of a 1xx */
  if (nlen == 10 && strncasecmp(h.name, "connection", 10) == 0)
    connection_tokens(r, h.value, vlen);
  if (nlen == 16 && strncasecmp(h.name, "content-encoding", 16) == 0)
    coding_tokens(r, h.value, vlen);
  if (!r->cbs.on_header)
    return 0;
  rc = r->cbs.on_header(r->ud, h.name, nlen, h.value, vlen);
  return rc ? stop(r, rc) : 0;
}

/* RFC 9110 6.4.1: 1xx, 204 and 304 responses have no content, whatever
 * their Content-Length or Transfer-Encoding say; llhttp would read one. */
static int bodiless(int status) {
  return status / 100 == 1 || status == 204 || status == 304;
}

static int on_headers_complete(llhttp_t *p) {
  gf__http_resp *r = of(p);
  if (p->status_code == 101) {
    snprintf(r->msg, sizeof r->msg, "unexpected 101 Switching Protocols");
    return stop(r, GF_EHTTP);
  }
  if (interim(p) && ++r->interims > GF_HTTP_MAX_INTERIM) {
    snprintf(r->msg, sizeof r->msg, "more than %d interim (1xx) responses",
             GF_HTTP_MAX_INTERIM);
    return stop(r, GF_EHTTP);
  }
  if (!interim(p)) {
    r->final_seen = 1;
    int rc = r->cbs.on_headers_done
                 ? r->cbs.on_headers_done(r->ud, p->status_code)
                 : 0;
    if (rc)
      return stop(r, rc);
    if (!bodiless(p->status_code) && r->other[0]) {
      char v[48];
      copy_printable(v, sizeof v, r->other);
      snprintf(r->msg, sizeof r->msg, "unsupported Content-Encoding: %s%s",
               v, r->codings > 1 ? " (more than one coding)" : "");
      return stop(r, GF_EHTTP);
    }
  }
  return bodiless(p->status_code) ? 1 : 0; /* 1: llhttp skips the body */
}

static int deliver(void *ud, const char *p, size_t n) {
  gf__http_resp *r = ud;
  r->body_rc = r->cbs.on_body ? r->cbs.on_body(r->ud, p, n) : 0;
  return r->body_rc;
}

/* The inflater's failure, its reason kept; not a callback's value. */
static int inflate_failed(gf__http_resp *r, int rc) {
  if (!r->body_rc)
    copy_printable(r->msg, sizeof r->msg, gf__inflate_errmsg(r->inf));
  return rc;
}

static int gzip_body(gf__http_resp *r, const char *at, size_t n) {
  if (!r->inf && !(r->inf = gf__inflate_new())) {
    snprintf(r->msg, sizeof r->msg, "out of memory for a gzip body");
    return GF_ENOMEM;
  }
  int rc = gf__inflate_feed(r->inf, at, n, deliver, r);
  return rc ? inflate_failed(r, rc) : 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n) {
  gf__http_resp *r = of(p);
  if (n == 0) /* llhttp does not seem to, but the contract forbids it */
    return 0;
  int rc = r->gzip ? gzip_body(r, at, n)
           : r->cbs.on_body ? r->cbs.on_body(r->ud, at, n)
                            : 0;
  return rc ? stop_span(r, rc) : 0;
}

/* A gzip body must end where a member does; its inflater goes now. An
 * empty body (no member at all) passes, as it does in most clients. */
static int gzip_end(gf__http_resp *r) {
  int rc = r->inf ? gf__inflate_end(r->inf) : 0;
  if (rc)
    inflate_failed(r, rc);
  gf__inflate_free(r->inf);
  r->inf = NULL;
  return rc;
}

static int on_message_complete(llhttp_t *p) {
  gf__http_resp *r = of(p);
  if (!r->final_seen)
    return 0; /* a 1xx ended: the final response follows */
  int rc = gzip_end(r);
  if (rc)
    return stop(r, rc);
  r->done = 1;
  rc = r->cbs.on_complete ? r->cbs.on_complete(r->ud) : 0;
  if (rc)
    r->err = rc;
  return HPE_PAUSED; /* whatever follows is not ours */
}

static const llhttp_settings_t gf__resp_settings = {
    .on_message_begin = on_message_begin,
    .on_status_complete = on_status_complete,
    .on_header_field = on_header_field,
    .on_header_field_complete = on_header_field_complete,
    .on_header_value = on_header_value,
    .on_header_value_complete = on_header_value_complete,
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};
