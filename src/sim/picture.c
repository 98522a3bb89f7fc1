#include "sim/picture.h"

/* Noise amplitude: 3 random bits per channel keeps a deflated, sub-filtered
 * row at a little over half its raw size, as in the real service's PNGs. */
#define NOISE_BITS 3
#define NOISE_MASK ((1u << NOISE_BITS) - 1)

uint64_t gf__sim_mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* A value in [lo, lo + span) drawn from the key stream. */
static int32_t draw(uint64_t *state, int32_t lo, int32_t span) {
  *state = gf__sim_mix64(*state);
  return lo + (int32_t)(*state % (uint64_t)span);
}

void gf__sim_pic_init(gf__sim_pic *p, uint64_t key, int w, int h) {
  uint64_t s = key;
  p->w = w;
  p->h = h;
  p->key = key;
  for (int c = 0; c < 4; c++)
    for (int k = 0; k < 3; k++)
      p->sky[c][k] = draw(&s, 24, 208);
  for (int c = 0; c < 2; c++)
    for (int k = 0; k < 3; k++)
      p->ground[c][k] = draw(&s, 16, 120);
  for (int k = 0; k < 3; k++)
    p->sun[k] = draw(&s, 150, 96);
  int m = w < h ? w : h;
  p->sun_r = m / 12 + draw(&s, 0, m / 10 + 1);
  p->sun_x = draw(&s, 0, w);
  p->sun_y = draw(&s, h / 8, h / 3 + 1);
  p->ridge_y = h / 2 + draw(&s, 0, h / 5 + 1);
  p->ridge_amp = h / 20 + draw(&s, 0, h / 10 + 1);
  p->ridge_period = 2 + draw(&s, 0, 5);
}

/* A triangle wave over [0, 2 * half): 0 .. half .. 0. */
static int tri(int64_t t, int64_t half) {
  int64_t m = t % (2 * half);
  return (int)(m < half ? m : 2 * half - m);
}

static int32_t lerp(int32_t a, int32_t b, int64_t t, int64_t n) {
  return a + (int32_t)(((int64_t)(b - a) * t) / n);
}

static unsigned char clamp_noise(int32_t v, uint32_t noise) {
  const int32_t lo = (int32_t)(NOISE_MASK / 2) + 1;
  const int32_t hi = 255 - lo;
  v = v < lo ? lo : v > hi ? hi : v;
  return (unsigned char)(v + (int32_t)noise - (int32_t)(NOISE_MASK / 2));
}

void gf__sim_pic_row(const gf__sim_pic *p, int y, unsigned char *rgb) {
  int32_t left[3], right[3], gnd[3];
  int hh = p->h > 1 ? p->h - 1 : 1, ww = p->w > 1 ? p->w - 1 : 1;
  for (int k = 0; k < 3; k++) {
    left[k] = lerp(p->sky[0][k], p->sky[2][k], y, hh);
    right[k] = lerp(p->sky[1][k], p->sky[3][k], y, hh);
    gnd[k] = lerp(p->ground[0][k], p->ground[1][k], y, hh);
  }
  int64_t dy = y - p->sun_y, r2 = (int64_t)p->sun_r * p->sun_r;
  uint64_t ns =
      gf__sim_mix64(p->key ^ ((uint64_t)y * 0xd1b54a32d192ed03ull)) | 1;
  uint64_t bits = 0;
  int nbits = 0;
  int64_t half = (int64_t)p->w / (2 * p->ridge_period) + 1;
  for (int x = 0; x < p->w; x++) {
    int32_t col[3];
    int ridge = p->ridge_y - tri((int64_t)x + half / 3, half) * p->ridge_amp /
                                 (int)half;
    int64_t dx = x - p->sun_x;
    int in_sun = dx * dx + dy * dy < r2;
    for (int k = 0; k < 3; k++) {
      col[k] = lerp(left[k], right[k], x, ww);
      if (in_sun)
        col[k] = (col[k] + 3 * p->sun[k]) / 4;
      if (y > ridge)
        col[k] = gnd[k] - (y - ridge) * 32 / (p->h - ridge + 1);
    }
    if (nbits < 3 * NOISE_BITS) {
      ns ^= ns << 13;
      ns ^= ns >> 7;
      ns ^= ns << 17;
      bits = ns;
      nbits = 64;
    }
    for (int k = 0; k < 3; k++) {
      rgb[3 * x + k] = clamp_noise(col[k], (uint32_t)(bits & NOISE_MASK));
      bits >>= NOISE_BITS;
    }
    nbits -= 3 * NOISE_BITS;
  }
}
