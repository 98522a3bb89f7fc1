/* `gemflow batch` options, parsed with getopt_long. Strings point into
 * argv. Nothing here touches the network or the file system. */
#ifndef GF_CLI_BATCH_OPTS_H
#define GF_CLI_BATCH_OPTS_H
#include <stdio.h>

#include "netopts.h"

typedef struct gf__batch_opts {
  const char *input;        /* PROMPTS.jsonl or "-" */
  const char *out_dir;      /* default ./gemflow-out */
  int concurrency;          /* -j, default 16 */
  const char *aspect, *size; /* defaults for items that give none */
  int image_only, search, passthrough;
  const char *model;
  gf__netopts net;
  double rpm;               /* 0: no limit */
  const char *shard;        /* "K/N", "env" or NULL */
  int no_resume, dry_run, save_thoughts;
  double max_cost;          /* < 0: no limit */
  int json, quiet, verbose, help;
} gf__batch_opts;

/* 0, or 2 after printing the usage error. argv[0] is the subcommand. */
int gf__batch_opts_parse(int argc, char **argv, gf__batch_opts *o);
void gf__batch_usage(FILE *f);
#endif
