#include "plot.h"

#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "expect.h"
#include "gemflow.h"
#include "proc.h"
#include "sim.h"
#include "stats.h"

#define OUT_MAX (64 * 1024)
#define MAX_ARGV 200

typedef struct point {
  long c, n, ok, failed;
  double ips, rss_mb, cpu_ms, per_stream_kb, sim_cpu_ms;
} point;

static double jnum(json_object *o, const char *k) {
  json_object *v;
  return json_object_object_get_ex(o, k, &v) && v ? json_object_get_double(v)
                                                  : -1;
}

static void rm_refs(const char *dir) {
  DIR *d = opendir(dir);
  if (d) {
    struct dirent *e;
    char p[PATH_MAX];
    while ((e = readdir(d)))
      if (!strncmp(e->d_name, "ref-", 4)) {
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
      }
    closedir(d);
  }
  rmdir(dir);
}

static int gnuplot(const gfb_opts *o, const point *pt, int np,
                   const char *tmpdir) {
  char data[PATH_MAX], script[PATH_MAX];
  snprintf(data, sizeof data, "%s/plot.dat", tmpdir);
  snprintf(script, sizeof script, "%s/plot.gp", tmpdir);
  FILE *f = fopen(data, "w");
  if (!f)
    return -1;
  fprintf(f, "# concurrency images_per_s peak_rss_MB cpu_ms_per_image\n");
  for (int i = 0; i < np; i++)
    fprintf(f, "%ld %.3f %.2f %.3f\n", pt[i].c, pt[i].ips, pt[i].rss_mb,
            pt[i].cpu_ms);
  fclose(f);
  if (!(f = fopen(script, "w")))
    return -1;
  char think[64] = "";
  if (o->think_ms >= 0)
    snprintf(think, sizeof think, ", a %ld ms pause after each thought",
             o->think_ms);
  fprintf(f,
          "set terminal svg size 900,540 dynamic enhanced font 'sans,12' "
          "background rgb 'white'\n"
          "set output '%s'\n"
          "set title \"gemflow-bench %s: %s %s images%s,\\n"
          "one loop thread, gemflow-sim over loopback TLS\"\n"
          "set logscale x\nset xlabel 'concurrent generations'\n"
          "set ylabel 'images per second'\nset y2label 'peak RSS (MB)'\n"
          "set ytics nomirror\nset y2tics\nset yrange [0:*]\n"
          "set y2range [0:*]\nset grid\nset key top left\n"
          "plot '%s' using 1:2 with linespoints lw 2 pt 7 title "
          "'images/s (left)', '' using 1:3 axes x1y2 with linespoints lw 2 "
          "pt 5 title 'peak RSS, MB (right)'\n",
          o->plot, gf_version_string(), o->size, o->ratio, think, data);
  fclose(f);
  char *argv[] = {"gnuplot", script, NULL};
  char out[256];
  int st = gfb_run_capture(argv, out, sizeof out);
  if (st) {
    fprintf(stderr, "gemflow-bench: gnuplot failed (apt-get install "
                    "gnuplot-nox)\n");
    return -1;
  }
  return 0;
}

int gfb_plot_main(const gfb_opts *o, const char *sim_path, int argc,
                  char **argv) {
  (void)argc, (void)argv;
  char err[512] = "";
  if (!getenv("GEMFLOW_API_KEY")) {
    if (o->nurls) {
      fprintf(stderr, "gemflow-bench: --base-url needs $GEMFLOW_API_KEY\n");
      return 2;
    }
    setenv("GEMFLOW_API_KEY", "gemflow-bench", 1); /* for the children */
  }
  gfb_raise_nofile();
  char tmpdir[64] = "/tmp/gemflow-bench-plot-XXXXXX";
  if (!mkdtemp(tmpdir)) {
    fprintf(stderr, "gemflow-bench: mkdtemp: %s\n", strerror(errno));
    return 1;
  }
  const char *refs = o->refs_dir ? o->refs_dir : tmpdir;
  gfb_sims sims;
  memset(&sims, 0, sizeof sims);
  if (o->sims && gfb_sims_start(&sims, sim_path, o->sims, NULL, err,
                                sizeof err)) {
    fprintf(stderr, "gemflow-bench: %s\n", err);
    rmdir(tmpdir);
    return 1;
  }
  char self[PATH_MAX];
  ssize_t sl = readlink("/proc/self/exe", self, sizeof self - 1);
  self[sl > 0 ? sl : 0] = '\0';
  point pt[GFB_MAX_SWEEP];
  int np = 0, bad = 0;
  fprintf(stderr, "%8s %8s %10s %12s %14s %14s %12s %8s\n", "conc", "n",
          "images/s", "peak RSS MB", "KB per stream", "CPU ms/image",
          "sim ms/img", "failed");
  for (int i = 0; i < o->nsweep; i++) {
    long c = o->sweep[i], n = o->n > 2 * c ? o->n : 2 * c;
    char ns[24], cs[24], ks[24], th[24], ma[24], mc[24], ct[24], seed[24];
    snprintf(ns, sizeof ns, "%ld", n);
    snprintf(cs, sizeof cs, "%ld", c);
    snprintf(ks, sizeof ks, "%d", o->distinct);
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)o->seed);
    char *av[MAX_ARGV];
    int a = 0;
    av[a++] = self;
    for (int u = 0; u < (o->sims ? sims.count : o->nurls); u++) {
      av[a++] = "--base-url";
      av[a++] = o->sims ? sims.url[u] : (char *)o->urls[u];
    }
    const char *ca = o->sims ? sims.ca : o->ca_file;
    if (ca) {
      av[a++] = "--ca-file";
      av[a++] = (char *)ca;
    }
    av[a++] = "--sim", av[a++] = (char *)sim_path;
    av[a++] = "--verify";
    av[a++] = o->verify == GFB_VERIFY_SHA      ? "sha256"
              : o->verify == GFB_VERIFY_DECODE ? "decode"
                                               : "none";
    av[a++] = "--refs", av[a++] = (char *)refs;
    av[a++] = "-n", av[a++] = ns, av[a++] = "-c", av[a++] = cs;
    av[a++] = "-s", av[a++] = (char *)o->size;
    av[a++] = "-a", av[a++] = (char *)o->ratio;
    av[a++] = "--distinct", av[a++] = ks;
    av[a++] = "--seed", av[a++] = seed;
    av[a++] = "--warmup", av[a++] = o->sims ? "1" : "0";
    av[a++] = "-q";
    if (o->markers)
      av[a++] = "--markers", av[a++] = (char *)o->markers;
    if (o->think_ms >= 0) {
      snprintf(th, sizeof th, "%ld", o->think_ms);
      av[a++] = "--think-ms", av[a++] = th;
    }
    if (o->max_attempts) {
      snprintf(ma, sizeof ma, "%d", o->max_attempts);
      av[a++] = "--max-attempts", av[a++] = ma;
    }
    if (o->max_connecting) {
      snprintf(mc, sizeof mc, "%d", o->max_connecting);
      av[a++] = "--max-connecting", av[a++] = mc;
    }
    if (o->connect_timeout_s > 0) {
      snprintf(ct, sizeof ct, "%.0f", o->connect_timeout_s);
      av[a++] = "--connect-timeout", av[a++] = ct;
    }
    if (o->no_trace)
      av[a++] = "--no-trace";
    if (o->compressed)
      av[a++] = "--compressed";
    if (o->label)
      av[a++] = "--label", av[a++] = (char *)o->label;
    av[a] = NULL;
    static char out[OUT_MAX];
    double sim0 = o->sims ? gfb_sims_cpu_s(&sims) : 0;
    int st = gfb_run_capture(av, out, sizeof out);
    double sim1 = o->sims ? gfb_sims_cpu_s(&sims) : 0;
    json_object *j = json_tokener_parse(out);
    if (!j) {
      fprintf(stderr, "gemflow-bench: the run at concurrency %ld gave no "
                      "JSON (exit %d)\n", c, st);
      bad = 1;
      continue;
    }
    point *p = &pt[np++];
    p->c = c, p->n = n;
    p->ok = (long)jnum(j, "ok"), p->failed = (long)jnum(j, "failed");
    p->ips = jnum(j, "images_per_s");
    p->rss_mb = jnum(j, "peak_rss_kb") / 1024.0;
    p->cpu_ms = jnum(j, "cpu_ms_per_image");
    p->per_stream_kb = jnum(j, "rss_per_stream_kb");
    p->sim_cpu_ms = p->ok > 0 && o->sims ? (sim1 - sim0) * 1000 / p->ok : -1;
    fputs(out, stdout);
    fflush(stdout);
    json_object_put(j);
    fprintf(stderr, "%8ld %8ld %10.2f %12.1f %14.1f %14.2f %12.2f %8ld\n",
            c, n, p->ips, p->rss_mb, p->per_stream_kb, p->cpu_ms,
            p->sim_cpu_ms, p->failed);
    if (p->failed)
      bad = 1;
  }
  if (o->sims)
    gfb_sims_stop(&sims, NULL);
  int rc = np ? gnuplot(o, pt, np, tmpdir) : -1;
  if (!rc)
    fprintf(stderr, "gemflow-bench: wrote %s\n", o->plot);
  char p1[PATH_MAX];
  snprintf(p1, sizeof p1, "%s/plot.dat", tmpdir);
  unlink(p1);
  snprintf(p1, sizeof p1, "%s/plot.gp", tmpdir);
  unlink(p1);
  if (o->refs_dir)
    rmdir(tmpdir);
  else
    rm_refs(tmpdir);
  return rc || bad ? 1 : 0;
}
