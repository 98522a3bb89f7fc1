/* `gemflow batch` options, parsed with getopt_long. Strings point into
 * argv. Nothing here touches the network or the file system. */
#ifndef GF_CLI_BATCH_OPTS_H
#define GF_CLI_BATCH_OPTS_H
#include <stdio.h>

typedef struct gf__batch_opts {
  const char *input;        /* PROMPTS.jsonl or "-" */
  const char *out_dir;      /* default ./gemflow-out */
  int concurrency;          /* -j, default 16 */
  const char *aspect, *size; /* defaults for items that give none */
  int image_only, search, passthrough;
  const char *model, *base_url, *ca_file, *key_file;
  int key_in;
  int max_attempts;         /* default 5 */
  double retry_max_delay_s; /* default 60 */
  double rpm;               /* 0: no limit */
  const char *shard;        /* "K/N", "env" or NULL */
  int no_resume, dry_run, save_thoughts;
  double max_cost;          /* < 0: no limit */
  int json, quiet, verbose, help;
} gf__batch_opts;

/* 0, or 2 after printing the usage error. argv[0] is the subcommand. */
int gf__batch_opts_parse(int argc, char **argv, gf__batch_opts *o);
void gf__batch_usage(FILE *f);

/* Shared with generate: "--max-attempts N" (1..100) and
 * "--retry-max-delay S" (0..86400). 0, or 2 after the usage error. */
int gf__opt_attempts(const char *arg, int *out);
int gf__opt_seconds(const char *name, const char *arg, double max,
                    double *out);
#endif
