#include "dump.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <uv.h>

#include "expect.h"
#include "gemflow.h"

#define REQ_MAX (8u << 20) /* a request with reference images fits */
#define DUMMY_KEY "gemflow-bench-dummy-key"

typedef struct dump {
  const gfb_opts *o;
  uv_loop_t loop;
  uv_tcp_t server;
  gf_client *client;
  gf_request *req;
  int current, failed;
  char url[64];
} dump;

typedef struct capture {
  uv_tcp_t h;
  uv_write_t w;
  dump *d;
  char *buf;
  size_t len;
  int answered;
} capture;

static void next(dump *d);

static int write_file(const char *dir, const char *name, const char *p,
                      size_t n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f)
    return -1;
  int ok = fwrite(p, 1, n, f) == n;
  return fclose(f) == 0 && ok ? 0 : -1;
}

/* The target without the key= parameter. */
static void strip_key(const char *t, size_t n, char *out, size_t outlen) {
  size_t o = 0;
  const char *end = t + n, *q = memchr(t, '?', n);
  size_t head = q ? (size_t)(q - t) : n;
  o = head < outlen - 1 ? head : outlen - 1;
  memcpy(out, t, o);
  char sep = '?';
  for (const char *p = q ? q + 1 : end; p < end;) {
    const char *amp = memchr(p, '&', (size_t)(end - p));
    size_t len = amp ? (size_t)(amp - p) : (size_t)(end - p);
    if (!(len >= 4 && !memcmp(p, "key=", 4)) && o + len + 2 < outlen) {
      out[o++] = sep;
      memcpy(out + o, p, len);
      o += len;
      sep = '&';
    }
    p += len + (amp ? 1 : 0);
  }
  out[o] = '\0';
}

/* A whole request is in c->buf: write its parts out. */
static void save(capture *c, const char *hend, size_t clen) {
  dump *d = c->d;
  const char *dir = d->o->dump_dir;
  char name[64], target[2048], headers[8192];
  const char *sp1 = memchr(c->buf, ' ', (size_t)(hend - c->buf));
  const char *sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(hend - sp1 - 1)) : NULL;
  if (!sp2) {
    d->failed = 1;
    return;
  }
  strip_key(sp1 + 1, (size_t)(sp2 - sp1 - 1), target, sizeof target);
  int key_in_query = memmem(sp1, (size_t)(sp2 - sp1), "key=" DUMMY_KEY,
                            strlen("key=" DUMMY_KEY)) != NULL;
  size_t hl = 0;
  const char *line = memchr(c->buf, '\n', (size_t)(hend - c->buf));
  while (line && line + 1 < hend) {
    line++;
    const char *eol = memchr(line, '\r', (size_t)(hend - line));
    if (!eol)
      break;
    size_t n = (size_t)(eol - line);
    if (!(n >= 5 && !strncasecmp(line, "Host:", 5)) &&
        !(n >= 15 && !strncasecmp(line, "Content-Length:", 15)) &&
        !memmem(line, n, DUMMY_KEY, strlen(DUMMY_KEY)) &&
        hl + n + 2 < sizeof headers) {
      memcpy(headers + hl, line, n);
      hl += n;
      headers[hl++] = '\n';
    }
    line = eol + 1;
  }
  snprintf(name, sizeof name, "body-%d.json", d->current);
  if (write_file(dir, name, hend + 4, clen) ||
      write_file(dir, "target", target, strlen(target)) ||
      write_file(dir, "key_in", key_in_query ? "query\n" : "header\n", key_in_query ? 6 : 7) ||
      write_file(dir, "headers", headers, hl))
    d->failed = 1;
}

static void on_closed(uv_handle_t *h) {
  capture *c = h->data;
  free(c->buf);
  free(c);
}

static void on_written(uv_write_t *w, int status) {
  capture *c = w->data;
  uv_close((uv_handle_t *)&c->h, on_closed);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b) {
  capture *c = h->data;
  size_t room = REQ_MAX - c->len;
  b->base = c->buf + c->len;
  b->len = room > 65536 ? 65536 : room;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b) {
  capture *c = s->data;
  if (n < 0 || (n == 0 && c->len == REQ_MAX)) {
    if (!c->answered)
      c->d->failed = 1;
    uv_read_stop(s);
    if (!uv_is_closing((uv_handle_t *)s))
      uv_close((uv_handle_t *)s, on_closed);
    return;
  }
  c->len += (size_t)n;
  const char *hend = memmem(c->buf, c->len, "\r\n\r\n", 4);
  if (!hend || c->answered)
    return;
  size_t clen = 0;
  const char *cl = memmem(c->buf, (size_t)(hend - c->buf), "\r\nContent-Length:",
                          17);
  if (!cl)
    cl = memmem(c->buf, (size_t)(hend - c->buf), "\r\ncontent-length:", 17);
  if (cl)
    clen = strtoul(cl + 17, NULL, 10);
  if ((size_t)(hend + 4 - c->buf) + clen > c->len)
    return; /* the body is still coming */
  save(c, hend, clen);
  c->answered = 1;
  uv_read_stop(s);
  static char answer[] = "HTTP/1.1 400 Bad Request\r\nContent-Type: "
                         "application/json\r\nContent-Length: 2\r\n"
                         "Connection: close\r\n\r\n{}";
  uv_buf_t out = uv_buf_init(answer, sizeof answer - 1);
  c->w.data = c;
  if (uv_write(&c->w, s, &out, 1, on_written))
    uv_close((uv_handle_t *)s, on_closed);
}

static void on_conn(uv_stream_t *server, int status) {
  dump *d = server->data;
  capture *c = calloc(1, sizeof *c);
  if (!c || !(c->buf = malloc(REQ_MAX))) {
    free(c);
    d->failed = 1;
    return;
  }
  c->d = d;
  uv_tcp_init(&d->loop, &c->h);
  c->h.data = c;
  if (status || uv_accept(server, (uv_stream_t *)&c->h) ||
      uv_read_start((uv_stream_t *)&c->h, on_alloc, on_read)) {
    d->failed = 1;
    uv_close((uv_handle_t *)&c->h, on_closed);
  }
}

static void on_done(gf_gen *g, const gf_result *r, void *ud) {
  dump *d = ud;
  if (r->http_status != 400)
    d->failed = 1;
  d->current++;
  next(d);
}

static void next(dump *d) {
  if (d->current == d->o->distinct || d->failed) {
    gf_client_close(d->client, NULL);
    uv_close((uv_handle_t *)&d->server, NULL);
    return;
  }
  char prompt[GFB_PROMPT_MAX];
  gfb_prompt(d->o, d->current, prompt, sizeof prompt);
  gf_request_free(d->req);
  d->req = gf_request_new();
  gf_callbacks cbs;
  gf_callbacks_init(&cbs);
  cbs.on_done = on_done;
  if (!d->req || gf_request_set_prompt(d->req, prompt) ||
      gf_request_set_aspect(d->req, d->o->ratio) ||
      gf_request_set_size(d->req, d->o->size) ||
      gf_generate(d->client, d->req, NULL, &cbs, d, NULL)) {
    d->failed = 1;
    gf_client_close(d->client, NULL);
    uv_close((uv_handle_t *)&d->server, NULL);
  }
}

int gfb_dump_main(const gfb_opts *o) {
  if (mkdir(o->dump_dir, 0755) && errno != EEXIST) {
    fprintf(stderr, "gemflow-bench: %s: %s\n", o->dump_dir, strerror(errno));
    return 1;
  }
  dump d = {.o = o};
  uv_loop_init(&d.loop);
  uv_tcp_init(&d.loop, &d.server);
  d.server.data = &d;
  struct sockaddr_in sa;
  uv_ip4_addr("127.0.0.1", 0, &sa);
  struct sockaddr_storage got;
  int glen = sizeof got;
  if (uv_tcp_bind(&d.server, (const struct sockaddr *)&sa, 0) ||
      uv_listen((uv_stream_t *)&d.server, 16, on_conn) ||
      uv_tcp_getsockname(&d.server, (struct sockaddr *)&got, &glen)) {
    fprintf(stderr, "gemflow-bench: cannot listen on 127.0.0.1\n");
    return 1;
  }
  snprintf(d.url, sizeof d.url, "http://127.0.0.1:%d",
           ntohs(((struct sockaddr_in *)&got)->sin_port));
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = d.url;
  co.api_key = DUMMY_KEY;
  co.max_attempts = 1;
  if (gf_client_new(&d.loop, &co, &d.client)) {
    fprintf(stderr, "gemflow-bench: gf_client_new failed\n");
    return 1;
  }
  next(&d);
  uv_run(&d.loop, UV_RUN_DEFAULT);
  gf_request_free(d.req);
  uv_loop_close(&d.loop);
  if (d.failed) {
    fprintf(stderr, "gemflow-bench: capturing the requests failed\n");
    return 1;
  }
  return 0;
}
