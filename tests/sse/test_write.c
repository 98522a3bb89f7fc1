/* The SSE writer: exact bytes, errors that leave the buffer as it was, and
 * a round trip through the decoder with each line end at every split. */
#include "test.h"

#include "common/buf.h"
#include "gemflow.h"
#include "sse/sse_recorder.h"

static void write_exact(const char *data, size_t n, const char *eol,
                        const char *want) {
  gf__buf b;
  gf__buf_init(&b, 0);
  CHECK_INT(gf__sse_write_event(&b, data, n, eol), 0);
  CHECK_MEM(b.data, b.len, want, strlen(want));
  gf__buf_free(&b);
}

static void exact_bytes(void) {
  write_exact("a\nb", 3, "\r\n", "data: a\r\ndata: b\r\n\r\n");
  write_exact("a\nb", 3, "\n", "data: a\ndata: b\n\n");
  write_exact("a\nb", 3, "\r", "data: a\rdata: b\r\r");
  write_exact("a\nb", 3, NULL, "data: a\r\ndata: b\r\n\r\n");
  write_exact("", 0, "\n", "data:\n\n");
  write_exact(NULL, 0, "\n", "data:\n\n");
  write_exact("\n", 1, "\n", "data:\ndata:\n\n");
  write_exact("a\n", 2, "\n", "data: a\ndata:\n\n");
  write_exact(" x", 2, "\n", "data:  x\n\n");
  write_exact("{\"k\": 1}", 8, "\r\n", "data: {\"k\": 1}\r\n\r\n");

  gf__buf b;
  gf__buf_init(&b, 0);
  CHECK_INT(gf__sse_write_comment(&b, " ping", 5, "\n"), 0);
  CHECK_INT(gf__sse_write_comment(&b, NULL, 0, NULL), 0);
  CHECK_INT(gf__sse_write_event(&b, "x", 1, "\n"), 0);
  CHECK_STR(b.data, ": ping\n:\r\ndata: x\n\n");
  gf__buf_free(&b);
}

static void errors_leave_buffer(void) {
  gf__buf b;
  gf__buf_init(&b, 0);
  CHECK_INT(gf__buf_append(&b, "keep", 4), 0);
  CHECK_INT(gf__sse_write_event(&b, "a\rb", 3, "\n"), GF_EINVAL);
  CHECK_INT(gf__sse_write_event(&b, "a", 1, "\n\r"), GF_EINVAL);
  CHECK_INT(gf__sse_write_event(&b, "a", 1, ""), GF_EINVAL);
  CHECK_INT(gf__sse_write_event(&b, "a", 1, "x"), GF_EINVAL);
  CHECK_INT(gf__sse_write_comment(&b, "a\nb", 3, "\n"), GF_EINVAL);
  CHECK_INT(gf__sse_write_comment(&b, "a\rb", 3, "\n"), GF_EINVAL);
  CHECK_INT(gf__sse_write_comment(&b, "a", 1, "\t"), GF_EINVAL);
  CHECK_STR(b.data, "keep");
  gf__buf_free(&b);

  /* The buffer's limit hit halfway: nothing of the event stays. */
  gf__buf_init(&b, 20);
  CHECK_INT(gf__buf_append(&b, "keep", 4), 0);
  CHECK_INT(gf__sse_write_event(&b, "line1\nline2", 11, "\r\n"), GF_ETOOBIG);
  CHECK_INT(b.len, 4);
  CHECK_STR(b.data, "keep");
  CHECK_INT(gf__sse_write_comment(&b, "0123456789abcdef", 16, "\n"),
            GF_ETOOBIG);
  CHECK_STR(b.data, "keep");
  /* Exactly at the limit is fine: 4 + "data: 12345678\n\n" = 20. */
  CHECK_INT(gf__sse_write_event(&b, "12345678", 8, "\n"), 0);
  CHECK_INT(b.len, 20);
  gf__buf_free(&b);
}

/* Writes the events with eol, decodes at every split, and expects each
 * event's data back exactly. */
static void round_trip_eol(const char *eol) {
  static const char bin[] = "\x00\x01\xff\t:x";
  const struct {
    const char *p;
    size_t n;
  } evs[] = {
      {"hello", 5},
      {"", 0},
      {"two\nlines", 9},
      {"\n\nx\n", 4},
      {" lead", 5},
      {"  two", 5},
      {"data: no", 8},
      {":colon", 6},
      {bin, sizeof bin - 1},
      {"\xEF\xBB\xBF"
       "bom",
       6},
  };
  gf__buf in, want;
  gf__buf_init(&in, 0);
  gf__buf_init(&want, 0);
  /* A BOM first: the decoder drops it, the events must not care. */
  gf__buf_append(&in, "\xEF\xBB\xBF", 3);
  for (size_t i = 0; i < sizeof evs / sizeof evs[0]; i++) {
    if (i == 3)
      CHECK_INT(gf__sse_write_comment(&in, "ka", 2, eol), 0);
    CHECK_INT(gf__sse_write_event(&in, evs[i].p, evs[i].n, eol), 0);
    sse_rec r;
    memset(&r, 0, sizeof r);
    gf__buf_init(&r.out, 0);
    if (i == 3)
      sse_rec_entry(&r, "comment[ka]");
    if (evs[i].n) {
      sse_rec_entry(&r, "data[");
      sse_rec_esc(&r, evs[i].p, evs[i].n);
      sse_rec_put(&r, "]", 1);
    }
    sse_rec_entry(&r, "dispatch(message,) ");
    gf__buf_append(&want, r.out.data, r.out.len);
    gf__buf_free(&r.out);
  }
  gf__buf_append(&want, "end(0)", 6);

  char *got = sse_run_whole(in.data, in.len, NULL);
  CHECK_STR(got, want.data);
  free(got);
  int ok = 1;
  for (size_t i = 0; i <= in.len && ok; i++) {
    got = sse_run(in.data, in.len, &i, 1, NULL, NULL);
    ok = strcmp(got, want.data) == 0;
    free(got);
  }
  CHECK(ok);
  size_t *cuts = malloc(in.len * sizeof *cuts);
  for (size_t i = 0; i < in.len; i++)
    cuts[i] = i + 1;
  got = sse_run(in.data, in.len, cuts, in.len - 1, NULL, NULL);
  CHECK_STR(got, want.data);
  free(got);
  free(cuts);
  gf__buf_free(&in);
  gf__buf_free(&want);
}

static void round_trip_crlf(void) { round_trip_eol("\r\n"); }
static void round_trip_lf(void) { round_trip_eol("\n"); }
static void round_trip_cr(void) { round_trip_eol("\r"); }

TEST_MAIN(TEST(exact_bytes), TEST(errors_leave_buffer), TEST(round_trip_crlf),
          TEST(round_trip_lf), TEST(round_trip_cr))
