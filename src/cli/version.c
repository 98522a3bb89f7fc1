/* The program's version line. */
#include <stdio.h>

#include "cli.h"
#include "gemflow.h"

#ifndef GF_VERSION
#define GF_VERSION "unknown"
#endif

void gf__print_version(FILE *f) {
  fprintf(f, "gemflow %s (libgemflow %s)\n", GF_VERSION, gf_version());
}
