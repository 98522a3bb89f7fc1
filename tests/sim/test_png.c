/* The simulator's PNG: a real file (signature, IHDR, IDAT, IEND, CRCs),
 * whose inflated and unfiltered rows are exactly the picture's pixels; the
 * same key always gives the same bytes, another prompt other bytes; the
 * size is in the band of the real service's images; the dimensions table. */
#include <zlib.h>

#include "common/buf.h"
#include "common/sha256.h"
#include "gemflow.h"
#include "sim/dims.h"
#include "sim/picture.h"
#include "sim/png.h"
#include "test.h"

static uint32_t be32(const unsigned char *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 |
         p[3];
}

typedef struct png_info {
  uint32_t w, h;
  int depth, ctype, interlace;
  int chunks, idats, bad_crc, iend_last;
  gf__buf z; /* the concatenated IDAT data */
} png_info;

/* Walks the chunks, checking every CRC. 0 when the structure is sound. */
static int walk(const unsigned char *p, size_t n, png_info *pi) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a,
                                       '\n'};
  memset(pi, 0, sizeof *pi);
  gf__buf_init(&pi->z, 0);
  if (n < 8 || memcmp(p, sig, 8))
    return -1;
  size_t off = 8;
  while (off + 12 <= n) {
    uint32_t len = be32(p + off);
    if (len > n - off - 12)
      return -1;
    const unsigned char *type = p + off + 4, *data = p + off + 8;
    uint32_t crc = (uint32_t)crc32(crc32(0, type, 4), data, len);
    if (crc != be32(data + len))
      pi->bad_crc++;
    if (pi->chunks == 0 && (memcmp(type, "IHDR", 4) || len != 13))
      return -1;
    if (!memcmp(type, "IHDR", 4)) {
      pi->w = be32(data);
      pi->h = be32(data + 4);
      pi->depth = data[8];
      pi->ctype = data[9];
      pi->interlace = data[12];
    } else if (!memcmp(type, "IDAT", 4)) {
      pi->idats++;
      gf__buf_append(&pi->z, data, len);
    }
    pi->chunks++;
    off += 12 + len;
    if (!memcmp(type, "IEND", 4)) {
      pi->iend_last = off == n;
      break;
    }
  }
  return 0;
}

static void encode(const char *prompt, uint64_t seed, int w, int h,
                   gf__buf *out) {
  gf__buf_init(out, 0);
  CHECK_INT(gf__sim_png_encode(prompt, strlen(prompt), seed, w, h, out), 0);
}

/* Inflates the IDAT stream and undoes the filters; compares every row with
 * the picture drawn for the same key. */
static void check_pixels(const png_info *pi, const char *prompt, uint64_t seed) {
  size_t stride = (size_t)pi->w * 3, raw_len = (stride + 1) * pi->h;
  unsigned char *raw = malloc(raw_len + 1), *prev = calloc(1, stride),
                *cur = malloc(stride), *want = malloc(stride);
  uLongf got = (uLongf)raw_len + 1;
  CHECK_INT(uncompress(raw, &got, (const Bytef *)pi->z.data, pi->z.len), Z_OK);
  CHECK_INT(got, raw_len);
  gf__sim_pic pic;
  gf__sim_pic_init(&pic, gf__sim_png_key(prompt, strlen(prompt), seed,
                                         (int)pi->w, (int)pi->h),
                   (int)pi->w, (int)pi->h);
  int bad_rows = 0, bad_filters = 0;
  for (uint32_t y = 0; y < pi->h && got == raw_len; y++) {
    const unsigned char *row = raw + y * (stride + 1);
    int f = row[0];
    for (size_t i = 0; i < stride; i++) {
      unsigned a = i >= 3 ? cur[i - 3] : 0, b = prev[i];
      unsigned c = i >= 3 ? prev[i - 3] : 0, x = row[1 + i];
      if (f == 0)
        cur[i] = (unsigned char)x;
      else if (f == 1)
        cur[i] = (unsigned char)(x + a);
      else if (f == 2)
        cur[i] = (unsigned char)(x + b);
      else if (f == 3)
        cur[i] = (unsigned char)(x + (a + b) / 2);
      else {
        int pa = abs((int)b - (int)c), pb = abs((int)a - (int)c),
            pc = abs((int)a + (int)b - 2 * (int)c);
        cur[i] = (unsigned char)(x + (pa <= pb && pa <= pc ? a
                                      : pb <= pc           ? b
                                                           : c));
      }
    }
    bad_filters += f > 4;
    gf__sim_pic_row(&pic, (int)y, want);
    bad_rows += memcmp(cur, want, stride) != 0;
    memcpy(prev, cur, stride);
  }
  CHECK_INT(bad_filters, 0);
  CHECK_INT(bad_rows, 0);
  free(raw);
  free(prev);
  free(cur);
  free(want);
}

static void test_structure_and_pixels(void) {
  static const int dims[][2] = {{1024, 1024}, {848, 1264}, {1, 1}, {7, 3}};
  for (size_t i = 0; i < sizeof dims / sizeof dims[0]; i++) {
    gf__buf png;
    encode("a lighthouse at dusk", 42, dims[i][0], dims[i][1], &png);
    png_info pi;
    CHECK_INT(walk((const unsigned char *)png.data, png.len, &pi), 0);
    CHECK_INT(pi.w, dims[i][0]);
    CHECK_INT(pi.h, dims[i][1]);
    CHECK_INT(pi.depth, 8);
    CHECK_INT(pi.ctype, 2);
    CHECK_INT(pi.interlace, 0);
    CHECK_INT(pi.bad_crc, 0);
    CHECK(pi.idats >= 1);
    CHECK(pi.iend_last);
    check_pixels(&pi, "a lighthouse at dusk", 42);
    gf__buf_free(&pi.z);
    gf__buf_free(&png);
  }
}

static void test_deterministic(void) {
  gf__buf a, b, c, d, e;
  encode("a red fox", 0, 512, 384, &a);
  encode("a red fox", 0, 512, 384, &b);
  encode("a red foy", 0, 512, 384, &c);
  encode("a red fox", 1, 512, 384, &d);
  encode("a red fox", 0, 384, 512, &e);
  CHECK_MEM(a.data, a.len, b.data, b.len);
  CHECK(c.len != a.len || memcmp(a.data, c.data, a.len) != 0);
  CHECK(d.len != a.len || memcmp(a.data, d.data, a.len) != 0);
  CHECK(e.len != a.len || memcmp(a.data, e.data, a.len) != 0);
  /* the pixels themselves differ, not only a header field */
  CHECK(gf__sim_png_key("a red fox", 9, 0, 512, 384) !=
        gf__sim_png_key("a red foy", 9, 0, 512, 384));
  gf__buf_free(&a);
  gf__buf_free(&b);
  gf__buf_free(&c);
  gf__buf_free(&d);
  gf__buf_free(&e);
}

/* A known answer for the pixels (not the deflate stream, which may change
 * with the zlib version): catches any change of the picture, which would
 * change every image a client compares. */
static void test_known_pixels(void) {
  const char *prompt = "a sunset over mountains";
  gf__sim_pic pic;
  gf__sim_pic_init(&pic, gf__sim_png_key(prompt, strlen(prompt), 0, 64, 48),
                   64, 48);
  gf__sha256 s;
  unsigned char row[64 * 3], d[32];
  char hex[65];
  gf__sha256_init(&s);
  for (int y = 0; y < 48; y++) {
    gf__sim_pic_row(&pic, y, row);
    gf__sha256_update(&s, row, sizeof row);
  }
  gf__sha256_final(&s, d);
  gf_hex_sha256(d, hex);
  CHECK_STR(hex,
            "f9729db4e9a5e651ff06081ea232b69791b19087819b4d87328d1959991faf86");
}

static void test_size_band_1k(void) {
  gf__buf png;
  encode("a sunset over mountains", 0, 1024, 1024, &png);
  /* the real service: about 1.5-2 MB for a 1K square PNG */
  CHECK(png.len > 1500 * 1000);
  CHECK(png.len < 2000 * 1000);
  gf__buf_free(&png);
  encode("", 7, 1376, 768, &png); /* 16:9 at 1K, empty prompt */
  CHECK(png.len > 1400 * 1000);
  CHECK(png.len < 2000 * 1000);
  gf__buf_free(&png);
}

static void test_bad_dims(void) {
  gf__buf png;
  gf__buf_init(&png, 0);
  CHECK_INT(gf__sim_png_encode("x", 1, 0, 0, 10, &png), GF_EINVAL);
  CHECK_INT(gf__sim_png_encode("x", 1, 0, 10, -1, &png), GF_EINVAL);
  CHECK_INT(gf__sim_png_encode("x", 1, 0, GF_SIM_PNG_MAX_SIDE + 1, 1, &png),
            GF_EINVAL);
  CHECK_INT(png.len, 0);
}

static void test_dims_table(void) {
  static const struct {
    const char *aspect, *size;
    int w, h;
  } v[] = {
      {"1:1", "1K", 1024, 1024},  {"1:1", "2K", 2048, 2048},
      {"1:1", "4K", 4096, 4096},  {"2:3", "1K", 848, 1264},
      {"2:3", "4K", 3392, 5056},  {"3:2", "2K", 2528, 1696},
      {"3:4", "1K", 896, 1200},   {"4:3", "4K", 4800, 3584},
      {"4:5", "2K", 1856, 2304},  {"5:4", "1K", 1152, 928},
      {"9:16", "4K", 3072, 5504}, {"16:9", "1K", 1376, 768},
      {"16:9", "2K", 2752, 1536}, {"21:9", "1K", 1584, 672},
      {"21:9", "4K", 6336, 2688},
  };
  for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
    int w = 0, h = 0;
    CHECK_INT(gf__sim_dims(v[i].aspect, v[i].size, &w, &h), 0);
    CHECK_INT(w, v[i].w);
    CHECK_INT(h, v[i].h);
  }
  int w, h;
  CHECK_INT(gf__sim_dims("1:2", "1K", &w, &h), -1);
  CHECK_INT(gf__sim_dims("16:9 ", "1K", &w, &h), -1);
  CHECK_INT(gf__sim_dims("1:1", "1k", &w, &h), -2);
  CHECK_INT(gf__sim_dims("1:1", "8K", &w, &h), -2);
  CHECK_INT(gf__sim_dims("1:1", "", &w, &h), -2);
  CHECK_INT(gf__sim_candidate_tokens("1K"), 1120);
  CHECK_INT(gf__sim_candidate_tokens("2K"), 1120);
  CHECK_INT(gf__sim_candidate_tokens("4K"), 2000);
  CHECK(gf__sim_model_known("gemini-3-pro-image-preview", 26));
  CHECK(!gf__sim_model_known("gemini-3-pro-image-previe", 25));
  CHECK(!gf__sim_model_known("gemini-2.5-flash-image", 22));
}

TEST_MAIN(TEST(test_structure_and_pixels), TEST(test_deterministic),
          TEST(test_known_pixels), TEST(test_size_band_1k),
          TEST(test_bad_dims), TEST(test_dims_table))
