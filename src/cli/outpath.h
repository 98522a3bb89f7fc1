/* Where the image goes: -o FILE, -o DIR or the default name, as file sink
 * options, checked before anything is sent. */
#ifndef GF_CLI_OUTPATH_H
#define GF_CLI_OUTPATH_H
#include <time.h>

#include "gemflow.h"
#include "opts.h"

typedef struct gf__out_spec {
  gf_gen_options gen; /* points into prefix and dir, or at argv */
  char prefix[64];    /* "gemflow-YYYYmmdd-HHMMSS" */
  char dir[4096];     /* the directory the file goes in */
} gf__out_spec;

/* 0, or 2 after printing why (no such directory, or not writable). now
 * gives the default name's time stamp. */
int gf__out_setup(const gf__cli_opts *o, time_t now, gf__out_spec *spec);
#endif
