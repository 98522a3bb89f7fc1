/* `gemflow generate` options, parsed with getopt_long. Strings point into
 * argv. Nothing here touches the network or the file system. */
#ifndef GF_CLI_OPTS_H
#define GF_CLI_OPTS_H
#include <stdio.h>

#include "gemflow.h"
#include "netopts.h"

typedef struct gf__cli_opts {
  const char *prompt;
  const char *out;        /* -o: NULL for the default name */
  const char *aspect;     /* NULL: left out of the request */
  const char *size;
  const char *refs[GF_MAX_REFS];
  int nrefs;              /* how many -r were given (may exceed the array) */
  int image_only, search, thoughts, json, verbose, passthrough;
  const char *model;      /* NULL: GF_DEFAULT_MODEL */
  const char *cont;       /* --continue: an earlier --json output */
  gf__netopts net;
  int help, version;
} gf__cli_opts;

/* 0, or 2 after printing the usage error. argv[0] is the subcommand. */
int gf__opts_parse(int argc, char **argv, gf__cli_opts *o);
void gf__opts_usage(FILE *f);
#endif
