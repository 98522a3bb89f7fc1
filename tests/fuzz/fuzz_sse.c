/* libFuzzer target for the SSE decoder and writer.
 *
 * The input is the stream; its own bytes also choose max_line and where to
 * cut it. The transcript (tests/sse/sse_recorder.h) of the whole feed must
 * equal that of the cut feed and of the byte-by-byte feed. Then the input,
 * less its CRs, is written as one event and must decode to itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../sse/sse_recorder.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same_or_die(const char *a, const char *b) {
  if (strcmp(a, b) != 0)
    abort();
}

static void split_invariance(const char *in, size_t n) {
  sse_run_opts o = {.max_line = n ? (size_t)(unsigned char)in[0] % 64 : 0};
  char *whole = sse_run_whole(in, n, &o);

  /* Cut lengths come from the input, cycling: 1..32 bytes each. */
  size_t *cuts = malloc((n + 1) * sizeof *cuts), k = 0;
  for (size_t at = 0, i = 0; n && at < n; i++) {
    at += (size_t)((unsigned char)in[i % n] % 32) + 1;
    if (at < n)
      cuts[k++] = at;
  }
  char *cut = sse_run(in, n, cuts, k, &o, NULL);
  same_or_die(whole, cut);
  free(cut);

  for (size_t i = 0; i < n; i++)
    cuts[i] = i + 1;
  char *bytes = sse_run(in, n, cuts, n ? n - 1 : 0, &o, NULL);
  same_or_die(whole, bytes);
  free(bytes);
  free(cuts);
  free(whole);
}

static void writer_round_trip(const char *in, size_t n) {
  char *data = malloc(n + 1);
  size_t dn = 0;
  for (size_t i = 0; i < n; i++)
    if (in[i] != '\r')
      data[dn++] = in[i];
  static const char *const eols[] = {"\r\n", "\n", "\r"};
  gf__buf out, want;
  gf__buf_init(&out, 0);
  gf__buf_init(&want, 0);
  if (gf__sse_write_event(&out, data, dn, eols[n % 3]))
    abort();
  sse_rec r;
  memset(&r, 0, sizeof r);
  r.out = want;
  if (dn) {
    sse_rec_entry(&r, "data[");
    sse_rec_esc(&r, data, dn);
    sse_rec_put(&r, "]", 1);
  }
  sse_rec_entry(&r, "dispatch(message,) end(0)");
  /* A leading BOM in the data would be eaten: put the event after one. */
  gf__buf framed;
  gf__buf_init(&framed, 0);
  if (gf__buf_append(&framed, "\xEF\xBB\xBF", 3) ||
      gf__buf_append(&framed, out.data, out.len))
    abort();
  char *got = sse_run_whole(framed.data, framed.len, NULL);
  same_or_die(got, r.out.data);
  free(got);
  gf__buf_free(&framed);
  gf__buf_free(&r.out);
  gf__buf_free(&out);
  free(data);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > 4096) /* small inputs keep the three runs per input fast */
    return 0;
  split_invariance((const char *)data, size);
  writer_round_trip((const char *)data, size);
  return 0;
}
