/* The image cache: a most-recently-used list of images (being made or
 * ready), bounded in entries and base64 bytes, and the thread-pool jobs
 * that make them. */
#include <stdlib.h>
#include <string.h>

#include "gemflow.h"
#include "sim/image.h"

struct gf__sim_cache {
  uv_loop_t *loop;
  size_t max_entries, max_bytes;
  size_t count, bytes;       /* listed entries; base64 bytes of ready ones */
  gf__sim_img *head, *tail;  /* most recently used first */
  unsigned pending;          /* jobs on the thread pool */
  int closing;
};

static void unlist(gf__sim_cache *c, gf__sim_img *img);
static void push_front(gf__sim_cache *c, gf__sim_img *img);
static void evict(gf__sim_cache *c);
static void notify(gf__sim_img *img);
static void work_cb(uv_work_t *req);
static void after_work_cb(uv_work_t *req, int status);

gf__sim_cache *gf__sim_cache_new(uv_loop_t *loop, size_t max_entries,
                                 size_t max_bytes) {
  gf__sim_cache *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->loop = loop;
  c->max_entries = max_entries ? max_entries : 1;
  c->max_bytes = max_bytes;
  return c;
}

int gf__sim_cache_get(gf__sim_cache *c, const char *prompt, size_t plen,
                      uint64_t seed, int w, int h, gf__sim_img **out) {
  for (gf__sim_img *i = c->head; i; i = i->lru_next) {
    if (i->w == w && i->h == h && i->seed == seed && i->plen == plen &&
        memcmp(i->prompt, prompt, plen) == 0) {
      unlist(c, i);
      push_front(c, i);
      gf__sim_img_ref(i);
      *out = i;
      return 0;
    }
  }
  gf__sim_img *img = gf__sim_img_new(prompt, plen, seed, w, h);
  if (!img)
    return GF_ENOMEM;
  img->cache = c;
  if (!c->loop) {
    gf__sim_img_make(img);
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
  push_front(c, img);
  evict(c);
  *out = img;
  return 0;
}

void gf__sim_cache_free(gf__sim_cache *c) {
  if (!c)
    return;
  c->closing = 1;
  while (c->head) {
    gf__sim_img *i = c->head;
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

static void unlist(gf__sim_cache *c, gf__sim_img *img) {
  if (!img->cached)
    return;
  if (img->lru_prev)
    img->lru_prev->lru_next = img->lru_next;
  else
    c->head = img->lru_next;
  if (img->lru_next)
    img->lru_next->lru_prev = img->lru_prev;
  else
    c->tail = img->lru_prev;
  img->lru_prev = img->lru_next = NULL;
  img->cached = 0;
  c->count--;
  if (img->status == 0)
    c->bytes -= img->b64_len;
}

static void push_front(gf__sim_cache *c, gf__sim_img *img) {
  img->lru_prev = NULL;
  img->lru_next = c->head;
  if (c->head)
    c->head->lru_prev = img;
  else
    c->tail = img;
  c->head = img;
  img->cached = 1;
  c->count++;
  if (img->status == 0)
    c->bytes += img->b64_len;
}

/* Drops the least recently used ready images while over a bound; images
 * still being made are kept (requests are waiting for them). The newest
 * entry always stays, even alone over the byte bound. */
static void evict(gf__sim_cache *c) {
  gf__sim_img *i = c->tail;
  while (i && i != c->head &&
         (c->count > c->max_entries || (c->max_bytes && c->bytes > c->max_bytes))) {
    gf__sim_img *prev = i->lru_prev;
    if (i->status == 0) {
      unlist(c, i);
      gf__sim_img_unref(i);
    }
    i = prev;
  }
}

/* ---- jobs ---- */

static void work_cb(uv_work_t *req) {
  gf__sim_img_make(req->data);
}

static void notify(gf__sim_img *img) {
  gf__sim_img_ref(img); /* a waiter may drop the last other reference */
  while (img->waiters.next != &img->waiters) {
    gf__sim_waiter *w = img->waiters.next;
    gf__sim_img_unwait(w);
    w->cb(w, img);
  }
  gf__sim_img_unref(img);
}

static void after_work_cb(uv_work_t *req, int status) {
  gf__sim_img *img = req->data;
  gf__sim_cache *c = img->cache;
  if (status) /* canceled before it ran */
    img->status = GF_ECANCELED;
  if (img->cached) {
    /* account the bytes now that they exist, or drop a failure */
    unlist(c, img);
    if (img->status == 0) {
      push_front(c, img);
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
