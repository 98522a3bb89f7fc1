/* gemflow-bench: throughput, CPU and memory of libgemflow against
 * gemflow-sim (started here, in other processes) or a real service.
 * gemflow-bench --help says how. */
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ceil.h"
#include "dump.h"
#include "expect.h"
#include "gemflow.h"
#include "opts.h"
#include "plot.h"
#include "report.h"
#include "run.h"
#include "sim.h"
#include "stats.h"

static const char *verify_name(enum gfb_verify v) {
  return v == GFB_VERIFY_SHA ? "sha256" : v == GFB_VERIFY_DECODE ? "decode"
                                                                 : "none";
}

static int bench_main(const gfb_opts *o, const char *sim_path) {
  char err[512] = "";
  const char *key = getenv("GEMFLOW_API_KEY");
  if (o->nurls && (!key || !*key)) {
    fprintf(stderr, "gemflow-bench: --base-url needs the key in "
                    "$GEMFLOW_API_KEY\n");
    return 2;
  }
  if (!key || !*key)
    key = "gemflow-bench"; /* the simulator takes any non-empty key */
  gfb_raise_nofile();     /* before the simulators start: they inherit it */
  gfb_expect ex;
  memset(&ex, 0, sizeof ex);
  if (o->verify == GFB_VERIFY_SHA &&
      gfb_expect_load(&ex, o, sim_path, err, sizeof err)) {
    fprintf(stderr, "gemflow-bench: references: %s\n", err);
    return 1;
  }
  gfb_sims sims;
  memset(&sims, 0, sizeof sims);
  gfb_target t = {.ca_file = o->ca_file, .key = key};
  if (o->sims) {
    if (gfb_sims_start(&sims, sim_path, o->sims, NULL, err, sizeof err)) {
      fprintf(stderr, "gemflow-bench: %s\n", err);
      return 1;
    }
    for (int i = 0; i < sims.count; i++)
      t.urls[t.nurls++] = sims.url[i];
    t.ca_file = sims.ca;
  } else {
    for (int i = 0; i < o->nurls; i++)
      t.urls[t.nurls++] = o->urls[i];
  }
  gfb_result r;
  int rc = gfb_run(o, &t, o->verify == GFB_VERIFY_SHA ? &ex : NULL, sims.pid,
                   sims.count, &r, err, sizeof err);
  if (sims.count)
    gfb_sims_stop(&sims, NULL);
  if (rc) {
    fprintf(stderr, "gemflow-bench: %s\n", err);
    gfb_result_free(&r);
    return 1;
  }
  gfb_context ctx = {.mode = o->sims ? "sim" : "url", .servers = t.nurls,
                     .verify = verify_name(o->verify)};
  char *json = gfb_report_json(o, &ctx, &r);
  if (json) {
    printf("%s\n", json);
    fflush(stdout);
    free(json);
  }
  if (!o->quiet)
    gfb_report_table(stderr, o, &ctx, &r);
  int bad = r.failed + r.mismatched > 0 || r.ok != r.n;
  gfb_result_free(&r);
  return bad ? 1 : 0;
}

int main(int argc, char **argv) {
  gfb_opts o;
  char err[256];
  if (gfb_opts_parse(&o, argc, argv, err, sizeof err)) {
    fprintf(stderr, "gemflow-bench: %s (see --help)\n", err);
    return 2;
  }
  if (o.help) {
    fputs(gfb_usage_text, stdout);
    return 0;
  }
  if (o.version) {
    printf("gemflow-bench %s\n", gf_version_string());
    return 0;
  }
  signal(SIGPIPE, SIG_IGN);
  json_c_set_serialization_double_format("%.6g", JSON_C_OPTION_GLOBAL);
  char sim_path[1024];
  gfb_sim_path(o.sim_path, sim_path, sizeof sim_path);
  if (o.ceilings)
    return gfb_ceilings_main(&o, sim_path);
  if (o.dump_dir)
    return gfb_dump_main(&o);
  if (o.plot)
    return gfb_plot_main(&o, sim_path, argc, argv);
  return bench_main(&o, sim_path);
}
