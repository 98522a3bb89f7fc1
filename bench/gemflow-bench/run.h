/* The measured run: N generations, at most C at once, spread over one
 * gf_client per base URL on one loop, through the public API only. It
 * gathers what report.c prints. */
#ifndef GFB_RUN_H
#define GFB_RUN_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "expect.h"
#include "opts.h"

enum { GFB_LAT_FIRST_BYTE, GFB_LAT_FIRST_THOUGHT, GFB_LAT_IMAGE_START,
       GFB_LAT_DONE, GFB_NLAT };
extern const char *const gfb_lat_names[GFB_NLAT];

#define GFB_MAX_ERRKINDS 16

/* Outcomes by kind (gf_err_name), with the first message of each. */
typedef struct gfb_tally {
  struct {
    char name[24];
    long count;
    char first[160];
  } e[GFB_MAX_ERRKINDS];
  int n;
} gfb_tally;

typedef struct gfb_result {
  long n, c, ok, failed, verified, mismatched, retries;
  uint64_t image_bytes;
  double wall_s, cpu_user_s, cpu_sys_s;
  long maxrss_kb;        /* getrusage: the whole process's peak */
  long rss_idle_kb;      /* /proc/self/statm before the first generation */
  long rss_at_peak_kb;   /* the highest sample at the highest in-flight */
  long peak_inflight;
  /* per generation that reached the stage, ms since gf_generate; sorted
   * after the run. nlat[k] of them. */
  double *lat[GFB_NLAT];
  long nlat[GFB_NLAT];
  /* from on_trace: "* connected to ... [with SUITE] [(session resumed)]",
   * not counted when "* reusing a kept connection" came just before */
  long connects, tls_full, tls_resumed, trace_reused;
  long res_resumed; /* sum of gf_result.tls_resumed over the ok ones */
  char suite[96];
  int suites; /* distinct suites seen (1 expected) */
  gfb_tally errs;    /* why generations failed */
  gfb_tally retried; /* why attempts were retried (on_retry) */
  double sim_cpu_s; /* the simulators' CPU during the run, -1 unknown */
  long long rx_bytes; /* read(2) bytes during the run (the wire's
                         ciphertext), -1 unknown */
  int rlimit_nofile;
} gfb_result;

typedef struct gfb_target {
  const char *urls[GFB_MAX_URLS];
  int nurls;
  const char *ca_file;
  const char *key; /* never printed */
} gfb_target;

/* Runs o->n generations at o->c against the target (a warm-up first when
 * o->warmup). expect may be NULL (no sha256 check). sim_pids (count nsims)
 * are read for the simulators' CPU. 0, or -1 with err when the run could
 * not start; failed generations are counted in r, not an error. */
int gfb_run(const gfb_opts *o, const gfb_target *t, const gfb_expect *expect,
            const pid_t *sim_pids, int nsims, gfb_result *r, char *err,
            size_t errlen);
void gfb_result_free(gfb_result *r);
#endif
