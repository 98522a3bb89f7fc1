#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

void gfb_cpu_self(double *user_s, double *sys_s) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  *user_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  *sys_s = (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

long gfb_maxrss_kb(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss;
}

long gfb_rss_kb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  if (!f)
    return -1;
  long size = 0, rss = -1;
  if (fscanf(f, "%ld %ld", &size, &rss) != 2)
    rss = -1;
  fclose(f);
  long page = sysconf(_SC_PAGESIZE);
  return rss < 0 ? -1 : rss * (page > 0 ? page / 1024 : 4);
}

long long gfb_read_bytes(void) {
  FILE *f = fopen("/proc/self/io", "r");
  if (!f)
    return -1;
  long long rchar = -1;
  char line[128];
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "rchar: %lld", &rchar) == 1)
      break;
  fclose(f);
  return rchar;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

void gfb_sort(double *v, long n) {
  if (n > 1)
    qsort(v, (size_t)n, sizeof *v, cmp);
}

double gfb_pct(const double *v, long n, double p) {
  if (n <= 0)
    return -1;
  long k = (long)ceil(p / 100.0 * (double)n) - 1;
  if (k < 0)
    k = 0;
  if (k >= n)
    k = n - 1;
  return v[k];
}

long gfb_raise_nofile(void) {
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl))
    return -1;
  if (rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  return rl.rlim_cur == RLIM_INFINITY ? 1L << 30 : (long)rl.rlim_cur;
}
