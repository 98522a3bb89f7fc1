/* gemflow-sim as child processes: started before the loop, one CA shared
 * by all of them, their CPU read from /proc while they run and from wait4
 * when they end. Also the simulator's --render, run once per reference. */
#ifndef GFB_SIM_H
#define GFB_SIM_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "opts.h"

typedef struct gfb_sims {
  int count;
  pid_t pid[GFB_MAX_URLS];
  int out_fd[GFB_MAX_URLS]; /* their stdout, kept open until they end */
  char url[GFB_MAX_URLS][128];
  char dir[256];            /* our temporary directory: ca.pem, server.* */
  char ca[300];
} gfb_sims;

/* The simulator's path: the given one, else ../../gemflow-sim from this
 * program's directory (bench/gemflow-bench/ in a build tree), else
 * ./gemflow-sim beside it, else "gemflow-sim" (PATH). Into out. */
void gfb_sim_path(const char *given, char *out, size_t outlen);

/* Starts count simulators (count <= GFB_MAX_URLS), extra arguments
 * appended to each command line (NULL-terminated, or NULL). 0, or -1 with a
 * message in err; on failure nothing is left running. */
int gfb_sims_start(gfb_sims *s, const char *path, int count,
                   const char *const *extra, char *err, size_t errlen);
/* CPU seconds (user + system) the simulators have used so far. */
double gfb_sims_cpu_s(const gfb_sims *s);
/* SIGTERM, wait, remove the certificates. CPU seconds of their whole
 * lives into *cpu_s (may be NULL). */
void gfb_sims_stop(gfb_sims *s, double *cpu_s);

/* CPU seconds of process pid from /proc/PID/stat, -1 when unknown. */
double gfb_proc_cpu_s(pid_t pid);

/* Runs PATH --render for the prompt into out_png. 0 or -1 (err). */
int gfb_sim_render(const char *path, const char *prompt, const char *ratio,
                   const char *size, uint64_t seed, const char *out_png,
                   char *err, size_t errlen);
#endif
