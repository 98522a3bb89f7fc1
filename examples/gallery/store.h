/* Images by id, in memory: the generated ones and the uploaded references.
 * Bounded by a byte total and a count; past either the oldest go (an image
 * still being sent stays alive until its writes are done: blobs are
 * reference counted). Ids are random, so one tab cannot guess another's. */
#ifndef GAL_STORE_H
#define GAL_STORE_H
#include <stddef.h>

#include "common/queue.h"

#define GAL_ID_LEN 16 /* hex digits */

typedef struct gal_blob {
  gf__queue node; /* in the store while stored */
  int refs;       /* the store's, and one per user */
  char id[GAL_ID_LEN + 1];
  char mime[32];
  unsigned char *data;
  size_t len;
} gal_blob;

typedef struct gal_store {
  gf__queue blobs; /* oldest first */
  size_t bytes, count, max_bytes, max_count;
} gal_store;

void gal_store_init(gal_store *s, size_t max_bytes, size_t max_count);
/* Drops the store's references (blobs in use live on until released). */
void gal_store_free(gal_store *s);
/* Takes data (malloc'd) over, also on failure (NULL: out of memory, or
 * larger than the whole store). The blob is stored; not referenced for the
 * caller: use gal_blob_ref to keep it past the next add. */
gal_blob *gal_store_add(gal_store *s, unsigned char *data, size_t len,
                        const char *mime);
/* NULL when unknown or evicted. An id that is not GAL_ID_LEN lower-case
 * hex digits is unknown. */
gal_blob *gal_store_get(gal_store *s, const char *id, size_t idlen);
void gal_blob_ref(gal_blob *b);
void gal_blob_unref(gal_blob *b);
/* gal_blob_unref for a release callback. */
void gal_blob_release(void *blob);
/* Random lower-case hex, GAL_ID_LEN digits and a NUL. */
void gal_new_id(char out[GAL_ID_LEN + 1]);
#endif
