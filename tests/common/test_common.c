/* buf limits, sha256 against FIPS vectors, error names. */
#include "common/blocks.h"
#include "common/buf.h"
#include "common/sha256.h"
#include "gemflow.h"
#include "test.h"

static void hex_of(const char *msg, size_t n, char out[65]) {
  gf__sha256 s;
  unsigned char d[32];
  gf__sha256_init(&s);
  gf__sha256_update(&s, msg, n);
  gf__sha256_final(&s, d);
  gf_hex_sha256(d, out);
}

static void test_sha256_vectors(void) {
  char h[65];
  hex_of("", 0, h);
  CHECK_STR(h, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  hex_of("abc", 3, h);
  CHECK_STR(h, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const char *m = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  hex_of(m, strlen(m), h);
  CHECK_STR(h, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

static void test_sha256_split(void) {
  /* one million 'a', fed in uneven pieces */
  gf__sha256 s;
  unsigned char d[32];
  char h[65], a[1000];
  memset(a, 'a', sizeof a);
  gf__sha256_init(&s);
  size_t left = 1000000, step = 1;
  while (left) {
    size_t n = step < left ? step : left;
    gf__sha256_update(&s, a, n);
    left -= n;
    step = step % 997 + 1;
  }
  gf__sha256_final(&s, d);
  gf_hex_sha256(d, h);
  CHECK_STR(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* Whatever path the CPU allows must agree with the plain one, from any
 * state, for every number of blocks up to 11. */
static void test_sha256_paths_agree(void) {
  unsigned char data[11 * 64];
  uint32_t x = 2463534242u, h0[8];
  for (size_t i = 0; i < sizeof data; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    data[i] = (unsigned char)x;
  }
  for (int i = 0; i < 8; i++) {
    x ^= x << 13, x ^= x >> 17, x ^= x << 5;
    h0[i] = x;
  }
  printf("sha256 accelerated: %d\n", gf__sha256_accelerated());
  for (size_t n = 0; n <= 11; n++) {
    uint32_t a[8], b[8];
    memcpy(a, h0, sizeof a);
    memcpy(b, h0, sizeof b);
    gf__sha256_blocks_generic(a, data, n);
    gf__sha256_blocks(b, data, n);
    CHECK_MEM(a, sizeof a, b, sizeof b);
  }
}

static void test_buf_limit(void) {
  gf__buf b;
  gf__buf_init(&b, 8);
  CHECK_INT(gf__buf_append(&b, "12345678", 8), 0);
  CHECK_INT(gf__buf_appendc(&b, 'x'), GF_ETOOBIG);
  CHECK_INT(b.len, 8);
  CHECK_STR(b.data, "12345678");
  gf__buf_reset(&b);
  CHECK_INT(gf__buf_printf(&b, "%d-%s", 42, "ab"), 0);
  CHECK_STR(b.data, "42-ab");
  gf__buf_free(&b);
  /* the memory follows the limit: 64 KiB + the NUL, not the next power */
  gf__buf_init(&b, 65536);
  char piece[1000];
  memset(piece, 'a', sizeof piece);
  while (gf__buf_append(&b, piece, sizeof piece) == 0)
    ;
  CHECK_INT(gf__buf_append(&b, piece, 536), 0);
  CHECK_INT(b.len, 65536);
  CHECK_INT(b.cap, 65537);
  CHECK_INT(gf__buf_appendc(&b, 'x'), GF_ETOOBIG);
  gf__buf_free(&b);
}

static void test_version(void) {
  char want[32];
  snprintf(want, sizeof want, "%d.%d.%d", GF_VERSION_MAJOR, GF_VERSION_MINOR,
           GF_VERSION_PATCH);
  CHECK_STR(gf_version_string(), want);
  CHECK_INT(gf_version(), GF_VERSION_HEX);
  CHECK_INT(GF_VERSION_HEX, (GF_VERSION_MAJOR << 16) |
                                (GF_VERSION_MINOR << 8) | GF_VERSION_PATCH);
}

static void test_err_names(void) {
  CHECK_STR(gf_err_name(GF_ETRUNCATED), "truncated");
  CHECK_STR(gf_err_name(GF_ERESET), "reset");
  CHECK_STR(gf_strerror(GF_ECANCELED), "generation was canceled");
  CHECK_STR(gf_err_name(12345), "unknown");
  CHECK_STR(gf_err_name(0), "ok");
}

/* Blocks come back for the next borrower, up to keep of them. */
static void test_blocks(void) {
  gf__blocks b;
  gf__blocks_init(&b, 100, 2);
  void *p[4];
  for (int i = 0; i < 4; i++) {
    p[i] = gf__blocks_get(&b);
    CHECK(p[i] != NULL);
    memset(p[i], 0xab, 100);
  }
  CHECK_INT(b.lent, 4);
  for (int i = 0; i < 4; i++)
    gf__blocks_put(&b, p[i]);
  CHECK_INT(b.lent, 0);
  CHECK_INT(b.nfree, 2); /* the others were freed */
  void *q = gf__blocks_get(&b);
  CHECK(q == p[1]); /* the last one kept, reused */
  gf__blocks_put(&b, q);
  gf__blocks_put(&b, NULL); /* nothing */
  CHECK_INT(b.lent, 0);
  gf__blocks_free(&b);
  CHECK_INT(b.nfree, 0);
}

TEST_MAIN(TEST(test_blocks), TEST(test_sha256_vectors), TEST(test_sha256_split),
          TEST(test_sha256_paths_agree),
          TEST(test_buf_limit), TEST(test_err_names),
          TEST(test_version))
