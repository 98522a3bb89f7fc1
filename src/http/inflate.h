/* Private to src/http: streaming gzip decoding of a response body (zlib).
 * The response parser makes one when the first byte of a gzip body comes
 * and feeds it the de-chunked body; inflated bytes go out through a
 * callback in pieces of at most GF_INFLATE_STEP bytes, from a buffer on the
 * feeding call's stack: nothing here grows with the body.
 *
 * A body is one or more gzip members back to back (RFC 1952 2.2). */
#ifndef GF_HTTP_INFLATE_H
#define GF_HTTP_INFLATE_H
#include <stddef.h>

#define GF_INFLATE_STEP (16 * 1024)

typedef struct gf__inflate gf__inflate;
/* Inflated bytes (n > 0); non-zero stops the feed, which returns it. */
typedef int (*gf__inflate_out_fn)(void *ud, const char *p, size_t n);

/* NULL when out of memory. */
gf__inflate *gf__inflate_new(void);
void gf__inflate_free(gf__inflate *z);
/* Inflates p[0..n). 0; GF_EHTTP for a corrupt member or bytes after the
 * last member that do not start another; GF_ENOMEM; or out's non-zero
 * value. Once it fails, it returns that again. */
int gf__inflate_feed(gf__inflate *z, const char *p, size_t n,
                     gf__inflate_out_fn out, void *ud);
/* The body ended: 0 when it ended between members (or was empty),
 * GF_ETRUNCATED inside one, or the earlier failure. */
int gf__inflate_end(gf__inflate *z);
/* Why the last failure happened, printable (never NULL). */
const char *gf__inflate_errmsg(const gf__inflate *z);
#endif
