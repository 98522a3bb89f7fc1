/* libFuzzer target for b64. The whole input is encoded and decoded back by
 * every path (the encoding must use the standard alphabet only). Then its
 * first two bytes choose split points and the rest is decoded whole, in
 * three pieces at those points (empty ones included) and byte by byte: all
 * three must give the same output (including what came before an error) or
 * the same error at the same offset, an offset inside the input. And each
 * decoding path the CPU has (portable fast, AVX2, the dispatching
 * gf__b64_decode) must give, whole and in the same three pieces, exactly
 * what the scalar path gives: output, per-call lengths and return codes,
 * error offset, final decoder state. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "b64/decode_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef int (*gf__fz_fn)(gf__b64dec *d, const char *in, size_t n,
                         unsigned char *out, size_t *outlen);

typedef struct {
  unsigned char *out;
  size_t len;
  int err;
  uint64_t off;
  uint64_t calls; /* a hash of each call's return code and length */
  gf__b64dec end; /* the decoder after finish */
} gf__fz_res;

static void gf__fz_note(gf__fz_res *r, int rc, size_t got) {
  r->calls = (r->calls ^ (uint64_t)(rc + 1000)) * 0x100000001B3u;
  r->calls = (r->calls ^ got) * 0x100000001B3u;
}

/* One decode call into a buffer of exactly GF_B64_DEC_MAX(k) bytes, so
 * ASan sees any write past the documented bound; appends to r. */
static void gf__fz_feed(gf__fz_fn fn, gf__b64dec *d, const char *in, size_t k,
                        gf__fz_res *r) {
  unsigned char *tmp = malloc(GF_B64_DEC_MAX(k));
  size_t got = 0;
  r->err = fn(d, in, k, tmp, &got);
  if (got > GF_B64_DEC_MAX(k))
    abort();
  gf__fz_note(r, r->err, got);
  memcpy(r->out + r->len, tmp, got);
  r->len += got;
  free(tmp);
}

/* Decodes in[0..n) with fn in the pieces ending at cuts[0..ncut) (the last
 * one n, empty pieces allowed), then finishes. */
static void gf__fz_run(gf__fz_fn fn, const char *in, size_t n,
                       const size_t *cuts, size_t ncut, gf__fz_res *r) {
  size_t at = 0, got = 0;
  gf__b64_init(&r->end);
  r->len = 0;
  r->err = 0;
  r->calls = 0xCBF29CE484222325u;
  for (size_t i = 0; i < ncut && !r->err; i++) {
    gf__fz_feed(fn, &r->end, in + at, cuts[i] - at, r);
    at = cuts[i];
  }
  if (!r->err) {
    unsigned char tail[3];
    r->err = gf__b64_finish(&r->end, tail, &got);
    if (got > 3)
      abort();
    gf__fz_note(r, r->err, got);
    memcpy(r->out + r->len, tail, got);
    r->len += got;
  }
  r->off = r->err ? gf__b64_err_offset(&r->end) : 0;
  if (r->err && r->off >= n) /* the offending byte must exist */
    abort();
}

static void gf__fz_same(const gf__fz_res *x, const gf__fz_res *y) {
  if (x->err != y->err || x->len != y->len ||
      memcmp(x->out, y->out, x->len) != 0 || (x->err && x->off != y->off))
    abort();
}

/* Two paths on the same pieces: everything the caller can see, and the
 * state left behind. */
static void gf__fz_identical(const gf__fz_res *x, const gf__fz_res *y) {
  const gf__b64dec *a = &x->end, *b = &y->end;
  gf__fz_same(x, y);
  if (x->calls != y->calls || x->off != y->off || a->acc != b->acc ||
      a->nacc != b->nacc || a->npad != b->npad ||
      a->alphabet != b->alphabet || a->offset != b->offset ||
      a->err != b->err || a->err_off != b->err_off ||
      a->grp_off != b->grp_off)
    abort();
}

/* The paths other than the scalar reference that this CPU runs. */
static size_t gf__fz_paths(gf__fz_fn *fns) {
  size_t k = 0;
  fns[k++] = gf__b64_decode_fast;
#ifdef GF__B64_X86
  if (gf__b64_have_avx2())
    fns[k++] = gf__b64_decode_avx2;
#endif
  fns[k++] = gf__b64_decode;
  return k;
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
  gf__fz_fn fns[4];
  size_t nf = gf__fz_paths(fns);
  fns[nf++] = gf__b64_decode_scalar;
  for (size_t p = 0; p < nf; p++) {
    gf__b64dec d;
    gf__b64_init(&d);
    if (fns[p](&d, enc, elen, back, &got) != 0 ||
        gf__b64_finish(&d, back + got, &fin) != 0 || got + fin != n ||
        (n && memcmp(back, raw, n) != 0))
      abort();
  }
  free(enc);
  free(back);
}

/* Every other path against the scalar one, whole and in three pieces. */
static void gf__fz_differential(const char *in, size_t n, const size_t *three,
                                const gf__fz_res *whole,
                                const gf__fz_res *split, gf__fz_res *tmp) {
  gf__fz_fn fns[3];
  size_t nf = gf__fz_paths(fns);
  for (size_t p = 0; p < nf; p++) {
    gf__fz_run(fns[p], in, n, &n, 1, tmp);
    gf__fz_identical(whole, tmp);
    gf__fz_run(fns[p], in, n, three, 3, tmp);
    gf__fz_identical(split, tmp);
  }
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
  gf__fz_res whole, split, bytes, tmp;
  size_t cap = GF_B64_DEC_MAX(n) + 3;
  whole.out = malloc(cap);
  split.out = malloc(cap);
  bytes.out = malloc(cap);
  tmp.out = malloc(cap);
  size_t *each = malloc((n + 1) * sizeof *each), three[3] = {a, b, n};
  for (size_t i = 0; i < n; i++)
    each[i] = i + 1;
  gf__fz_run(gf__b64_decode_scalar, in, n, &n, 1, &whole);
  gf__fz_run(gf__b64_decode_scalar, in, n, three, 3, &split);
  gf__fz_run(gf__b64_decode_scalar, in, n, each, n, &bytes);
  free(each);
  gf__fz_same(&whole, &split);
  gf__fz_same(&whole, &bytes);
  gf__fz_differential(in, n, three, &whole, &split, &tmp);
  free(whole.out);
  free(split.out);
  free(bytes.out);
  free(tmp.out);
  return 0;
}
