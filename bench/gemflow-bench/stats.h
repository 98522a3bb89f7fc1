/* Process figures and percentiles: getrusage of this process,
 * /proc/self/statm, the open-file limit. */
#ifndef GFB_STATS_H
#define GFB_STATS_H
#include <stddef.h>

/* User and system CPU seconds of this process so far. */
void gfb_cpu_self(double *user_s, double *sys_s);
/* Peak RSS of this process (getrusage ru_maxrss), KiB. */
long gfb_maxrss_kb(void);
/* Current RSS from /proc/self/statm, KiB; -1 when unreadable. */
long gfb_rss_kb(void);
/* Bytes this process has read through read(2) and its kin so far
 * (/proc/self/io rchar): over a run, nearly all of it is the sockets'
 * ciphertext, so the bytes received on the wire; -1 when unreadable. */
long long gfb_read_bytes(void);
/* Sorts v (n values) in place. */
void gfb_sort(double *v, long n);
/* The p-th percentile (0..100) of sorted v, nearest rank; -1 when n == 0. */
double gfb_pct(const double *v, long n, double p);
/* Raises RLIMIT_NOFILE's soft limit to the hard one; returns the soft
 * limit now in force. */
long gfb_raise_nofile(void);
#endif
