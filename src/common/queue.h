/* The one intrusive, circular, doubly linked list of the tree (in the
 * spirit of libuv's queue.h): a gf__queue is embedded in each element, and
 * a list is a gf__queue head that points at itself when empty. Unlinking
 * needs no list and no search; an unlinked node points at itself, so a
 * second unlink is harmless. */
#ifndef GF_COMMON_QUEUE_H
#define GF_COMMON_QUEUE_H
#include <stddef.h>

typedef struct gf__queue {
  struct gf__queue *next, *prev;
} gf__queue;

/* The element that holds node q in its member field. */
#define GF__QUEUE_DATA(q, type, field)                                         \
  ((type *)(void *)((char *)(q)-offsetof(type, field)))

/* Iterates q over the nodes of head h. The loop body must not unlink q;
 * to remove while walking, take gf__queue_head() until the list is empty. */
#define GF__QUEUE_FOREACH(q, h) for ((q) = (h)->next; (q) != (h); (q) = (q)->next)

static inline void gf__queue_init(gf__queue *q) { q->next = q->prev = q; }

static inline int gf__queue_empty(const gf__queue *h) { return h->next == h; }

/* The first node, or NULL when the list is empty. */
static inline gf__queue *gf__queue_head(const gf__queue *h) {
  return h->next == h ? NULL : h->next;
}

static inline void gf__queue_insert_tail(gf__queue *h, gf__queue *q) {
  q->next = h;
  q->prev = h->prev;
  q->prev->next = q;
  h->prev = q;
}

/* q first: the list is then a stack (the newest at the head). */
static inline void gf__queue_insert_head(gf__queue *h, gf__queue *q) {
  q->next = h->next;
  q->prev = h;
  h->next->prev = q;
  h->next = q;
}

static inline void gf__queue_remove(gf__queue *q) {
  q->prev->next = q->next;
  q->next->prev = q->prev;
  q->next = q->prev = q;
}

/* Whether q is linked into a list (not only pointing at itself). */
static inline int gf__queue_linked(const gf__queue *q) { return q->next != q; }
#endif
