/* gemflow-sim's command line. */
#ifndef GF_SIM_ARGS_H
#define GF_SIM_ARGS_H
#include <stddef.h>

#include "sim/sim.h"

typedef struct gf__sim_cli {
  gf__sim_opts opts;
  int render, help, version;
  const char *prompt, *aspect, *size, *out; /* --render */
  const char *api_key_file; /* read by gf__sim_main, never echoed */
} gf__sim_cli;

extern const char gf__sim_usage_text[];

/* 0, or -1 with a message in err (a usage error: exit status 2). */
int gf__sim_parse_args(int argc, char **argv, gf__sim_cli *cli, char *err,
                       size_t errlen);
#endif
