/* gzip bodies through the response parser: inflated exactly at every split
 * point of the wire bytes (chunked framing around the gzip stream, and
 * Content-Length), several members, corrupt, truncated and trailing bytes,
 * codings that cannot be read, x-gzip, identity, an error body, and the
 * bound on each piece handed to on_body. The gzip bodies are made here with
 * zlib's deflate, an encoder independent of the decoder under test. */
#include <strings.h>
#include <zlib.h>

#include "gemflow.h"
#include "http/http.h"
#include "http/inflate.h"
#include "test.h"

/* ---- making gzip bodies ---- */

/* gzip of p[0..n) appended to out; flush_every > 0 ends a deflate block
 * (Z_SYNC_FLUSH) every so many input bytes, as a server flushing events
 * does. */
static void gz(gf__buf *out, const char *p, size_t n, int level,
               size_t flush_every) {
  z_stream z;
  memset(&z, 0, sizeof z);
  CHECK_INT(deflateInit2(&z, level, Z_DEFLATED, 16 + 15, 8,
                         Z_DEFAULT_STRATEGY),
            Z_OK);
  size_t at = 0;
  unsigned char buf[4096];
  for (;;) {
    size_t take = flush_every && n - at > flush_every ? flush_every : n - at;
    int flush = at + take == n ? Z_FINISH : flush_every ? Z_SYNC_FLUSH
                                                        : Z_NO_FLUSH;
    z.next_in = (unsigned char *)(uintptr_t)(p + at);
    z.avail_in = (unsigned)take;
    int rc;
    do {
      z.next_out = buf;
      z.avail_out = sizeof buf;
      rc = deflate(&z, flush);
      gf__buf_append(out, (char *)buf, sizeof buf - z.avail_out);
    } while (z.avail_out == 0);
    at += take;
    if (rc == Z_STREAM_END)
      break;
  }
  deflateEnd(&z);
}

/* An event stream of n events whose data lines vary (so that it is not
 * one repeated string), about 220 bytes each. */
static void sse_body(gf__buf *out, int n) {
  for (int i = 0; i < n; i++)
    gf__buf_printf(out,
                   "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":"
                   "\"thought %d: the light falls at %d degrees on %x\","
                   "\"thought\":true}],\"role\":\"model\"},\"index\":0}],"
                   "\"responseId\":\"r%08x\"}\r\n\r\n",
                   i, (i * 37) % 360, (unsigned)(i * 2654435761u),
                   (unsigned)(i * 40503u));
}

/* The response: head lines (without the blank line) and the body, chunked
 * in pieces of chunk bytes, or with a Content-Length when chunk is 0. */
static void response(gf__buf *out, const char *head, const gf__buf *body,
                     size_t chunk) {
  gf__buf_append(out, head, strlen(head));
  if (!chunk) {
    gf__buf_printf(out, "Content-Length: %zu\r\n\r\n", body->len);
    gf__buf_append(out, body->data, body->len);
    return;
  }
  gf__buf_append(out, "Transfer-Encoding: chunked\r\n\r\n", 30);
  for (size_t at = 0; at < body->len; at += chunk) {
    size_t k = body->len - at < chunk ? body->len - at : chunk;
    gf__buf_printf(out, "%zx;ext=1\r\n", k);
    gf__buf_append(out, body->data + at, k);
    gf__buf_append(out, "\r\n", 2);
  }
  gf__buf_append(out, "0\r\nX-Trailer: t\r\n\r\n", 19);
}

/* ---- a recorder ---- */

typedef struct rec {
  gf__buf body;
  int status, completes, pieces, bad_pieces, fail_body_rc;
  size_t max_piece;
} rec;

static int r_status(void *ud, int status) {
  ((rec *)ud)->status = status;
  return 0;
}

static int r_body(void *ud, const char *p, size_t n) {
  rec *r = ud;
  r->bad_pieces += n == 0 || r->completes;
  r->pieces++;
  if (n > r->max_piece)
    r->max_piece = n;
  gf__buf_append(&r->body, p, n);
  return r->fail_body_rc;
}

static int r_complete(void *ud) {
  ((rec *)ud)->completes++;
  return 0;
}

static const gf__http_resp_cbs rec_cbs = {NULL, r_status, r_body, r_complete};

typedef struct result {
  int feed_rc, eof_rc, reusable;
  char msg[128];
} result;

/* Parses in[0..len) cut at the given points (ascending), then the eof. */
static result parse(rec *r, const char *in, size_t len, const size_t *cuts,
                    size_t ncuts) {
  memset(r, 0, sizeof *r);
  gf__buf_init(&r->body, 0);
  gf__buf_append(&r->body, "", 0);
  result o = {0, 0, 0, ""};
  gf__http_resp *p = gf__http_resp_new(&rec_cbs, r);
  size_t at = 0;
  for (size_t i = 0; i <= ncuts; i++) {
    size_t end = i < ncuts ? cuts[i] : len;
    int rc = gf__http_resp_feed(p, in + at, end - at);
    if (o.feed_rc && rc != o.feed_rc)
      r->bad_pieces++; /* errors are sticky */
    if (!o.feed_rc)
      o.feed_rc = rc;
    at = end;
  }
  o.reusable = gf__http_resp_reusable(p);
  o.eof_rc = gf__http_resp_eof(p);
  snprintf(o.msg, sizeof o.msg, "%s", gf__http_resp_errmsg(p));
  gf__http_resp_free(p);
  return o;
}

/* Parses whole, at every single split point, and byte by byte: each time
 * the body is want exactly (in pieces of at most GF_INFLATE_STEP), the
 * message completes once and the connection can be reused. */
static void check_every_split(const gf__buf *wire, const gf__buf *want) {
  rec r;
  for (size_t cut = 0; cut <= wire->len + 1; cut++) {
    size_t cuts[1] = {cut};
    result o;
    if (cut <= wire->len) {
      o = parse(&r, wire->data, wire->len, cuts, cut == 0 ? 0 : 1);
    } else { /* byte by byte */
      size_t *all = malloc(wire->len * sizeof *all);
      for (size_t i = 0; i < wire->len; i++)
        all[i] = i + 1;
      o = parse(&r, wire->data, wire->len, all, wire->len);
      free(all);
    }
    int ok = o.feed_rc == 0 && o.eof_rc == 0 && o.reusable &&
             r.completes == 1 && r.bad_pieces == 0 &&
             r.max_piece <= GF_INFLATE_STEP && r.body.len == want->len &&
             memcmp(r.body.data, want->data, want->len) == 0;
    if (!ok)
      fprintf(stderr, "cut %zu: feed %d eof %d reusable %d body %zu/%zu "
              "(%s)\n", cut, o.feed_rc, o.eof_rc, o.reusable, r.body.len,
              want->len, o.msg);
    CHECK(ok);
    gf__buf_free(&r.body);
    if (!ok)
      return;
  }
}

#define HEAD_GZ                                                                \
  "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"                     \
  "Content-Encoding: gzip\r\n"

/* ---- tests ---- */

/* 100 events (22 KB: more than one step of output) flushed event by event
 * as a server does, in chunks of 700 bytes and with a Content-Length; and
 * 8 events in chunks of 1 byte. */
static void test_sse_every_split(void) {
  struct {
    int events;
    size_t chunk;
  } cases[] = {{100, 700}, {100, 0}, {8, 1}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gf__buf plain, body, wire;
    gf__buf_init(&plain, 0);
    gf__buf_init(&body, 0);
    gf__buf_init(&wire, 0);
    sse_body(&plain, cases[i].events);
    CHECK(cases[i].events < 100 || plain.len > GF_INFLATE_STEP);
    gz(&body, plain.data, plain.len, 1, 220);
    response(&wire, HEAD_GZ, &body, cases[i].chunk);
    check_every_split(&wire, &plain);
    gf__buf_free(&plain);
    gf__buf_free(&body);
    gf__buf_free(&wire);
  }
}

/* Output comes in full steps: a body that inflates to many steps is handed
 * out in pieces of exactly GF_INFLATE_STEP but for the last. */
static void test_bounded_pieces(void) {
  gf__buf plain, body, wire;
  gf__buf_init(&plain, 0);
  gf__buf_init(&body, 0);
  gf__buf_init(&wire, 0);
  for (int i = 0; i < 1000000; i++) /* 1 MB of one letter: ~1 KB of gzip */
    gf__buf_appendc(&plain, 'a');
  gz(&body, plain.data, plain.len, 9, 0);
  CHECK(body.len < 2048);
  response(&wire, HEAD_GZ, &body, 0);
  rec r;
  result o = parse(&r, wire.data, wire.len, NULL, 0);
  CHECK_INT(o.feed_rc, 0);
  CHECK_INT(r.body.len, plain.len);
  CHECK_INT(r.max_piece, GF_INFLATE_STEP);
  CHECK_INT(r.pieces, (plain.len + GF_INFLATE_STEP - 1) / GF_INFLATE_STEP);
  gf__buf_free(&r.body);
  gf__buf_free(&plain);
  gf__buf_free(&body);
  gf__buf_free(&wire);
}

/* Two members back to back read as one body (RFC 1952 2.2), at every
 * split. */
static void test_two_members(void) {
  gf__buf plain, body, wire;
  gf__buf_init(&plain, 0);
  gf__buf_init(&body, 0);
  gf__buf_init(&wire, 0);
  const char *a = "data: {\"first\":1}\r\n\r\n";
  const char *b = "data: {\"second\":2}\r\n\r\n";
  gz(&body, a, strlen(a), 6, 0);
  gz(&body, b, strlen(b), 6, 0);
  gz(&body, "", 0, 6, 0); /* an empty member is a member too */
  gf__buf_append(&plain, a, strlen(a));
  gf__buf_append(&plain, b, strlen(b));
  response(&wire, HEAD_GZ, &body, 5);
  check_every_split(&wire, &plain);
  gf__buf_free(&plain);
  gf__buf_free(&body);
  gf__buf_free(&wire);
}

/* A body whose framing is right around a gzip stream that is not. */
static result bad_body(const gf__buf *body, size_t chunk, rec *r) {
  gf__buf wire;
  gf__buf_init(&wire, 0);
  response(&wire, HEAD_GZ, body, chunk);
  result o = parse(r, wire.data, wire.len, NULL, 0);
  /* and split everywhere: the same verdict */
  for (size_t cut = 1; cut < wire.len; cut++) {
    rec r2;
    size_t cuts[1] = {cut};
    result o2 = parse(&r2, wire.data, wire.len, cuts, 1);
    int same = o2.feed_rc == o.feed_rc && r2.body.len == r->body.len &&
               !strcmp(o2.msg, o.msg) && r2.bad_pieces == 0;
    if (!same)
      fprintf(stderr, "cut %zu: %d (%s) vs %d (%s)\n", cut, o2.feed_rc,
              o2.msg, o.feed_rc, o.msg);
    CHECK(same);
    gf__buf_free(&r2.body);
    if (!same)
      break;
  }
  gf__buf_free(&wire);
  return o;
}

static void test_corrupt(void) {
  gf__buf plain, body;
  gf__buf_init(&plain, 0);
  gf__buf_init(&body, 0);
  sse_body(&plain, 20);
  gz(&body, plain.data, plain.len, 6, 0);
  rec r;
  /* not gzip at all */
  gf__buf raw;
  gf__buf_init(&raw, 0);
  gf__buf_append(&raw, plain.data, plain.len);
  result o = bad_body(&raw, 64, &r);
  CHECK_INT(o.feed_rc, GF_EHTTP);
  CHECK_STR(o.msg, "corrupt gzip body: incorrect header check");
  CHECK_INT(r.completes, 0);
  gf__buf_free(&r.body);
  /* the CRC of the trailer: every byte came, and it is not what was sent */
  body.data[body.len - 6] ^= 0x55;
  o = bad_body(&body, 64, &r);
  CHECK_INT(o.feed_rc, GF_EHTTP);
  CHECK_STR(o.msg, "corrupt gzip body: incorrect data check");
  CHECK_INT(r.body.len, plain.len);
  gf__buf_free(&r.body);
  body.data[body.len - 6] ^= 0x55;
  /* the length in the trailer */
  body.data[body.len - 2] ^= 0x01;
  o = bad_body(&body, 0, &r);
  CHECK_INT(o.feed_rc, GF_EHTTP);
  CHECK_STR(o.msg, "corrupt gzip body: incorrect length check");
  gf__buf_free(&r.body);
  body.data[body.len - 2] ^= 0x01;
  /* a reserved block type (11) in the first deflate block header */
  body.data[10] |= 0x06;
  o = bad_body(&body, 0, &r);
  CHECK_INT(o.feed_rc, GF_EHTTP);
  CHECK(!strncmp(o.msg, "corrupt gzip body: ", 19));
  CHECK_INT(r.completes, 0);
  /* the end of the connection repeats the verdict */
  CHECK_INT(o.eof_rc, GF_EHTTP);
  gf__buf_free(&r.body);
  gf__buf_free(&raw);
  gf__buf_free(&plain);
  gf__buf_free(&body);
}

/* The message ends (last chunk, Content-Length, or the close of a
 * close-delimited body) before the gzip stream does. */
static void test_truncated(void) {
  gf__buf plain, body;
  gf__buf_init(&plain, 0);
  gf__buf_init(&body, 0);
  sse_body(&plain, 20);
  gz(&body, plain.data, plain.len, 6, 0);
  size_t full = body.len;
  size_t cuts[] = {1, 9, 10, full / 2, full - 8, full - 1};
  for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
    body.len = cuts[i];
    for (size_t chunk = 0; chunk < 2; chunk++) {
      rec r;
      result o = bad_body(&body, chunk ? 13 : 0, &r);
      CHECK_INT(o.feed_rc, GF_ETRUNCATED);
      CHECK_STR(o.msg, "the gzip body ends inside a member");
      CHECK_INT(r.completes, 0);
      CHECK_INT(o.reusable, 0);
      gf__buf_free(&r.body);
    }
    /* close-delimited: the eof finds it unfinished */
    gf__buf wire;
    gf__buf_init(&wire, 0);
    gf__buf_append(&wire, HEAD_GZ "\r\n", strlen(HEAD_GZ) + 2);
    gf__buf_append(&wire, body.data, body.len);
    rec r;
    result o = parse(&r, wire.data, wire.len, NULL, 0);
    CHECK_INT(o.feed_rc, 0);
    CHECK_INT(o.eof_rc, GF_ETRUNCATED);
    CHECK_INT(r.completes, 0);
    gf__buf_free(&r.body);
    gf__buf_free(&wire);
  }
  /* whole, close-delimited: complete at the eof */
  body.len = full;
  gf__buf wire;
  gf__buf_init(&wire, 0);
  gf__buf_append(&wire, HEAD_GZ "\r\n", strlen(HEAD_GZ) + 2);
  gf__buf_append(&wire, body.data, body.len);
  rec r;
  result o = parse(&r, wire.data, wire.len, NULL, 0);
  CHECK_INT(o.feed_rc, 0);
  CHECK_INT(o.eof_rc, 0);
  CHECK_INT(r.completes, 1);
  CHECK_MEM(r.body.data, r.body.len, plain.data, plain.len);
  gf__buf_free(&r.body);
  gf__buf_free(&wire);
  gf__buf_free(&plain);
  gf__buf_free(&body);
}

/* After the last member: bytes that do not start another are an error;
 * the start of one that never finishes is a truncation. */
static void test_trailing(void) {
  const char *text = "data: {\"a\":1}\r\n\r\n";
  struct {
    const char *tail;
    size_t n;
    int rc;
    const char *msg;
  } cases[] = {
      {"garbage", 7, GF_EHTTP, "bytes after the end of the gzip body"},
      {"\0\0\0\0", 4, GF_EHTTP, "bytes after the end of the gzip body"},
      {"\r\n", 2, GF_EHTTP, "bytes after the end of the gzip body"},
      {"\x1f", 1, GF_ETRUNCATED, "the gzip body ends inside a member"},
      {"\x1f\x8b\x08", 3, GF_ETRUNCATED, "the gzip body ends inside a member"},
      {"\x1fxyz", 4, GF_EHTTP, "corrupt gzip body: incorrect header check"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    gf__buf body;
    gf__buf_init(&body, 0);
    gz(&body, text, strlen(text), 6, 0);
    gf__buf_append(&body, cases[i].tail, cases[i].n);
    rec r;
    result o = bad_body(&body, 4, &r);
    CHECK_INT(o.feed_rc, cases[i].rc);
    CHECK_STR(o.msg, cases[i].msg);
    /* the member before them was read whole */
    CHECK_MEM(r.body.data, r.body.len, text, strlen(text));
    CHECK_INT(r.completes, 0);
    gf__buf_free(&r.body);
    gf__buf_free(&body);
  }
}

/* Codings that are not read fail at the end of the headers, after
 * on_headers_done (the status is known), before any body byte. */
static void test_unsupported(void) {
  struct {
    const char *headers;
    const char *msg;
  } cases[] = {
      {"Content-Encoding: br\r\n", "unsupported Content-Encoding: br"},
      {"Content-Encoding: deflate\r\n",
       "unsupported Content-Encoding: deflate"},
      {"Content-Encoding: compress\r\n",
       "unsupported Content-Encoding: compress"},
      {"Content-Encoding: zstd\r\n", "unsupported Content-Encoding: zstd"},
      {"Content-Encoding: gzip, br\r\n",
       "unsupported Content-Encoding: gzip, br (more than one coding)"},
      {"Content-Encoding: gzip, gzip\r\n",
       "unsupported Content-Encoding: gzip, gzip (more than one coding)"},
      {"Content-Encoding: gzip\r\nContent-Encoding: gzip\r\n",
       "unsupported Content-Encoding: gzip (more than one coding)"},
      {"Content-Encoding: identity\r\nContent-Encoding: br\r\n",
       "unsupported Content-Encoding: br"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char in[512];
    snprintf(in, sizeof in,
             "HTTP/1.1 200 OK\r\n%sContent-Length: 5\r\n\r\nhello",
             cases[i].headers);
    rec r;
    result o = parse(&r, in, strlen(in), NULL, 0);
    CHECK_INT(o.feed_rc, GF_EHTTP);
    CHECK_STR(o.msg, cases[i].msg);
    CHECK_INT(r.status, 200);
    CHECK_INT(r.body.len, 0);
    CHECK_INT(r.completes, 0);
    gf__buf_free(&r.body);
  }
  /* a response without a body has nothing to decode: no error */
  const char *nobody =
      "HTTP/1.1 304 Not Modified\r\nContent-Encoding: br\r\n\r\n";
  rec r;
  result o = parse(&r, nobody, strlen(nobody), NULL, 0);
  CHECK_INT(o.feed_rc, 0);
  CHECK_INT(r.completes, 1);
  gf__buf_free(&r.body);
}

/* x-gzip and any letter case are gzip; identity, an empty list element and
 * no header at all are the body as it is. */
static void test_names(void) {
  const char *text = "data: {\"a\":1}\r\n\r\n";
  gf__buf body;
  gf__buf_init(&body, 0);
  gz(&body, text, strlen(text), 6, 0);
  const char *gzips[] = {"Content-Encoding: x-gzip\r\n",
                         "content-encoding: GZip\r\n",
                         "Content-Encoding:  identity , gzip,\r\n"};
  for (size_t i = 0; i < 3; i++) {
    char head[128];
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n%s", gzips[i]);
    gf__buf wire;
    gf__buf_init(&wire, 0);
    response(&wire, head, &body, 3);
    rec r;
    result o = parse(&r, wire.data, wire.len, NULL, 0);
    CHECK_INT(o.feed_rc, 0);
    CHECK_MEM(r.body.data, r.body.len, text, strlen(text));
    gf__buf_free(&r.body);
    gf__buf_free(&wire);
  }
  const char *plains[] = {
      "HTTP/1.1 200 OK\r\nContent-Encoding: identity\r\n",
      "HTTP/1.1 200 OK\r\nContent-Encoding: \r\n",
      "HTTP/1.1 200 OK\r\n",
      /* a trailer names no coding of the body */
      "HTTP/1.1 200 OK\r\nTrailer: Content-Encoding\r\n",
  };
  for (size_t i = 0; i < 4; i++) {
    gf__buf wire;
    gf__buf_init(&wire, 0);
    response(&wire, plains[i], &body, i == 3 ? 7 : 0);
    if (i == 3) { /* put the trailer in place of ours */
      wire.len -= 19;
      gf__buf_append(&wire, "0\r\nContent-Encoding: br\r\n\r\n", 27);
    }
    rec r;
    result o = parse(&r, wire.data, wire.len, NULL, 0);
    CHECK_INT(o.feed_rc, 0);
    CHECK_MEM(r.body.data, r.body.len, body.data, body.len);
    gf__buf_free(&r.body);
    gf__buf_free(&wire);
  }
  gf__buf_free(&body);
}

/* An error answer in gzip: its JSON reaches on_body inflated, as the
 * client reads error bodies through it too. */
static void test_error_body(void) {
  const char *json =
      "{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"Resource has "
      "been exhausted (e.g. check quota).\",\n    \"status\": "
      "\"RESOURCE_EXHAUSTED\"\n  }\n}\n";
  gf__buf body, wire;
  gf__buf_init(&body, 0);
  gf__buf_init(&wire, 0);
  gz(&body, json, strlen(json), 1, 0);
  response(&wire,
           "HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json"
           "; charset=UTF-8\r\nRetry-After: 2\r\nContent-Encoding: gzip\r\n",
           &body, 0);
  gf__buf want;
  gf__buf_init(&want, 0);
  gf__buf_append(&want, json, strlen(json));
  check_every_split(&wire, &want);
  rec r;
  parse(&r, wire.data, wire.len, NULL, 0);
  CHECK_INT(r.status, 429);
  gf__buf_free(&r.body);
  gf__buf_free(&want);
  gf__buf_free(&body);
  gf__buf_free(&wire);
}

/* An empty body labelled gzip (Content-Length: 0, or no chunk) holds no
 * member: nothing to inflate, and no error, as in most clients. */
static void test_empty(void) {
  const char *ins[] = {
      HEAD_GZ "Content-Length: 0\r\n\r\n",
      HEAD_GZ "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
  };
  for (size_t i = 0; i < 2; i++) {
    rec r;
    result o = parse(&r, ins[i], strlen(ins[i]), NULL, 0);
    CHECK_INT(o.feed_rc, 0);
    CHECK_INT(o.reusable, 1);
    CHECK_INT(r.completes, 1);
    CHECK_INT(r.body.len, 0);
    gf__buf_free(&r.body);
  }
}

/* on_body's non-zero value stops the feed and is returned as it is; the
 * message is not the inflater's. */
static void test_body_code(void) {
  gf__buf plain, body, wire;
  gf__buf_init(&plain, 0);
  gf__buf_init(&body, 0);
  gf__buf_init(&wire, 0);
  sse_body(&plain, 10);
  gz(&body, plain.data, plain.len, 6, 0);
  response(&wire, HEAD_GZ, &body, 0);
  rec r;
  memset(&r, 0, sizeof r);
  gf__buf_init(&r.body, 0);
  r.fail_body_rc = 77;
  gf__http_resp *p = gf__http_resp_new(&rec_cbs, &r);
  CHECK_INT(gf__http_resp_feed(p, wire.data, wire.len), 77);
  CHECK_INT(r.pieces, 1);
  CHECK_INT(gf__http_resp_feed(p, "x", 1), 77);
  CHECK_INT(gf__http_resp_eof(p), 77);
  CHECK_STR(gf__http_resp_errmsg(p), "no error");
  gf__http_resp_free(p);
  gf__buf_free(&r.body);
  gf__buf_free(&plain);
  gf__buf_free(&body);
  gf__buf_free(&wire);
}

/* The inflater alone: a piece larger than zlib's unsigned int would be
 * sliced; here, the end of a body fed nothing and the states around it. */
static int count_out(void *ud, const char *p, size_t n) {
  (void)p;
  *(size_t *)ud += n;
  return 0;
}

static void test_inflater_alone(void) {
  gf__inflate *z = gf__inflate_new();
  CHECK(z != NULL);
  CHECK_INT(gf__inflate_end(z), 0); /* nothing fed: nothing unfinished */
  CHECK_STR(gf__inflate_errmsg(z), "no error");
  size_t got = 0;
  CHECK_INT(gf__inflate_feed(z, "", 0, count_out, &got), 0);
  CHECK_INT(gf__inflate_feed(z, "\x1f", 1, count_out, &got), 0);
  CHECK_INT(gf__inflate_end(z), GF_ETRUNCATED);
  /* sticky */
  CHECK_INT(gf__inflate_feed(z, "\x8b", 1, count_out, &got), GF_ETRUNCATED);
  gf__inflate_free(z);
  gf__inflate_free(NULL);
}

TEST_MAIN(TEST(test_sse_every_split), TEST(test_bounded_pieces),
          TEST(test_two_members), TEST(test_corrupt), TEST(test_truncated),
          TEST(test_trailing), TEST(test_unsupported), TEST(test_names),
          TEST(test_error_body), TEST(test_empty), TEST(test_body_code),
          TEST(test_inflater_alone))
