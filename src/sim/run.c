/* The program around the server: command line, the loop, the ready line,
 * SIGINT and SIGTERM. main.c calls gf__sim_main. */
#include <stdio.h>
#include <string.h>

#include <uv.h>

#include "gemflow.h"
#include "sim/apikey.h"
#include "sim/args.h"
#include "sim/sim.h"

typedef struct gf__sim_run {
  gf__sim *sim;
  uv_signal_t sig[2];
} gf__sim_run;

static void on_signal(uv_signal_t *h, int signum) {
  gf__sim_run *r = h->data;
  (void)signum;
  gf__sim_stop(r->sim);
  for (int i = 0; i < 2; i++)
    if (!uv_is_closing((uv_handle_t *)&r->sig[i]))
      uv_close((uv_handle_t *)&r->sig[i], NULL);
}

static int serve(const gf__sim_opts *o) {
  uv_loop_t loop;
  gf__sim_run r;
  const char *why = NULL;
  memset(&r, 0, sizeof r);
  if (uv_loop_init(&loop))
    return 1;
  int rc = gf__sim_start(&r.sim, &loop, o, &why);
  if (rc) {
    fprintf(stderr, "gemflow-sim: %s\n", why ? why : gf_strerror(rc));
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 1;
  }
  int signums[2] = {SIGINT, SIGTERM};
  for (int i = 0; i < 2; i++) {
    uv_signal_init(&loop, &r.sig[i]);
    r.sig[i].data = &r;
    uv_signal_start(&r.sig[i], on_signal, signums[i]);
  }
  const char *ca = gf__sim_ca(r.sim);
  printf("gemflow-sim ready url=%s%s%s\n", gf__sim_url(r.sim),
         ca ? " ca=" : "", ca ? ca : "");
  fflush(stdout);
  uv_run(&loop, UV_RUN_DEFAULT);
  uv_loop_close(&loop);
  return 0;
}

int gf__sim_main(int argc, char **argv) {
  gf__sim_cli cli;
  char err[300];
  if (gf__sim_parse_args(argc, argv, &cli, err, sizeof err)) {
    fprintf(stderr, "gemflow-sim: %s (see --help)\n", err);
    return 2;
  }
  static char key[GF_SIM_KEY_MAX]; /* lives as long as the server */
  if (!cli.help && !cli.version && !cli.render &&
      gf__sim_load_key(cli.api_key_file, key, err, sizeof err)) {
    fprintf(stderr, "gemflow-sim: %s\n", err);
    return 2;
  }
  cli.opts.api_key = key[0] ? key : NULL;
  if (cli.help) {
    fputs(gf__sim_usage_text, stdout);
    return 0;
  }
  if (cli.version) {
    printf("gemflow-sim %s\n", gf_version_string());
    return 0;
  }
  if (cli.render) {
    const char *why = "";
    int rc = gf__sim_render(cli.prompt, cli.aspect, cli.size, cli.opts.seed,
                            cli.out, &why);
    if (rc)
      fprintf(stderr, "gemflow-sim: %s\n", why);
    return rc == GF_EINVAL ? 2 : rc ? 1 : 0;
  }
  return serve(&cli.opts);
}
