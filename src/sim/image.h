/* Encoded images and their cache. An image is what a response streams: the
 * base64 text of the PNG (the PNG bytes themselves are not kept), its size,
 * sha256 and dimensions. Encoding runs on libuv's thread pool so that the
 * loop keeps serving while a 4K image (about 1 s) is made; a request for an
 * image already being made waits for that one. The cache is bounded in
 * entries and bytes; an evicted image lives on while responses hold it. */
#ifndef GF_SIM_IMAGE_H
#define GF_SIM_IMAGE_H
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "common/queue.h"

typedef struct gf__sim_img gf__sim_img;
typedef struct gf__sim_cache gf__sim_cache;

/* Someone waiting for an image: cb runs once, on the loop, when it is ready
 * or failed (gf__sim_img_status). */
typedef struct gf__sim_waiter {
  gf__queue node; /* in the image's waiters while registered */
  void (*cb)(struct gf__sim_waiter *w, gf__sim_img *img);
  void *data;
} gf__sim_waiter;

struct gf__sim_img {
  /* key */
  char *prompt;
  size_t plen;
  uint64_t seed;
  int w, h;
  /* result, valid once status is 0 */
  char *b64;
  size_t b64_len;
  uint64_t png_len;
  unsigned char sha[32];
  char sha_hex[65];
  int status; /* 1 being made, 0 ready, GF_E* failed: the loop's, set
                 once the maker has handed the image over */
  int made;   /* the maker's outcome (its thread's until handed over) */
  size_t counted; /* b64 bytes of it in the cache's total (the loop's) */
  /* bookkeeping */
  unsigned refs;
  gf__queue lru; /* in the cache's list while linked */
  gf__queue waiters; /* gf__sim_waiter.node */
  gf__sim_cache *cache;
  uv_work_t work;
};

/* Makes the image in place (encode, hash, base64): blocking, touches only
 * img's result fields and img->made, never status (which the loop reads:
 * the caller sets it from made once the image is handed over). */
int gf__sim_img_make(gf__sim_img *img);
/* A new, unmade image for the key with one reference (no cache). */
gf__sim_img *gf__sim_img_new(const char *prompt, size_t plen, uint64_t seed,
                             int w, int h);
void gf__sim_img_ref(gf__sim_img *img);
void gf__sim_img_unref(gf__sim_img *img);
/* cb now (well, never from inside this call: see below) or when ready.
 * When the image is already ready or failed, returns 1 and does not
 * register; 0 when w was registered. */
int gf__sim_img_wait(gf__sim_img *img, gf__sim_waiter *w);
/* Harmless when w is not registered. */
void gf__sim_img_unwait(gf__sim_waiter *w);
/* Before the first wait or unwait. */
void gf__sim_waiter_init(gf__sim_waiter *w,
                         void (*cb)(gf__sim_waiter *w, gf__sim_img *img),
                         void *data);

/* loop NULL: images are made synchronously in gf__sim_cache_get. */
gf__sim_cache *gf__sim_cache_new(uv_loop_t *loop, size_t max_entries,
                                 size_t max_bytes);
/* A referenced image for the key: cached, being made, or started now. */
int gf__sim_cache_get(gf__sim_cache *c, const char *prompt, size_t plen,
                      uint64_t seed, int w, int h, gf__sim_img **out);
/* Drops the cache's own references; the cache itself is freed when the last
 * encoding under way has finished. */
void gf__sim_cache_free(gf__sim_cache *c);
/* For tests: entries held and their base64 bytes. */
size_t gf__sim_cache_count(const gf__sim_cache *c, size_t *bytes);
#endif
