/* The soft limit on open files is often 1024 while the hard one is far
 * higher: a program that means to hold thousands of sockets raises it, and
 * says so plainly when even the hard limit is too low, rather than failing
 * item after item with EMFILE. */
#include "fdlimit.h"

#include <sys/resource.h>

#include "diag.h"

/* Per in-flight item: its socket and its temporary file. Besides: the
 * racing sockets of the connections being established (at most 32 of
 * them, a few addresses each), the resolver's, the loop's, stdio, the
 * manifest and the lock. */
#define GF__FD_PER_ITEM 2
#define GF__FD_FIXED 256

void gf__fdlimit_raise(void) {
  struct rlimit r;
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &r);
  }
}

unsigned long gf__fdlimit_need(unsigned long concurrency) {
  return concurrency * GF__FD_PER_ITEM + GF__FD_FIXED;
}

int gf__fdlimit_check(unsigned long concurrency) {
  struct rlimit r;
  unsigned long need = gf__fdlimit_need(concurrency);
  if (getrlimit(RLIMIT_NOFILE, &r) != 0 || r.rlim_cur == RLIM_INFINITY ||
      r.rlim_cur >= need)
    return 0;
  return gf__usage_error(
      "-j %lu needs about %lu open files, but this process may open %lu "
      "(hard limit %lu): lower -j to %lu or less, or raise the limit "
      "(ulimit -n, or LimitNOFILE= for a service)",
      concurrency, need, (unsigned long)r.rlim_cur,
      (unsigned long)r.rlim_max,
      r.rlim_cur > GF__FD_FIXED
          ? (unsigned long)(r.rlim_cur - GF__FD_FIXED) / GF__FD_PER_ITEM
          : 1);
}
