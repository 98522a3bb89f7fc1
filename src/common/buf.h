/* A growable byte buffer with an optional hard limit. */
#ifndef GF_COMMON_BUF_H
#define GF_COMMON_BUF_H
#include <stddef.h>

typedef struct gf__buf {
  char *data;
  size_t len, cap;
  size_t limit; /* 0: unbounded */
} gf__buf;

void gf__buf_init(gf__buf *b, size_t limit);
void gf__buf_free(gf__buf *b);
void gf__buf_reset(gf__buf *b); /* len = 0, keeps memory */
/* Back to an earlier length (len <= b->len): undoes a partial write. */
void gf__buf_truncate(gf__buf *b, size_t len);
/* GF_ETOOBIG past the limit, GF_ENOMEM when allocation fails; 0 otherwise.
 * The data stays NUL-terminated (not counted in len). */
int gf__buf_append(gf__buf *b, const void *p, size_t n);
int gf__buf_appendc(gf__buf *b, char c);
int gf__buf_printf(gf__buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Hands the memory to the caller (who frees it), leaves b empty. */
char *gf__buf_steal(gf__buf *b, size_t *len);
#endif
