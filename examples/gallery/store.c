/* The image store. */
#include "store.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

void gal_new_id(char out[GAL_ID_LEN + 1]) {
  static uint64_t counter;
  uint64_t v = 0;
  /* uv_random without a loop is synchronous (getrandom) */
  if (uv_random(NULL, NULL, &v, sizeof v, 0, NULL))
    v = (uint64_t)uv_hrtime() * 0x9E3779B97F4A7C15u; /* unlikely fallback */
  v ^= ++counter; /* never two equal ids even if the above repeated */
  snprintf(out, GAL_ID_LEN + 1, "%016llx", (unsigned long long)v);
}

void gal_store_init(gal_store *s, size_t max_bytes, size_t max_count) {
  gf__queue_init(&s->blobs);
  s->bytes = s->count = 0;
  s->max_bytes = max_bytes;
  s->max_count = max_count;
}

static void evict(gal_store *s, gal_blob *b) {
  gf__queue_remove(&b->node);
  s->bytes -= b->len;
  s->count--;
  gal_blob_unref(b);
}

void gal_store_free(gal_store *s) {
  gf__queue *q;
  while ((q = gf__queue_head(&s->blobs)))
    evict(s, GF__QUEUE_DATA(q, gal_blob, node));
}

gal_blob *gal_store_add(gal_store *s, unsigned char *data, size_t len,
                        const char *mime) {
  gal_blob *b = len <= s->max_bytes ? calloc(1, sizeof *b) : NULL;
  if (!b) {
    free(data);
    return NULL;
  }
  gf__queue *q;
  while ((s->bytes > s->max_bytes - len || s->count + 1 > s->max_count) &&
         (q = gf__queue_head(&s->blobs)))
    evict(s, GF__QUEUE_DATA(q, gal_blob, node));
  b->refs = 1;
  gal_new_id(b->id);
  snprintf(b->mime, sizeof b->mime, "%s", mime ? mime : "application/octet-stream");
  b->data = data;
  b->len = len;
  gf__queue_insert_tail(&s->blobs, &b->node);
  s->bytes += len;
  s->count++;
  return b;
}

gal_blob *gal_store_get(gal_store *s, const char *id, size_t idlen) {
  if (idlen != GAL_ID_LEN)
    return NULL;
  for (size_t i = 0; i < idlen; i++)
    if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f')))
      return NULL;
  gf__queue *q;
  GF__QUEUE_FOREACH(q, &s->blobs) {
    gal_blob *b = GF__QUEUE_DATA(q, gal_blob, node);
    if (memcmp(b->id, id, GAL_ID_LEN) == 0)
      return b;
  }
  return NULL;
}

void gal_blob_ref(gal_blob *b) { b->refs++; }

void gal_blob_unref(gal_blob *b) {
  if (b && --b->refs == 0) {
    free(b->data);
    free(b);
  }
}

void gal_blob_release(void *blob) { gal_blob_unref(blob); }
