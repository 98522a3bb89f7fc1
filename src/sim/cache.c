/* The image cache: a list of images (being made or ready) in order of use,
 * bounded in entries and base64 bytes, and the thread-pool jobs that make
 * them. */
#include <stdlib.h>
#include <string.h>

#include "gemflow.h"
#include "sim/image.h"

struct gf__sim_cache {
  uv_loop_t *loop;
  size_t max_entries, max_bytes;
  size_t count, bytes;       /* listed entries; base64 bytes of ready ones */
  gf__queue lru;             /* gf__sim_img.lru, least recently used first */
  unsigned pending;          /* jobs on the thread pool */
  int closing;
};

static gf__sim_img *find(gf__sim_cache *c, const char *prompt, size_t plen,
                         uint64_t seed, int w, int h);
static void unlist(gf__sim_cache *c, gf__sim_img *img);
static void push_newest(gf__sim_cache *c, gf__sim_img *img);
static void evict(gf__sim_cache *c);
static void notify(gf__sim_img *img);
static void work_cb(uv_work_t *req);
static void after_work_cb(uv_work_t *req, int status);

gf__sim_cache *gf__sim_cache_new(uv_loop_t *loop, size_t max_entries,
                                 size_t max_bytes) {
  gf__sim_cache *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  gf__queue_init(&c->lru);
  c->loop = loop;
  c->max_entries = max_entries ? max_entries : 1;
  c->max_bytes = max_bytes;
  return c;
}

int gf__sim_cache_get(gf__sim_cache *c, const char *prompt, size_t plen,
                      uint64_t seed, int w, int h, gf__sim_img **out) {
  gf__sim_img *img = find(c, prompt, plen, seed, w, h);
  if (img) {
    unlist(c, img);
    push_newest(c, img);
    gf__sim_img_ref(img);
    *out = img;
    return 0;
  }
  img = gf__sim_img_new(prompt, plen, seed, w, h);
  if (!img)
    return GF_ENOMEM;
  img->cache = c;
  if (!c->loop) {
    img->status = gf__sim_img_make(img);
  } else {
    img->work.data = img;
    gf__sim_img_ref(img); /* the job's */
    if (uv_queue_work(c->loop, &img->work, work_cb, after_work_cb)) {
      img->refs--;
      gf__sim_img_unref(img);
      return GF_ENOMEM;
    }
    c->pending++;
  }
  if (img->status < 0) { /* made at once, and failed */
    int rc = img->status;
    gf__sim_img_unref(img);
    return rc;
  }
  gf__sim_img_ref(img); /* the cache's */
  push_newest(c, img);
  evict(c);
  *out = img;
  return 0;
}

void gf__sim_cache_free(gf__sim_cache *c) {
  if (!c)
    return;
  c->closing = 1;
  gf__queue *q;
  while ((q = gf__queue_head(&c->lru))) {
    gf__sim_img *i = GF__QUEUE_DATA(q, gf__sim_img, lru);
    unlist(c, i);
    gf__sim_img_unref(i);
  }
  if (!c->pending)
    free(c);
}

size_t gf__sim_cache_count(const gf__sim_cache *c, size_t *bytes) {
  if (bytes)
    *bytes = c->bytes;
  return c->count;
}

/* ---- list ---- */

static gf__sim_img *find(gf__sim_cache *c, const char *prompt, size_t plen,
                         uint64_t seed, int w, int h) {
  gf__queue *q;
  GF__QUEUE_FOREACH(q, &c->lru) {
    gf__sim_img *i = GF__QUEUE_DATA(q, gf__sim_img, lru);
    if (i->w == w && i->h == h && i->seed == seed && i->plen == plen &&
        memcmp(i->prompt, prompt, plen) == 0)
      return i;
  }
  return NULL;
}

/* Bytes are counted as the loop saw them added (counted), never from what
 * a maker thread may have finished meanwhile: an image being made counts
 * nothing, whatever its thread has written. */
static void unlist(gf__sim_cache *c, gf__sim_img *img) {
  if (!gf__queue_linked(&img->lru))
    return;
  gf__queue_remove(&img->lru);
  c->count--;
  c->bytes -= img->counted;
  img->counted = 0;
}

static void push_newest(gf__sim_cache *c, gf__sim_img *img) {
  gf__queue_insert_tail(&c->lru, &img->lru);
  c->count++;
  img->counted = img->status == 0 ? img->b64_len : 0;
  c->bytes += img->counted;
}

/* Drops the least recently used ready images while over a bound; images
 * still being made are kept (requests are waiting for them). The newest
 * entry always stays, even alone over the byte bound. */
static void evict(gf__sim_cache *c) {
  gf__queue *q = c->lru.next, *newest = c->lru.prev;
  while (q != newest &&
         (c->count > c->max_entries || (c->max_bytes && c->bytes > c->max_bytes))) {
    gf__sim_img *i = GF__QUEUE_DATA(q, gf__sim_img, lru);
    q = q->next; /* before i leaves the list */
    if (i->status == 0) {
      unlist(c, i);
      gf__sim_img_unref(i);
    }
  }
}

/* ---- jobs ---- */

static void work_cb(uv_work_t *req) {
  gf__sim_img_make(req->data);
}

static void notify(gf__sim_img *img) {
  gf__sim_img_ref(img); /* a waiter may drop the last other reference */
  gf__queue *q;
  while ((q = gf__queue_head(&img->waiters))) {
    gf__sim_waiter *w = GF__QUEUE_DATA(q, gf__sim_waiter, node);
    gf__sim_img_unwait(w);
    w->cb(w, img);
  }
  gf__sim_img_unref(img);
}

static void after_work_cb(uv_work_t *req, int status) {
  gf__sim_img *img = req->data;
  gf__sim_cache *c = img->cache;
  /* handed over: from now on the loop reads the result */
  img->status = status ? GF_ECANCELED : img->made; /* canceled: never ran */
  if (gf__queue_linked(&img->lru)) {
    /* account the bytes now that they exist, or drop a failure */
    unlist(c, img);
    if (img->status == 0) {
      push_newest(c, img);
    } else {
      gf__sim_img_unref(img);
    }
  }
  c->pending--;
  notify(img);
  gf__sim_img_unref(img); /* the job's */
  if (c->closing) {
    if (!c->pending)
      free(c);
  } else {
    evict(c);
  }
}
