/* The program's version line: the header it was built with, and the
 * library it runs with (they differ when a newer libgemflow.so.0 is
 * installed under an older program). */
#include <stdio.h>

#include "cli.h"
#include "gemflow.h"

void gf__print_version(FILE *f) {
  fprintf(f, "gemflow %d.%d.%d (libgemflow %s)\n", GF_VERSION_MAJOR,
          GF_VERSION_MINOR, GF_VERSION_PATCH, gf_version_string());
}
