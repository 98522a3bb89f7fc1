/* HTTP chunking and write coalescing: any chunk size gives the same body
 * after de-chunking (checked with the http layer's own response parser),
 * chunks have exactly the size asked for except before a flush, and small
 * chunks are gathered into ~64 KiB batches: never one write per chunk. A
 * raw chunker (no chunked encoding) passes the bytes as they are. */
#include "common/buf.h"
#include "http/http.h"
#include "sim/chunker.h"
#include "test.h"

typedef struct sinkrec {
  gf__buf all;
  size_t calls, max_batch, min_batch;
  int steal; /* take the memory instead of copying */
} sinkrec;

static int sink(void *ud, gf__buf *batch) {
  sinkrec *r = ud;
  r->calls++;
  if (batch->len > r->max_batch)
    r->max_batch = batch->len;
  if (!r->min_batch || batch->len < r->min_batch)
    r->min_batch = batch->len;
  gf__buf_append(&r->all, batch->data, batch->len);
  if (r->steal) {
    size_t n;
    free(gf__buf_steal(batch, &n));
  } else {
    gf__buf_reset(batch);
  }
  return 0;
}

/* De-chunks with the client's parser. */
typedef struct dechunk {
  gf__buf body;
  int complete;
} dechunk;

static int d_body(void *ud, const char *p, size_t n) {
  return gf__buf_append(&((dechunk *)ud)->body, p, n);
}
static int d_complete(void *ud) {
  ((dechunk *)ud)->complete = 1;
  return 0;
}

static void dechunked(const gf__buf *wire, gf__buf *body, int *complete) {
  static const gf__http_resp_cbs cbs = {NULL, NULL, d_body, d_complete};
  dechunk d;
  gf__buf_init(&d.body, 0);
  d.complete = 0;
  gf__http_resp *r = gf__http_resp_new(&cbs, &d);
  const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
  CHECK_INT(gf__http_resp_feed(r, head, sizeof head - 1), 0);
  CHECK_INT(gf__http_resp_feed(r, wire->data, wire->len), 0);
  gf__http_resp_free(r);
  *body = d.body;
  *complete = d.complete;
}

static void make_body(gf__buf *b, size_t n) {
  gf__buf_init(b, 0);
  for (size_t i = 0; i < n; i++)
    gf__buf_appendc(b, (char)('a' + (i * 7) % 26));
}

/* The chunk sizes on the wire, in order. */
static size_t chunk_sizes(const gf__buf *wire, size_t *sizes, size_t max) {
  size_t off = 0, n = 0;
  while (off < wire->len && n < max) {
    size_t v = strtoul(wire->data + off, NULL, 16);
    sizes[n++] = v;
    const char *crlf = strstr(wire->data + off, "\r\n");
    if (!crlf)
      break;
    off = (size_t)(crlf - wire->data) + 2 + v + 2;
    if (v == 0)
      break;
  }
  return n;
}

static void test_sizes(void) {
  static const size_t sizes[] = {1, 2, 3, 7, 100, 4096, 16384, 65536,
                                 100000, 1 << 20};
  gf__buf body;
  make_body(&body, 300000);
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    sinkrec r;
    memset(&r, 0, sizeof r);
    gf__buf_init(&r.all, 0);
    r.steal = i % 2;
    gf__sim_chunker c;
    gf__sim_chunker_init(&c, sizes[i], 64 * 1024, sink, &r);
    /* fed in uneven pieces */
    size_t off = 0, step = 1;
    while (off < body.len) {
      size_t n = body.len - off < step ? body.len - off : step;
      CHECK_INT(gf__sim_chunker_put(&c, body.data + off, n), 0);
      off += n;
      step = step * 3 % 9973 + 1;
    }
    CHECK_INT(gf__sim_chunker_end(&c), 0);
    CHECK_INT(gf__sim_chunker_pending(&c), 0);
    CHECK_INT(c.chunks, (body.len + sizes[i] - 1) / sizes[i]);
    gf__buf got;
    int complete;
    dechunked(&r.all, &got, &complete);
    CHECK(complete);
    CHECK_MEM(got.data, got.len, body.data, body.len);
    /* full-size chunks, the remainder last */
    size_t cs[8];
    size_t nc = chunk_sizes(&r.all, cs, 8);
    CHECK(nc >= 2);
    CHECK_INT(cs[0], sizes[i] < body.len ? sizes[i] : body.len);
    /* coalescing: each batch (but the last) about 64 KiB, never more than a
     * batch plus one small chunk */
    CHECK(r.max_batch <= 64 * 1024 + 4096 + 32);
    CHECK(r.calls <= r.all.len / (60 * 1024) + 2);
    CHECK_INT(c.batches, r.calls);
    gf__sim_chunker_free(&c);
    gf__buf_free(&got);
    gf__buf_free(&r.all);
  }
  gf__buf_free(&body);
}

static void test_one_byte_chunks_coalesce(void) {
  sinkrec r;
  memset(&r, 0, sizeof r);
  gf__buf_init(&r.all, 0);
  gf__sim_chunker c;
  gf__sim_chunker_init(&c, 1, 64 * 1024, sink, &r);
  gf__buf body;
  make_body(&body, 100000);
  CHECK_INT(gf__sim_chunker_put(&c, body.data, body.len), 0);
  CHECK_INT(gf__sim_chunker_end(&c), 0);
  /* 100000 chunks of 6 bytes ("1\r\nX\r\n") + "0\r\n\r\n" */
  CHECK_INT(r.all.len, 600005);
  CHECK_INT(c.chunks, 100000);
  CHECK_INT(r.calls, (600005 + 65535) / 65536);
  CHECK(r.min_batch > 0);
  CHECK(memcmp(r.all.data, "1\r\na\r\n1\r\nh\r\n", 12) == 0);
  gf__sim_chunker_free(&c);
  gf__buf_free(&body);
  gf__buf_free(&r.all);
}

static void test_flush(void) {
  sinkrec r;
  memset(&r, 0, sizeof r);
  gf__buf_init(&r.all, 0);
  gf__sim_chunker c;
  gf__sim_chunker_init(&c, 10, 64 * 1024, sink, &r);
  CHECK_INT(gf__sim_chunker_put(&c, "hello world, ", 13), 0);
  CHECK_INT(r.calls, 0); /* nothing yet: the batch is small */
  CHECK_INT(gf__sim_chunker_pending(&c), 3 + 15);
  CHECK_INT(gf__sim_chunker_flush(&c), 0);
  CHECK_INT(r.calls, 1);
  CHECK_STR(r.all.data, "a\r\nhello worl\r\n3\r\nd, \r\n");
  CHECK_INT(gf__sim_chunker_flush(&c), 0); /* nothing to send: no call */
  CHECK_INT(r.calls, 1);
  CHECK_INT(gf__sim_chunker_put(&c, "bye", 3), 0);
  CHECK_INT(gf__sim_chunker_end(&c), 0);
  CHECK_STR(r.all.data, "a\r\nhello worl\r\n3\r\nd, \r\n3\r\nbye\r\n0\r\n\r\n");
  CHECK_INT(r.calls, 2);
  gf__sim_chunker_free(&c);
  gf__buf_free(&r.all);
  /* an empty body: just the last chunk */
  memset(&r, 0, sizeof r);
  gf__buf_init(&r.all, 0);
  gf__sim_chunker_init(&c, 16384, 64 * 1024, sink, &r);
  CHECK_INT(gf__sim_chunker_end(&c), 0);
  CHECK_STR(r.all.data, "0\r\n\r\n");
  gf__sim_chunker_free(&c);
  gf__buf_free(&r.all);
}

static int failing_sink(void *ud, gf__buf *batch) {
  (void)ud;
  gf__buf_reset(batch);
  return -77;
}

static void test_sink_error(void) {
  gf__sim_chunker c;
  gf__sim_chunker_init(&c, 1, 16, failing_sink, NULL);
  CHECK_INT(gf__sim_chunker_put(&c, "abcdefgh", 8), -77);
  gf__sim_chunker_free(&c);
}

/* Raw (body:length, body:close): the bytes as they are, in batches of at
 * most batch_max, whatever the pieces; flush and end add nothing. */
static void test_raw(void) {
  static const size_t pieces[] = {1, 7, 100, 1000, 5000};
  char data[20000];
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (char)('a' + i * 7 % 26);
  for (size_t k = 0; k < sizeof pieces / sizeof pieces[0]; k++) {
    sinkrec r;
    memset(&r, 0, sizeof r);
    gf__buf_init(&r.all, 0);
    r.steal = (int)(k & 1);
    gf__sim_chunker c;
    gf__sim_chunker_init_raw(&c, 4096, sink, &r);
    CHECK_INT(c.raw, 1);
    /* a head already waiting, larger than a batch, goes first, whole */
    char head[5000];
    memset(head, 'H', sizeof head);
    CHECK_INT(gf__buf_append(&c.batch, head, sizeof head), 0);
    for (size_t off = 0; off < sizeof data; off += pieces[k]) {
      size_t n = sizeof data - off < pieces[k] ? sizeof data - off : pieces[k];
      CHECK_INT(gf__sim_chunker_put(&c, data + off, n), 0);
      CHECK(gf__sim_chunker_pending(&c) < 4096);
    }
    CHECK_INT(gf__sim_chunker_flush(&c), 0);
    CHECK_INT(gf__sim_chunker_pending(&c), 0);
    CHECK_INT(gf__sim_chunker_end(&c), 0); /* nothing more: no last chunk */
    CHECK_INT(r.all.len, sizeof head + sizeof data);
    CHECK(r.all.len == sizeof head + sizeof data &&
          memcmp(r.all.data, head, sizeof head) == 0 &&
          memcmp(r.all.data + sizeof head, data, sizeof data) == 0);
    CHECK_INT(r.max_batch, sizeof head);
    CHECK_INT(c.chunks, 0);
    /* 5000 + 20000 bytes: the head alone, then 4096-byte batches */
    CHECK_INT(r.calls, 1 + (sizeof data + 4095) / 4096);
    gf__sim_chunker_free(&c);
    gf__buf_free(&r.all);
  }
  /* a sink's failure stops it */
  gf__sim_chunker c;
  gf__sim_chunker_init_raw(&c, 16, failing_sink, NULL);
  CHECK_INT(gf__sim_chunker_put(&c, "abcdefghijklmnopq", 17), -77);
  gf__sim_chunker_free(&c);
}

TEST_MAIN(TEST(test_sizes), TEST(test_one_byte_chunks_coalesce),
          TEST(test_flush), TEST(test_sink_error), TEST(test_raw))
