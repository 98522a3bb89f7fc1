/* libFuzzer target for b64. The whole input is encoded and decoded back
 * (the encoding must use the standard alphabet only). Then its first two
 * bytes choose split points and the rest is decoded whole, in three pieces
 * at those points (empty ones included) and byte by byte: all three must
 * give the same output (including what came before an error) or the same
 * error at the same offset, an offset inside the input. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64/b64.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
  unsigned char *out;
  size_t len;
  int err;
  uint64_t off;
} gf__fz_res;

/* One decode call into a buffer of exactly GF_B64_DEC_MAX(k) bytes, so
 * ASan sees any write past the documented bound; appends to r. */
static void gf__fz_feed(gf__b64dec *d, const char *in, size_t k,
                        gf__fz_res *r) {
  unsigned char *tmp = malloc(GF_B64_DEC_MAX(k));
  size_t got = 0;
  r->err = gf__b64_decode(d, in, k, tmp, &got);
  if (got > GF_B64_DEC_MAX(k))
    abort();
  memcpy(r->out + r->len, tmp, got);
  r->len += got;
  free(tmp);
}

/* Decodes in[0..n) in the pieces ending at cuts[0..ncut) (the last one n,
 * empty pieces allowed), then finishes. */
static void gf__fz_run(const char *in, size_t n, const size_t *cuts,
                       size_t ncut, gf__fz_res *r) {
  gf__b64dec d;
  size_t at = 0, got = 0;
  gf__b64_init(&d);
  r->len = 0;
  r->err = 0;
  for (size_t i = 0; i < ncut && !r->err; i++) {
    gf__fz_feed(&d, in + at, cuts[i] - at, r);
    at = cuts[i];
  }
  if (!r->err) {
    unsigned char tail[3];
    r->err = gf__b64_finish(&d, tail, &got);
    if (got > 3)
      abort();
    memcpy(r->out + r->len, tail, got);
    r->len += got;
  }
  r->off = r->err ? gf__b64_err_offset(&d) : 0;
  if (r->err && r->off >= n) /* the offending byte must exist */
    abort();
}

static void gf__fz_same(const gf__fz_res *x, const gf__fz_res *y) {
  if (x->err != y->err || x->len != y->len ||
      memcmp(x->out, y->out, x->len) != 0 || (x->err && x->off != y->off))
    abort();
}

static void gf__fz_roundtrip(const unsigned char *raw, size_t n) {
  char *enc = malloc(GF_B64_ENC_LEN(n) + 1);
  unsigned char *back = malloc(GF_B64_DEC_MAX(GF_B64_ENC_LEN(n)) + 3);
  size_t elen = gf__b64_encode(raw, n, enc), got, fin;
  if (elen != GF_B64_ENC_LEN(n) || enc[elen] != '\0')
    abort();
  for (size_t i = 0; i < elen; i++)
    if (enc[i] == '-' || enc[i] == '_' || enc[i] == '\r' || enc[i] == '\n')
      abort();
  gf__b64dec d;
  gf__b64_init(&d);
  if (gf__b64_decode(&d, enc, elen, back, &got) != 0 ||
      gf__b64_finish(&d, back + got, &fin) != 0 || got + fin != n ||
      (n && memcmp(back, raw, n) != 0))
    abort();
  free(enc);
  free(back);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  gf__fz_roundtrip(data, size);
  if (size < 2)
    return 0;
  const char *in = (const char *)data + 2;
  size_t n = size - 2;
  size_t a = n ? data[0] % (n + 1) : 0, b = n ? data[1] % (n + 1) : 0;
  if (a > b) {
    size_t t = a;
    a = b, b = t;
  }
  gf__fz_res whole, split, bytes;
  size_t cap = GF_B64_DEC_MAX(n) + 3;
  whole.out = malloc(cap);
  split.out = malloc(cap);
  bytes.out = malloc(cap);
  size_t *each = malloc((n + 1) * sizeof *each), three[3] = {a, b, n};
  for (size_t i = 0; i < n; i++)
    each[i] = i + 1;
  gf__fz_run(in, n, &n, 1, &whole);
  gf__fz_run(in, n, three, 3, &split);
  gf__fz_run(in, n, each, n, &bytes);
  free(each);
  gf__fz_same(&whole, &split);
  gf__fz_same(&whole, &bytes);
  free(whole.out);
  free(split.out);
  free(bytes.out);
  return 0;
}
