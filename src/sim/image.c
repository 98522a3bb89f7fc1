/* One image: making it (PNG, sha256, base64), references and waiters. */
#include <stdlib.h>
#include <string.h>

#include "b64/b64.h"
#include "common/buf.h"
#include "common/sha256.h"
#include "gemflow.h"
#include "sim/image.h"
#include "sim/png.h"

int gf__sim_img_make(gf__sim_img *img) {
  gf__buf png;
  gf__buf_init(&png, 0);
  int rc = gf__sim_png_encode(img->prompt, img->plen, img->seed, img->w,
                              img->h, &png);
  if (!rc) {
    gf__sha256 s;
    gf__sha256_init(&s);
    gf__sha256_update(&s, png.data, png.len);
    gf__sha256_final(&s, img->sha);
    gf_hex_sha256(img->sha, img->sha_hex);
    img->png_len = png.len;
    img->b64 = malloc(GF_B64_ENC_LEN(png.len) + 1);
    if (!img->b64)
      rc = GF_ENOMEM;
    else
      img->b64_len = gf__b64_encode((const unsigned char *)png.data, png.len,
                                    img->b64);
  }
  gf__buf_free(&png);
  img->made = rc;
  return rc;
}

gf__sim_img *gf__sim_img_new(const char *prompt, size_t plen, uint64_t seed,
                             int w, int h) {
  gf__sim_img *img = calloc(1, sizeof *img);
  if (!img)
    return NULL;
  img->prompt = malloc(plen + 1);
  if (!img->prompt) {
    free(img);
    return NULL;
  }
  if (plen)
    memcpy(img->prompt, prompt, plen);
  img->prompt[plen] = '\0';
  img->plen = plen;
  img->seed = seed;
  img->w = w;
  img->h = h;
  img->status = 1;
  img->refs = 1;
  gf__queue_init(&img->waiters);
  gf__queue_init(&img->lru);
  return img;
}

void gf__sim_img_ref(gf__sim_img *img) { img->refs++; }

void gf__sim_img_unref(gf__sim_img *img) {
  if (!img || --img->refs)
    return;
  free(img->prompt);
  free(img->b64);
  free(img);
}

void gf__sim_waiter_init(gf__sim_waiter *w,
                         void (*cb)(gf__sim_waiter *w, gf__sim_img *img),
                         void *data) {
  gf__queue_init(&w->node);
  w->cb = cb;
  w->data = data;
}

int gf__sim_img_wait(gf__sim_img *img, gf__sim_waiter *w) {
  if (img->status != 1)
    return 1;
  gf__queue_insert_tail(&img->waiters, &w->node);
  return 0;
}

void gf__sim_img_unwait(gf__sim_waiter *w) { gf__queue_remove(&w->node); }
