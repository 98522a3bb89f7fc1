/* The simulator's picture, one row at a time: integer arithmetic only, so
 * that the same key gives the same pixels on every machine and compiler. */
#ifndef GF_SIM_PICTURE_H
#define GF_SIM_PICTURE_H
#include <stdint.h>

typedef struct gf__sim_pic {
  int w, h;
  uint64_t key;
  int32_t sky[4][3];   /* corner colours: top-left, top-right, bottom-left,
                          bottom-right */
  int32_t ground[2][3]; /* near the ridge, at the bottom */
  int32_t sun[3];
  int sun_x, sun_y, sun_r;
  int ridge_y, ridge_amp, ridge_period;
} gf__sim_pic;

void gf__sim_pic_init(gf__sim_pic *p, uint64_t key, int w, int h);
/* Writes w RGB pixels (3 * w bytes) of row y. */
void gf__sim_pic_row(const gf__sim_pic *p, int y, unsigned char *rgb);
/* splitmix64's finaliser: the mixer for keys and noise seeds. */
uint64_t gf__sim_mix64(uint64_t x);
#endif
