/* The server in process, over loopback, with a small client made of the
 * project's own layers (TLS client engine, HTTP response parser): a full
 * generation over TLS with the exact image bytes, keep-alive, pipelining,
 * error answers, the connection-level faults (reset, EOF without
 * close_notify, truncation with close_notify), 1-byte chunks, many
 * concurrent requests, the request log, and stop with connections open.
 * The bodies that are not chunked: a Content-Length (keep-alive after it,
 * TLS records of the marker's size, cut short by the eof and reset
 * faults), and close-delimited (close_notify then FIN; with the eof fault
 * no close_notify), read with the http layer's response parser. The
 * retry markers: [[times:N]] counted per prompt text, [[retry-delay:MS]]
 * and [[retry-after:S]] as the only retry hints sent. [[at:head]] and
 * [[at:headers]], a clean close, a stall and a 103 on the wire. gzip
 * answers to a client that accepts them (and only then): the image exact
 * through the parser's inflater, 1-byte chunks counting compressed bytes,
 * a Content-Length of the compressed body, a fault inside the image after
 * the plain bytes before it, an error answer, the log's "gzip". */
#include <json-c/json.h>
#include <unistd.h>

#include "b64/b64.h"
#include "common/buf.h"
#include "common/sha256.h"
#include "gemflow.h"
#include "http/http.h"
#include "sim/png.h"
#include "sim/sim.h"
#include "sse/sse.h"
#include "tls/tls.h"
#include "test.h"

#define PATH "/v1beta/models/gemini-3-pro-image-preview:streamGenerateContent"

/* ---- a client ---- */

typedef struct cli {
  uv_tcp_t tcp;
  uv_connect_t conn;
  uv_timer_t timer; /* sends the next request, after a response */
  gf__tls *tls;
  gf__http_resp *resp;
  gf__buf out;      /* ciphertext or plain bytes to write */
  gf__buf raw;      /* every plaintext byte received */
  gf__buf body;     /* de-chunked body of the current response */
  const char *reqs[4];
  int nreqs, sent, pipelined;
  int status[4], complete[4], responses;
  size_t body_end[4]; /* body.len when response i completed */
  char clen[4][32], te[4][32], connection[4][32]; /* per response */
  size_t max_plain;   /* the largest piece of plaintext (a TLS record) */
  char ctype[64];
  int eof, reset, close_notify, failed, closed, reads;
} cli;

static char ca_path[1200];
static gf__tls_config *client_cfg;

static void on_close(uv_handle_t *h) { ((cli *)h->data)->closed++; }

static void cli_close(cli *c) {
  if (!uv_is_closing((uv_handle_t *)&c->tcp)) {
    uv_close((uv_handle_t *)&c->tcp, on_close);
    uv_close((uv_handle_t *)&c->timer, on_close);
  }
}

static void write_done(uv_write_t *w, int status) {
  free(w->data);
  free(w);
  (void)status;
}

static void flush_out(cli *c) {
  if (!c->out.len)
    return;
  uv_write_t *w = malloc(sizeof *w);
  size_t n;
  w->data = gf__buf_steal(&c->out, &n);
  uv_buf_t b = uv_buf_init(w->data, (unsigned)n);
  if (uv_write(w, (uv_stream_t *)&c->tcp, &b, 1, write_done)) {
    free(w->data);
    free(w);
  }
}

static int on_cipher(void *ud, const char *p, size_t n) {
  return gf__buf_append(&((cli *)ud)->out, p, n);
}

static void send_plain(cli *c, const char *p, size_t n) {
  if (c->tls)
    gf__tls_write(c->tls, p, n);
  else
    gf__buf_append(&c->out, p, n);
  flush_out(c);
}

static void send_next(cli *c) {
  do {
    const char *r = c->reqs[c->sent++];
    send_plain(c, r, strlen(r));
  } while (c->pipelined && c->sent < c->nreqs);
}

static int r_header(void *ud, const char *name, size_t nlen, const char *value,
                    size_t vlen) {
  cli *c = ud;
  int i = c->responses < 4 ? c->responses : 3;
  char *to = NULL;
  if (nlen == 12 && strncasecmp(name, "content-type", 12) == 0)
    snprintf(c->ctype, sizeof c->ctype, "%.*s", (int)vlen, value);
  else if (nlen == 14 && strncasecmp(name, "content-length", 14) == 0)
    to = c->clen[i];
  else if (nlen == 17 && strncasecmp(name, "transfer-encoding", 17) == 0)
    to = c->te[i];
  else if (nlen == 10 && strncasecmp(name, "connection", 10) == 0)
    to = c->connection[i];
  if (to)
    snprintf(to, 32, "%.*s", (int)vlen, value);
  return 0;
}
static int r_headers_done(void *ud, int status) {
  cli *c = ud;
  if (c->responses < 4)
    c->status[c->responses] = status;
  return 0;
}
static int r_body(void *ud, const char *p, size_t n) {
  return gf__buf_append(&((cli *)ud)->body, p, n);
}
static int r_complete(void *ud) {
  cli *c = ud;
  if (c->responses < 4) {
    c->complete[c->responses] = 1;
    c->body_end[c->responses] = c->body.len;
  }
  c->responses++;
  return 1; /* stop: the next response gets a fresh parser */
}
static const gf__http_resp_cbs resp_cbs = {r_header, r_headers_done, r_body,
                                           r_complete};

static void next_timer(uv_timer_t *t) {
  cli *c = t->data;
  send_next(c);
}

static int on_plain(void *ud, const char *p, size_t n) {
  cli *c = ud;
  gf__buf_append(&c->raw, p, n);
  if (n > c->max_plain)
    c->max_plain = n;
  if (c->pipelined)
    return 0; /* read raw */
  int rc = gf__http_resp_feed(c->resp, p, n);
  if (rc == 1) { /* a response ended */
    gf__http_resp_free(c->resp);
    c->resp = gf__http_resp_new(&resp_cbs, c);
    if (c->sent < c->nreqs)
      uv_timer_start(&c->timer, next_timer, 0, 0);
  } else if (rc) {
    c->failed = rc;
  }
  return 0;
}

static void on_hs(void *ud, int status) {
  cli *c = ud;
  if (status)
    c->failed = status;
  else
    send_next(c);
}

static const gf__tls_cbs tls_cbs = {on_cipher, on_plain, on_hs};

static void alloc_cb(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  static char buf[65536];
  (void)h, (void)hint;
  *b = uv_buf_init(buf, sizeof buf);
}

static void read_cb(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  cli *c = s->data;
  if (n < 0) {
    if (n == UV_EOF)
      c->eof = 1;
    else if (n == UV_ECONNRESET)
      c->reset = 1;
    else
      c->failed = (int)n;
    cli_close(c);
    return;
  }
  c->reads++;
  if (c->tls) {
    int rc = gf__tls_feed(c->tls, b->base, (size_t)n);
    flush_out(c);
    if (rc)
      c->failed = rc;
    if (gf__tls_closed(c->tls))
      c->close_notify = 1;
  } else {
    on_plain(c, b->base, (size_t)n);
  }
}

static void on_connect(uv_connect_t *req, int status) {
  cli *c = req->data;
  if (status) {
    c->failed = status;
    cli_close(c);
    return;
  }
  uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, read_cb);
  if (c->tls) {
    gf__tls_start(c->tls);
    flush_out(c);
  } else {
    send_next(c);
  }
}

static void cli_start(cli *c, uv_loop_t *loop, int port, int tls) {
  gf__buf_init(&c->out, 0);
  gf__buf_init(&c->raw, 0);
  gf__buf_init(&c->body, 0);
  c->resp = gf__http_resp_new(&resp_cbs, c);
  if (tls)
    CHECK_INT(gf__tls_new(&c->tls, client_cfg, "localhost", &tls_cbs, c), 0);
  uv_tcp_init(loop, &c->tcp);
  uv_timer_init(loop, &c->timer);
  c->tcp.data = c->timer.data = c->conn.data = c;
  struct sockaddr_in a;
  uv_ip4_addr("127.0.0.1", port, &a);
  uv_tcp_connect(&c->conn, &c->tcp, (const struct sockaddr *)&a, on_connect);
}

static void cli_free(cli *c) {
  gf__tls_free(c->tls);
  gf__http_resp_free(c->resp);
  gf__buf_free(&c->out);
  gf__buf_free(&c->raw);
  gf__buf_free(&c->body);
  for (int i = 0; i < c->nreqs; i++)
    free((char *)c->reqs[i]);
}

static char *request_with(const char *prompt, const char *query, int close,
                          const char *extra) {
  gf__buf b;
  gf__buf_init(&b, 0);
  json_object *s = json_object_new_string(prompt);
  const char *js = json_object_to_json_string(s);
  char body[4096];
  snprintf(body, sizeof body, "{\"contents\":[{\"parts\":[{\"text\":%s}]}]}",
           js);
  gf__buf_printf(&b,
                 "POST %s%s HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                 "application/json\r\n%s%sContent-Length: %zu\r\n\r\n%s",
                 PATH, query, close ? "Connection: close\r\n" : "", extra,
                 strlen(body), body);
  json_object_put(s);
  return gf__buf_steal(&b, NULL);
}

static char *request(const char *prompt, const char *query, int close) {
  return request_with(prompt, query, close, "");
}

/* As a client that takes gzip asks (two headers: one list). */
static char *request_gz(const char *prompt, const char *query, int close) {
  return request_with(prompt, query, close,
                      "Accept-Encoding: br;q=1.0\r\n"
                      "accept-encoding: gzip;q=0.5, identity\r\n");
}

/* Runs the loop until every client has closed (bounded). */
static void run_until_closed(uv_loop_t *loop, cli *cs, int n) {
  for (int guard = 0; guard < 600000; guard++) {
    int open = 0;
    for (int i = 0; i < n; i++)
      open += cs[i].closed < 2;
    if (!open)
      return;
    uv_run(loop, UV_RUN_ONCE);
  }
  CHECK(!"clients did not finish");
}

/* ---- a server ---- */

typedef struct srv {
  uv_loop_t loop;
  gf__sim *sim;
  char dir[256], log[300];
} srv;

static const char *srv_api_key; /* the next server's one valid key */

static void srv_start(srv *s, const char *const *reject, int plain) {
  CHECK_INT(uv_loop_init(&s->loop), 0);
  snprintf(s->dir, sizeof s->dir, "/tmp/gf-sim-test-XXXXXX");
  CHECK(mkdtemp(s->dir) != NULL);
  snprintf(s->log, sizeof s->log, "%s/requests.log", s->dir);
  gf__sim_opts o;
  gf__sim_opts_init(&o);
  o.dir = s->dir;
  o.plain = plain;
  o.log_file = s->log;
  for (; reject && *reject; reject++)
    o.reject[o.nreject++] = *reject;
  o.api_key = srv_api_key;
  const char *why = NULL;
  int rc = gf__sim_start(&s->sim, &s->loop, &o, &why);
  if (rc)
    fprintf(stderr, "start: %s\n", why);
  CHECK_INT(rc, 0);
  CHECK(gf__sim_port(s->sim) > 0);
  if (!plain) {
    char want[64];
    snprintf(want, sizeof want, "https://localhost:%d", gf__sim_port(s->sim));
    CHECK_STR(gf__sim_url(s->sim), want);
    snprintf(ca_path, sizeof ca_path, "%s", gf__sim_ca(s->sim));
    CHECK(strstr(ca_path, s->dir) == ca_path);
    gf__tls_config_free(client_cfg);
    client_cfg = NULL;
    CHECK_INT(gf__tls_config_client(&client_cfg, ca_path, NULL), 0);
  } else {
    CHECK(gf__sim_ca(s->sim) == NULL);
    CHECK(strncmp(gf__sim_url(s->sim), "http://127.0.0.1:", 17) == 0);
  }
}

static int srv_log_lines(srv *s) {
  FILE *f = fopen(s->log, "r");
  int n = 0, ch;
  while (f && (ch = fgetc(f)) != EOF)
    n += ch == '\n';
  if (f)
    fclose(f);
  return n;
}

static void srv_stop(srv *s) {
  gf__sim_stop(s->sim);
  CHECK_INT(uv_run(&s->loop, UV_RUN_DEFAULT), 0);
  CHECK_INT(uv_loop_close(&s->loop), 0);
  char p[400];
  static const char *const files[] = {"ca.pem", "server.pem", "server.key",
                                      "requests.log"};
  for (int i = 0; i < 4; i++) {
    snprintf(p, sizeof p, "%s/%s", s->dir, files[i]);
    unlink(p);
  }
  rmdir(s->dir);
}

/* The final image of an SSE body: decoded and hashed. */
static int image_sha(const gf__buf *body, unsigned char sha[32],
                     uint64_t *len) {
  const char *last = NULL, *p = body->data, *end = body->data + body->len;
  while ((p = memmem(p, (size_t)(end - p), "\"data\":\"", 8))) {
    last = p + 8;
    p += 8;
  }
  if (!last)
    return -1;
  const char *q = memchr(last, '"', (size_t)(end - last));
  if (!q)
    return -1;
  size_t n = (size_t)(q - last), got = 0, tail = 0;
  unsigned char *png = malloc(GF_B64_DEC_MAX(n) + 3);
  gf__b64dec d;
  gf__b64_init(&d);
  int rc = gf__b64_decode(&d, last, n, png, &got) ||
           gf__b64_finish(&d, png + got, &tail);
  gf__sha256 s;
  gf__sha256_init(&s);
  gf__sha256_update(&s, png, got + tail);
  gf__sha256_final(&s, sha);
  *len = got + tail;
  free(png);
  return rc ? -1 : 0;
}

static void expected(const char *prompt, int w, int h, unsigned char sha[32],
                     uint64_t *len) {
  gf__buf png;
  gf__buf_init(&png, 0);
  CHECK_INT(gf__sim_png_encode(prompt, strlen(prompt), 0, w, h, &png), 0);
  gf__sha256 s;
  gf__sha256_init(&s);
  gf__sha256_update(&s, png.data, png.len);
  gf__sha256_final(&s, sha);
  *len = png.len;
  gf__buf_free(&png);
}

/* ---- tests ---- */

static void test_tls_generation(void) {
  srv s;
  srv_start(&s, NULL, 0);
  cli c;
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request("a quiet harbour [[eol:lf]]", "?alt=sse&key=k", 0);
  c.reqs[c.nreqs++] = request("a quiet harbour", "?key=k", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.failed, 0);
  CHECK_INT(c.responses, 2);
  CHECK_INT(c.status[0], 200);
  CHECK_INT(c.status[1], 200);
  CHECK_INT(c.complete[0] + c.complete[1], 2);
  /* the second answer, JSON array, closes with close_notify */
  CHECK_STR(c.ctype, "application/json; charset=UTF-8");
  CHECK_INT(c.close_notify, 1);
  CHECK_INT(c.eof, 1);
  unsigned char sha[32], want[32];
  uint64_t len = 0, wlen = 0;
  CHECK_INT(image_sha(&c.body, sha, &len), 0);
  expected("a quiet harbour", 1024, 1024, want, &wlen);
  CHECK_INT(len, wlen);
  CHECK_MEM(sha, 32, want, 32);
  CHECK(strstr(c.raw.data, "data: {\"candidates\"") != NULL); /* the SSE one */
  cli_free(&c);
  CHECK_INT(srv_log_lines(&s), 2);
  srv_stop(&s);
}

static void test_errors_and_pipelining(void) {
  static const char *const rej[] = {"revoked", NULL};
  srv s;
  srv_start(&s, rej, 1);
  cli c;
  memset(&c, 0, sizeof c);
  c.pipelined = 1;
  c.reqs[c.nreqs++] = strdup("GET /v1beta/models HTTP/1.1\r\nHost: x\r\n\r\n");
  c.reqs[c.nreqs++] = request("x", "?key=revoked", 0);
  c.reqs[c.nreqs++] = request("x [[fault:429]]", "?key=k", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 0);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.eof, 1);
  const char *a = strstr(c.raw.data, "HTTP/1.1 404 Not Found\r\n");
  const char *b = strstr(c.raw.data, "HTTP/1.1 403 Forbidden\r\n");
  const char *d = strstr(c.raw.data, "HTTP/1.1 429 Too Many Requests\r\n");
  CHECK(a && b && d && a < b && b < d);
  CHECK(strstr(c.raw.data, "Your API key was reported as leaked.") != NULL);
  CHECK(d && strstr(d, "\r\nRetry-After: 2\r\n") != NULL);
  CHECK(d && strstr(d, "\r\nConnection: close\r\n") != NULL);
  CHECK(strstr(c.raw.data, "revoked") == NULL);
  cli_free(&c);

  /* a body over the limit is refused from its Content-Length, at once */
  memset(&c, 0, sizeof c);
  c.pipelined = 1;
  c.reqs[c.nreqs++] = strdup("POST " PATH "?key=k HTTP/1.1\r\nHost: x\r\n"
                             "Content-Length: 67108865\r\n\r\n{\"contents\"");
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 0);
  run_until_closed(&s.loop, &c, 1);
  CHECK(strncmp(c.raw.data, "HTTP/1.1 413 ", 13) == 0);
  CHECK(strstr(c.raw.data, "\r\nConnection: close\r\n") != NULL);
  CHECK_INT(c.eof, 1);
  cli_free(&c);

  /* malformed HTTP */
  memset(&c, 0, sizeof c);
  c.pipelined = 1;
  c.reqs[c.nreqs++] = strdup("POST / HTTP/1.1\r\nHost x\r\n\r\n");
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 0);
  run_until_closed(&s.loop, &c, 1);
  CHECK(c.raw.data && strncmp(c.raw.data, "HTTP/1.1 400 ", 13) == 0);
  cli_free(&c);
  CHECK_INT(srv_log_lines(&s), 5);
  srv_stop(&s);
}

/* One valid key set (--api-key-file): it gets the stream, another key the
 * service's 400 API_KEY_INVALID, none its 403; no key is ever echoed. */
static void test_api_key(void) {
  srv_api_key = "the-valid-key";
  srv s;
  srv_start(&s, NULL, 1);
  srv_api_key = NULL;
  cli c;
  memset(&c, 0, sizeof c);
  c.pipelined = 1;
  c.reqs[c.nreqs++] = request("x", "?key=the-other-key", 0);
  c.reqs[c.nreqs++] = request("y", "", 0);
  c.reqs[c.nreqs++] = request("a quiet harbour", "?key=the-valid-key", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 0);
  run_until_closed(&s.loop, &c, 1);
  const char *a = strstr(c.raw.data, "HTTP/1.1 400 Bad Request\r\n");
  const char *b = strstr(c.raw.data, "HTTP/1.1 403 Forbidden\r\n");
  const char *d = strstr(c.raw.data, "HTTP/1.1 200 OK\r\n");
  CHECK(a && b && d && a < b && b < d);
  CHECK(a && strstr(a, "\"reason\": \"API_KEY_INVALID\"") != NULL);
  CHECK(a && strstr(a, "\"message\": \"API key not valid. Please pass a "
                       "valid API key.\"") != NULL);
  CHECK(strstr(c.raw.data, "the-other-key") == NULL);
  CHECK(strstr(c.raw.data, "the-valid-key") == NULL);
  cli_free(&c);
  /* the valid key's stream, whole */
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request("a quiet harbour", "?alt=sse&key=the-valid-key", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 0);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.status[0], 200);
  unsigned char sha[32], want[32];
  uint64_t len = 0, wlen = 0;
  CHECK_INT(image_sha(&c.body, sha, &len), 0);
  expected("a quiet harbour", 1024, 1024, want, &wlen);
  CHECK_MEM(sha, 32, want, 32);
  cli_free(&c);
  CHECK_INT(srv_log_lines(&s), 4);
  FILE *f = fopen(s.log, "r");
  char line[4096];
  int n = 0;
  while (f && fgets(line, sizeof line, f)) {
    CHECK(strstr(line, "the-other-key") == NULL);
    CHECK(strstr(line, "the-valid-key") == NULL);
    CHECK(strstr(line, n >= 2 ? "\"key_ok\":true" : "\"key_ok\":false"));
    n++;
  }
  if (f)
    fclose(f);
  srv_stop(&s);
}

static void test_connection_faults(void) {
  srv s;
  srv_start(&s, NULL, 0);
  /* reset after the thoughts: they all arrive, then ECONNRESET */
  cli c;
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request("x [[fault:reset]]", "?alt=sse&key=k", 0);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.reset, 1);
  CHECK_INT(c.responses, 0);
  CHECK_INT(c.status[0], 200);
  const char *p = c.body.data;
  int thoughts = 0;
  while (p && (p = strstr(p, "\"thought\"")))
    thoughts++, p++;
  CHECK_INT(thoughts, 3);
  cli_free(&c);

  /* eof: half an image, a TCP FIN, no close_notify, no last chunk */
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request("x [[fault:eof]]", "?alt=sse&key=k", 0);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.eof, 1);
  CHECK_INT(c.close_notify, 0);
  CHECK_INT(c.responses, 0);
  CHECK_INT(gf__http_resp_eof(c.resp), GF_ETRUNCATED);
  CHECK(c.body.len > 1000000);
  cli_free(&c);

  /* truncate: a proper end of the body and close_notify, no image */
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request("x [[fault:truncate]]", "?alt=sse&key=k", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.responses, 1);
  CHECK_INT(c.close_notify, 1);
  CHECK(strstr(c.body.data, "inlineData") == NULL);
  CHECK(strstr(c.body.data, "finishReason") == NULL);
  cli_free(&c);
  srv_stop(&s);
}

static void test_one_byte_chunks(void) {
  srv s;
  srv_start(&s, NULL, 0);
  cli c;
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request("tiny [[chunk:1]]", "?alt=sse&key=k", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.responses, 1);
  unsigned char sha[32], want[32];
  uint64_t len = 0, wlen = 0;
  CHECK_INT(image_sha(&c.body, sha, &len), 0);
  expected("tiny ", 1024, 1024, want, &wlen);
  CHECK_MEM(sha, 32, want, 32);
  /* ~14 MB of 1-byte chunks came in far fewer reads than chunks */
  CHECK(c.raw.len > 6 * c.body.len);
  CHECK(c.reads < (int)(c.body.len / 100));
  cli_free(&c);
  srv_stop(&s);
}

static void test_concurrent(void) {
  enum { N = 24 };
  srv s;
  srv_start(&s, NULL, 0);
  static cli cs[N];
  memset(cs, 0, sizeof cs);
  for (int i = 0; i < N; i++) {
    char prompt[64];
    snprintf(prompt, sizeof prompt, "harbour %d%s", i % 6,
             i % 3 == 0 ? " [[chunk:7]]" : "");
    cs[i].reqs[cs[i].nreqs++] = request(prompt, "?alt=sse&key=k", 1);
    cli_start(&cs[i], &s.loop, gf__sim_port(s.sim), 1);
  }
  run_until_closed(&s.loop, cs, N);
  for (int i = 0; i < N; i++) {
    char prompt[64];
    snprintf(prompt, sizeof prompt, "harbour %d%s", i % 6,
             i % 3 == 0 ? " " : "");
    unsigned char sha[32], want[32];
    uint64_t len = 0, wlen = 0;
    CHECK_INT(cs[i].responses, 1);
    CHECK_INT(image_sha(&cs[i].body, sha, &len), 0);
    expected(prompt, 1024, 1024, want, &wlen);
    CHECK_MEM(sha, 32, want, 32);
    cli_free(&cs[i]);
  }
  CHECK_INT(srv_log_lines(&s), N);
  srv_stop(&s);
}

/* Stop while responses wait (a think pause, an image being made) and a
 * connection is idle: everything closes, nothing leaks. */
static void test_stop_midway(void) {
  srv s;
  srv_start(&s, NULL, 0);
  static cli cs[3];
  memset(cs, 0, sizeof cs);
  cs[0].reqs[cs[0].nreqs++] = request("x [[think:5000]]", "?alt=sse&key=k", 0);
  cs[1].reqs[cs[1].nreqs++] = request("a new one", "?alt=sse&key=k", 0);
  cs[2].reqs[cs[2].nreqs++] = strdup("POST " PATH " HTTP/1.1\r\nHost: x\r\n"
                                     "Content-Length: 100\r\n\r\n{");
  for (int i = 0; i < 3; i++)
    cli_start(&cs[i], &s.loop, gf__sim_port(s.sim), 1);
  for (int i = 0; i < 200 && cs[0].body.len == 0; i++)
    uv_run(&s.loop, UV_RUN_ONCE);
  CHECK(cs[0].body.len > 0);
  gf__sim_stop(s.sim);
  s.sim = NULL;
  run_until_closed(&s.loop, cs, 3);
  for (int i = 0; i < 3; i++) {
    CHECK_INT(cs[i].responses, 0);
    cli_free(&cs[i]);
  }
  CHECK_INT(uv_run(&s.loop, UV_RUN_DEFAULT), 0);
  CHECK_INT(uv_loop_close(&s.loop), 0);
  /* the first was logged as aborted */
  FILE *f = fopen(s.log, "r");
  char line[4096] = "";
  CHECK(f && fgets(line, sizeof line, f));
  CHECK(strstr(line, "\"aborted\":true") != NULL);
  if (f)
    fclose(f);
  s.sim = NULL;
  char p[400];
  static const char *const files[] = {"ca.pem", "server.pem", "server.key",
                                      "requests.log"};
  for (int i = 0; i < 4; i++) {
    snprintf(p, sizeof p, "%s/%s", s.dir, files[i]);
    unlink(p);
  }
  rmdir(s.dir);
}

static void test_start_failures(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  gf__sim *sim = NULL;
  gf__sim_opts o;
  gf__sim_opts_init(&o);
  o.plain = 1;
  o.host = "not-an-ip";
  const char *why = NULL;
  CHECK_INT(gf__sim_start(&sim, &loop, &o, &why), GF_EINVAL);
  CHECK(sim == NULL);
  CHECK_STR(why, "--host not-an-ip is not an IP address");
  o.host = "127.0.0.1";
  o.log_file = "/nonexistent/dir/log";
  CHECK_INT(gf__sim_start(&sim, &loop, &o, &why), GF_EIO);
  o.log_file = NULL;
  o.plain = 0;
  o.cert_file = "/nonexistent.pem";
  o.key_file = "/nonexistent.key";
  CHECK(gf__sim_start(&sim, &loop, &o, &why) != 0);
  CHECK(strncmp(why, "cannot load --cert/--key", 24) == 0);
  /* a port in use */
  o.cert_file = o.key_file = NULL;
  o.plain = 1;
  gf__sim *a = NULL;
  CHECK_INT(gf__sim_start(&a, &loop, &o, &why), 0);
  o.port = gf__sim_port(a);
  CHECK_INT(gf__sim_start(&sim, &loop, &o, &why), GF_ECONNECT);
  gf__sim_stop(a);
  CHECK_INT(uv_run(&loop, UV_RUN_DEFAULT), 0);
  CHECK_INT(uv_loop_close(&loop), 0);
}

/* ---- bodies that are not chunked ---- */

/* The final image of an SSE body, decoded with the SSE decoder and json-c
 * (the framing variants cut the JSON over data lines). */
typedef struct sse_img {
  gf__buf ev;
  unsigned char sha[32];
  uint64_t len;
  int images, events;
} sse_img;

static int si_data(void *ud, const char *p, size_t n) {
  return gf__buf_append(&((sse_img *)ud)->ev, p, n);
}

static int si_dispatch(void *ud, const char *type, const char *id) {
  sse_img *s = ud;
  (void)type, (void)id;
  s->events++;
  json_object *o = json_tokener_parse(s->ev.data ? s->ev.data : "");
  json_object *v = NULL, *cands, *parts, *inl;
  if (json_object_object_get_ex(o, "candidates", &cands) &&
      json_object_object_get_ex(json_object_array_get_idx(cands, 0), "content",
                                &v) &&
      json_object_object_get_ex(v, "parts", &parts) &&
      json_object_object_get_ex(json_object_array_get_idx(parts, 0),
                                "inlineData", &inl) &&
      json_object_object_get_ex(inl, "data", &v)) {
    size_t n = (size_t)json_object_get_string_len(v), got = 0, tail = 0;
    unsigned char *png = malloc(GF_B64_DEC_MAX(n) + 3);
    gf__b64dec d;
    gf__b64_init(&d);
    CHECK_INT(gf__b64_decode(&d, json_object_get_string(v), n, png, &got), 0);
    CHECK_INT(gf__b64_finish(&d, png + got, &tail), 0);
    gf__sha256 h;
    gf__sha256_init(&h);
    gf__sha256_update(&h, png, got + tail);
    gf__sha256_final(&h, s->sha);
    s->len = got + tail;
    s->images++;
    free(png);
  }
  json_object_put(o);
  gf__buf_reset(&s->ev);
  return 0;
}

static void sse_image(const char *p, size_t n, sse_img *s) {
  static const gf__sse_cbs cbs = {si_data, si_dispatch, NULL, NULL, NULL};
  memset(s, 0, sizeof *s);
  gf__buf_init(&s->ev, 0);
  gf__sse *d = gf__sse_new(&cbs, s, 0);
  CHECK_INT(gf__sse_feed(d, p, n), 0);
  CHECK_INT(gf__sse_end(d), 0);
  gf__sse_free(d);
  gf__buf_free(&s->ev);
}

static void check_image(const char *p, size_t n, const char *prompt) {
  sse_img si;
  unsigned char want[32];
  uint64_t wlen = 0;
  sse_image(p, n, &si);
  CHECK_INT(si.images, 1);
  expected(prompt, 1024, 1024, want, &wlen);
  CHECK_INT(si.len, wlen);
  CHECK_MEM(si.sha, 32, want, 32);
}

/* Content-Length: the exact size, no chunks; the connection stays for the
 * next request; records as large as TLS allows, or [[chunk:N]] bytes. */
static void test_body_length(void) {
  srv s;
  srv_start(&s, NULL, 0);
  cli c;
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request("a harbour [[body:length]][[eol:mixed]]"
                              "[[multiline]][[sse-fields]][[ping]]",
                              "?alt=sse&key=k", 0);
  c.reqs[c.nreqs++] = request("a harbour [[body:length]][[chunk:1000]]",
                              "?alt=sse&key=k", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.failed, 0);
  CHECK_INT(c.responses, 2);
  CHECK_INT(c.status[0] + c.status[1], 400);
  size_t start = 0;
  for (int i = 0; i < 2; i++) {
    char want[32];
    snprintf(want, sizeof want, "%zu", c.body_end[i] - start);
    CHECK_STR(c.clen[i], want);
    CHECK_STR(c.te[i], "");
    CHECK(c.body_end[i] - start > 1000000);
    check_image(c.body.data + start, c.body_end[i] - start, "a harbour ");
    start = c.body_end[i];
  }
  CHECK_STR(c.connection[0], "");
  CHECK_STR(c.connection[1], "close");
  CHECK_INT(c.close_notify, 1);
  CHECK_INT(c.eof, 1);
  CHECK(c.max_plain > 1000); /* the first answer's records were large */
  CHECK_INT(srv_log_lines(&s), 2);
  cli_free(&c);
  /* only the records of [[chunk:1000]], on a connection of their own */
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] =
      request("a harbour [[body:length]][[chunk:1000]]", "?alt=sse&key=k", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.responses, 1);
  CHECK_INT(c.max_plain, 1000);
  check_image(c.body.data, c.body.len, "a harbour ");
  cli_free(&c);
  srv_stop(&s);
}

/* The faults cut a Content-Length body short: the parser says truncated. */
static void test_body_length_faults(void) {
  srv s;
  srv_start(&s, NULL, 0);
  static const char *const prompts[] = {"x [[body:length]][[fault:eof]]",
                                        "x [[body:length]][[fault:reset]]"};
  for (int i = 0; i < 2; i++) {
    cli c;
    memset(&c, 0, sizeof c);
    c.reqs[c.nreqs++] = request(prompts[i], "?alt=sse&key=k", 0);
    cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
    run_until_closed(&s.loop, &c, 1);
    CHECK_INT(c.status[0], 200);
    CHECK_INT(c.responses, 0);
    CHECK_INT(c.close_notify, 0);
    CHECK_INT(i == 0 ? c.eof : c.reset, 1);
    CHECK(c.clen[0][0] != '\0');
    CHECK(strtoull(c.clen[0], NULL, 10) > c.body.len + 1000000);
    CHECK_STR(c.te[0], "");
    if (i == 0) {
      CHECK(c.body.len > 1000000);
      CHECK_INT(gf__http_resp_eof(c.resp), GF_ETRUNCATED);
    }
    cli_free(&c);
  }
  srv_stop(&s);
}

/* Close-delimited: "Connection: close" though the client keeps alive, no
 * framing header, close_notify after the last byte, then the FIN; the
 * parser completes at the EOF. With the eof fault: no close_notify. */
static void test_body_close(void) {
  for (int plain = 0; plain < 2; plain++) {
    srv s;
    srv_start(&s, NULL, plain);
    static const char *const prompts[] = {
        "a harbour [[body:close]][[nospace]][[bom]]",
        "a harbour [[body:close]][[fault:eof]]",
        "a harbour [[body:close]][[fault:reset]]"};
    for (int i = 0; i < 3; i++) {
      cli c;
      memset(&c, 0, sizeof c);
      c.reqs[c.nreqs++] = request(prompts[i], "?alt=sse&key=k", 0);
      c.reqs[c.nreqs++] = request("never sent", "?alt=sse&key=k", 0);
      cli_start(&c, &s.loop, gf__sim_port(s.sim), !plain);
      run_until_closed(&s.loop, &c, 1);
      CHECK_INT(c.failed, 0);
      CHECK_INT(c.status[0], 200);
      CHECK_STR(c.connection[0], "close");
      CHECK_STR(c.clen[0], "");
      CHECK_STR(c.te[0], "");
      CHECK_INT(c.responses, 0);
      CHECK_INT(c.sent, 1);
      /* libuv reports a reset that comes with the last bytes as an EOF
       * (it may, in plain mode, where both come at once) */
      CHECK_INT(c.eof + c.reset, 1);
      if (!plain || i < 2)
        CHECK_INT(c.reset, i == 2);
      CHECK_INT(c.close_notify, !plain && i == 0);
      if (i < 2) {
        /* the EOF ends the body for HTTP (only TLS can tell the cut) */
        CHECK_INT(gf__http_resp_eof(c.resp), 1);
        CHECK_INT(c.responses, 1);
        CHECK_INT(c.body_end[0], c.body.len);
      }
      if (i == 0) {
        CHECK(memcmp(c.body.data, "\xef\xbb\xbf" "data:{", 9) == 0);
        check_image(c.body.data, c.body.len, "a harbour ");
      } else if (i == 1) {
        CHECK(c.body.len > 1000000); /* half the image */
      } else {
        CHECK(strstr(c.body.data, "inlineData") == NULL);
      }
      cli_free(&c);
    }
    CHECK_INT(srv_log_lines(&s), 3);
    srv_stop(&s);
  }
}

/* Occurrences of what in the request log. */
static int srv_log_count(srv *s, const char *what) {
  FILE *f = fopen(s->log, "r");
  char line[4096];
  int n = 0;
  while (f && fgets(line, sizeof line, f))
    n += strstr(line, what) != NULL;
  if (f)
    fclose(f);
  return n;
}

/* Response i's body, of a client that kept the connection. */
static const char *body_of(const cli *c, int i, size_t *n) {
  size_t start = i ? c->body_end[i - 1] : 0;
  *n = c->body_end[i] - start;
  return c->body.data + start;
}

static int has(const char *p, size_t n, const char *what) {
  return memmem(p, n, what, strlen(what)) != NULL;
}

/* [[fault:429]][[times:2]]: two 429s, then the image; each prompt text has
 * its own count, kept across connections. */
static void test_times(void) {
  static const char p1[] = "a lighthouse [[fault:429]][[times:2]]";
  static const char p2[] = "a lighthouse [[fault:429]][[times:2]] ";
  srv s;
  srv_start(&s, NULL, 1);
  cli c;
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request(p1, "?alt=sse&key=k", 0);
  c.reqs[c.nreqs++] = request(p1, "?alt=sse&key=k", 0);
  c.reqs[c.nreqs++] = request(p2, "?alt=sse&key=k", 0);
  c.reqs[c.nreqs++] = request(p1, "?alt=sse&key=k", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 0);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.failed, 0);
  CHECK_INT(c.responses, 4);
  CHECK_INT(c.status[0], 429);
  CHECK_INT(c.status[1], 429);
  CHECK_INT(c.status[2], 429); /* p2 differs by a space: its first */
  CHECK_INT(c.status[3], 200);
  size_t n;
  const char *b = body_of(&c, 0, &n);
  CHECK(has(b, n, "RESOURCE_EXHAUSTED"));
  b = body_of(&c, 3, &n);
  check_image(b, n, "a lighthouse ");
  cli_free(&c);

  memset(&c, 0, sizeof c); /* a new connection: the counts stay */
  c.reqs[c.nreqs++] = request(p2, "?alt=sse&key=k", 0);
  c.reqs[c.nreqs++] = request(p2, "?alt=sse&key=k", 0);
  c.reqs[c.nreqs++] = request(p1, "?alt=sse&key=k", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 0);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.responses, 3);
  CHECK_INT(c.status[0], 429);
  CHECK_INT(c.status[1], 200);
  CHECK_INT(c.status[2], 200);
  b = body_of(&c, 1, &n);
  check_image(b, n, "a lighthouse  ");
  cli_free(&c);
  /* the log says what each request got */
  CHECK_INT(srv_log_lines(&s), 7);
  CHECK_INT(srv_log_count(&s, "\"fault\":\"429\""), 4);
  CHECK_INT(srv_log_count(&s, "\"fault\":null"), 3);
  srv_stop(&s);
}

/* Given a retry marker, only the given hints are sent; retry-delay reaches
 * the error object inside a 200 stream too. */
static void test_retry_hints(void) {
  srv s;
  srv_start(&s, NULL, 1);
  cli c;
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request("x [[fault:429]][[retry-delay:300]]", "?key=k", 0);
  c.reqs[c.nreqs++] = request("x [[fault:503]][[retry-after:3]]", "?key=k", 0);
  c.reqs[c.nreqs++] = request("x [[fault:error-event]][[retry-delay:57230]]",
                              "?alt=sse&key=k", 0);
  c.reqs[c.nreqs++] = request("x [[fault:503]][[retry-delay:1500]]"
                              "[[retry-after:0]]", "?key=k", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 0);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.failed, 0);
  CHECK_INT(c.responses, 4);
  const char *raw = c.raw.data ? c.raw.data : "";
  const char *r[5] = {strstr(raw, "HTTP/1.1 429 "), NULL, NULL, NULL, NULL};
  r[1] = r[0] ? strstr(r[0], "HTTP/1.1 503 ") : NULL;
  r[2] = r[1] ? strstr(r[1], "HTTP/1.1 200 ") : NULL;
  r[3] = r[2] ? strstr(r[2], "HTTP/1.1 503 ") : NULL;
  r[4] = raw + c.raw.len;
  CHECK(r[0] && r[1] && r[2] && r[3]);
  if (!r[3]) {
    cli_free(&c);
    srv_stop(&s);
    return;
  }
  size_t n0 = (size_t)(r[1] - r[0]), n1 = (size_t)(r[2] - r[1]),
         n2 = (size_t)(r[3] - r[2]), n3 = (size_t)(r[4] - r[3]);
  CHECK(has(r[0], n0, "\"retryDelay\": \"0.3s\""));
  CHECK(!has(r[0], n0, "Retry-After"));
  CHECK(has(r[1], n1, "\r\nRetry-After: 3\r\n"));
  CHECK(!has(r[1], n1, "RetryInfo"));
  CHECK(!has(r[1], n1, "retryDelay"));
  CHECK(has(r[2], n2, "\"status\":\"UNAVAILABLE\""));
  CHECK(has(r[2], n2, "\"retryDelay\":\"57.23s\""));
  CHECK(!has(r[2], n2, "Retry-After"));
  CHECK(has(r[3], n3, "\"retryDelay\": \"1.5s\""));
  CHECK(has(r[3], n3, "\r\nRetry-After: 0\r\n"));
  cli_free(&c);

  /* without the markers: the defaults, and no RetryInfo in the stream */
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request("x [[fault:error-event]]", "?alt=sse&key=k", 0);
  c.reqs[c.nreqs++] = request("x [[fault:503]]", "?key=k", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 0);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.responses, 2);
  CHECK_INT(c.status[1], 503);
  size_t n;
  const char *b = body_of(&c, 0, &n);
  CHECK(has(b, n, "UNAVAILABLE"));
  CHECK(!has(b, n, "retryDelay"));
  b = body_of(&c, 1, &n);
  CHECK(has(b, n, "\"retryDelay\": \"1.5s\""));
  CHECK(c.raw.data && strstr(c.raw.data, "\r\nRetry-After: 2\r\n") != NULL);
  cli_free(&c);
  srv_stop(&s);
}

/* [[at:STAGE]] on the wire, over TLS. Before the head: not a byte, then a
 * reset, an EOF, or close_notify and the FIN; inside the headers: the
 * status line and part of them, then the same. The request after it on
 * the connection is never sent. */
static void test_head_stages(void) {
  static const struct {
    const char *prompt;
    int reset, eof, notify, head;
  } v[] = {{"x [[fault:reset]][[at:head]]", 1, 0, 0, 0},
           {"x [[fault:eof]][[at:head]]", 0, 1, 0, 0},
           {"x [[fault:close]][[at:head]]", 0, 1, 1, 0},
           {"x [[fault:reset]][[at:headers]]", 1, 0, 0, 1},
           {"x [[fault:eof]][[at:headers]]", 0, 1, 0, 1},
           {"x [[fault:close]][[at:headers]]", 0, 1, 1, 1}};
  srv s;
  srv_start(&s, NULL, 0);
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    cli c;
    memset(&c, 0, sizeof c);
    c.reqs[c.nreqs++] = request(v[i].prompt, "?alt=sse&key=k", 0);
    c.reqs[c.nreqs++] = request("never sent", "?alt=sse&key=k", 0);
    cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
    run_until_closed(&s.loop, &c, 1);
    CHECK_INT(c.failed, 0);
    CHECK_INT(c.reset, v[i].reset);
    CHECK_INT(c.eof, v[i].eof);
    CHECK_INT(c.close_notify, v[i].notify);
    CHECK_INT(c.responses, 0);
    CHECK_INT(c.status[0], 0);
    CHECK_INT(c.sent, 1);
    if (v[i].head) {
      CHECK(c.raw.len > 30);
      CHECK(c.raw.data && !strncmp(c.raw.data, "HTTP/1.1 200 OK\r\n", 17));
      CHECK(c.raw.data && !strstr(c.raw.data, "\r\n\r\n"));
    } else {
      CHECK_INT(c.raw.len, 0);
    }
    cli_free(&c);
  }
  CHECK_INT(srv_log_lines(&s), 6);
  CHECK_INT(srv_log_count(&s, "\"aborted\":false"), 6);
  srv_stop(&s);
}

/* A clean close after the image: close_notify and FIN, the image whole,
 * no finish, no last chunk (the body is cut for HTTP). With a body ended
 * by the close it is whole for HTTP. */
static void test_clean_close(void) {
  srv s;
  srv_start(&s, NULL, 0);
  for (int close_body = 0; close_body < 2; close_body++) {
    cli c;
    memset(&c, 0, sizeof c);
    c.reqs[c.nreqs++] = request(close_body
                                    ? "a harbour [[fault:close]][[at:usage]]"
                                      "[[body:close]]"
                                    : "a harbour [[fault:close]][[at:usage]]",
                                "?alt=sse&key=k", 0);
    cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
    run_until_closed(&s.loop, &c, 1);
    CHECK_INT(c.failed, 0);
    CHECK_INT(c.status[0], 200);
    CHECK_INT(c.close_notify, 1);
    CHECK_INT(c.eof, 1);
    CHECK_INT(c.reset, 0);
    CHECK_INT(gf__http_resp_eof(c.resp), close_body ? 1 : GF_ETRUNCATED);
    check_image(c.body.data, c.body.len, "a harbour ");
    CHECK(strstr(c.body.data, "finishReason") == NULL);
    cli_free(&c);
  }
  srv_stop(&s);
}

typedef struct stall_probe {
  uv_timer_t t;
  cli *c;
  int quiet; /* the connection was open and silent when the client left */
  size_t raw;
} stall_probe;

static void stall_check(uv_timer_t *t) {
  stall_probe *p = t->data;
  p->quiet = !p->c->eof && !p->c->reset && !p->c->failed &&
             p->c->raw.len == p->raw;
  cli_close(p->c);
  uv_close((uv_handle_t *)t, NULL);
}

static void stall_mark(uv_timer_t *t) {
  stall_probe *p = t->data;
  p->raw = p->c->raw.len; /* from here on nothing must come */
  uv_timer_start(t, stall_check, 400, 0);
}

/* stall: the head and the first thought, then nothing while the client
 * waits; logged as aborted once the client leaves. */
static void test_stall(void) {
  srv s;
  srv_start(&s, NULL, 0);
  cli c;
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request("x [[fault:stall]]", "?alt=sse&key=k", 0);
  stall_probe p = {.c = &c};
  uv_timer_init(&s.loop, &p.t);
  p.t.data = &p;
  uv_timer_start(&p.t, stall_mark, 300, 0);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(p.quiet, 1);
  CHECK_INT(c.status[0], 200);
  CHECK_INT(c.responses, 0);
  const char *q = c.body.data;
  int thoughts = 0;
  while (q && (q = strstr(q, "\"thought\"")))
    thoughts++, q++;
  CHECK_INT(thoughts, 1);
  for (int i = 0; i < 2000 && srv_log_lines(&s) < 1; i++) {
    uv_run(&s.loop, UV_RUN_NOWAIT);
    usleep(1000);
  }
  CHECK_INT(srv_log_count(&s, "\"aborted\":true"), 1);
  cli_free(&c);
  srv_stop(&s);
}

/* A 103 before the 200 on the wire; then the stream as usual. */
static void test_interim(void) {
  srv s;
  srv_start(&s, NULL, 0);
  cli c;
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request("a harbour [[fault:1xx]]", "?alt=sse&key=k", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.failed, 0);
  CHECK_INT(c.responses, 1);
  CHECK_INT(c.status[0], 200);
  CHECK(c.raw.data &&
        !strncmp(c.raw.data, "HTTP/1.1 103 Early Hints\r\nLink: ", 32));
  CHECK(c.raw.data && strstr(c.raw.data, "\r\n\r\nHTTP/1.1 200 OK\r\n"));
  check_image(c.body.data, c.body.len, "a harbour ");
  cli_free(&c);
  srv_stop(&s);
}

/* The log's lines with "gzip":true. */
static int srv_gzip_lines(srv *s) {
  FILE *f = fopen(s->log, "r");
  char line[8192];
  int n = 0;
  while (f && fgets(line, sizeof line, f))
    n += strstr(line, "\"gzip\":true") != NULL;
  if (f)
    fclose(f);
  return n;
}

static size_t count_of(const gf__buf *b, const char *s) {
  size_t n = 0, k = strlen(s);
  const char *p = b->data, *end = b->data + b->len;
  while (p && (p = memmem(p, (size_t)(end - p), s, k))) {
    n++;
    p += k;
  }
  return n;
}

static void test_gzip(void) {
  srv s;
  srv_start(&s, NULL, 0);
  /* keep-alive: gzip, plain (not asked), gzip in 1-byte chunks */
  cli c;
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request_gz("a gzip heron", "?alt=sse&key=k", 0);
  c.reqs[c.nreqs++] = request("a gzip heron", "?alt=sse&key=k", 0);
  c.reqs[c.nreqs++] =
      request_gz("a gzip heron [[chunk:1]]", "?alt=sse&key=k", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.failed, 0);
  CHECK_INT(c.responses, 3);
  size_t start = 0;
  static const char *const prompts[] = {"a gzip heron", "a gzip heron",
                                        "a gzip heron "};
  for (int i = 0; i < 3; i++) {
    CHECK_INT(c.status[i], 200);
    check_image(c.body.data + start, c.body_end[i] - start, prompts[i]);
    start = c.body_end[i];
  }
  CHECK_INT(count_of(&c.raw, "\r\nContent-Encoding: gzip\r\n"), 2);
  /* only the plain answer's events are readable on the wire */
  CHECK_INT(count_of(&c.raw, "data: {\"candidates\""),
            count_of(&c.body, "data: {\"candidates\"") / 3);
  /* 1-byte chunks of the compressed body: the chunk count is its size */
  CHECK(count_of(&c.raw, "\r\n1\r\n") > 1000000);
  CHECK(count_of(&c.raw, "\r\n1\r\n") < c.body_end[2] - c.body_end[1]);
  CHECK_INT(srv_log_lines(&s), 3);
  CHECK_INT(srv_gzip_lines(&s), 2);
  cli_free(&c);

  /* Content-Length of the compressed body; the connection kept */
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] =
      request_gz("a gzip heron [[body:length]]", "?alt=sse&key=k", 0);
  c.reqs[c.nreqs++] = request_gz("x [[fault:429]]", "?alt=sse&key=k", 1);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.responses, 2);
  CHECK_INT(c.status[0], 200);
  CHECK_STR(c.te[0], "");
  uint64_t clen = strtoull(c.clen[0], NULL, 10);
  CHECK(clen > 1000000 && clen < c.body_end[0] * 4 / 5);
  check_image(c.body.data, c.body_end[0], "a gzip heron ");
  /* the error answer, inflated: Google's error JSON */
  CHECK_INT(c.status[1], 429);
  CHECK(strstr(c.body.data + c.body_end[0], "\"RESOURCE_EXHAUSTED\"") != NULL);
  CHECK(strstr(c.raw.data, "RESOURCE_EXHAUSTED") == NULL);
  cli_free(&c);

  /* eof inside the image: the plain half of the image's base64 arrives
   * (flushed before the fault), then no more, and no end of the member */
  memset(&c, 0, sizeof c);
  c.reqs[c.nreqs++] = request_gz("x [[fault:eof]][[at:image]][[body:close]]",
                                 "?alt=sse&key=k", 0);
  cli_start(&c, &s.loop, gf__sim_port(s.sim), 1);
  run_until_closed(&s.loop, &c, 1);
  CHECK_INT(c.eof, 1);
  CHECK_INT(c.close_notify, 0);
  CHECK_INT(c.responses, 0);
  const char *img = strstr(c.body.data, "\"data\":\"");
  CHECK(img != NULL);
  /* the half of a 1K image's ~2.3 MB of base64, to the byte: what the
   * plain body had sent when the fault came */
  uint64_t wlen = 0;
  unsigned char want[32];
  expected("x ", 1024, 1024, want, &wlen);
  size_t b64 = (size_t)((wlen + 2) / 3 * 4);
  if (img)
    CHECK_INT(c.body.len - (size_t)(img + 8 - c.body.data), b64 / 2);
  /* close-delimited, so the parser looks to the gzip stream: unfinished */
  CHECK_INT(gf__http_resp_eof(c.resp), GF_ETRUNCATED);
  cli_free(&c);
  CHECK_INT(srv_gzip_lines(&s), 5);
  srv_stop(&s);
}

int main(int argc, char **argv) {
  static const gf_t_case cases[] = {
      TEST(test_tls_generation), TEST(test_errors_and_pipelining),
      TEST(test_api_key),
      TEST(test_connection_faults), TEST(test_one_byte_chunks),
      TEST(test_concurrent), TEST(test_stop_midway),
      TEST(test_start_failures), TEST(test_body_length),
      TEST(test_body_length_faults), TEST(test_body_close),
      TEST(test_times), TEST(test_retry_hints), TEST(test_head_stages),
      TEST(test_clean_close), TEST(test_stall), TEST(test_interim),
      TEST(test_gzip)};
  int rc = gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
  /* shared by the cases above: freed once they have all run */
  gf__tls_config_free(client_cfg);
  return rc;
}
