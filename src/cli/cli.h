/* The subcommands of the gemflow program. */
#ifndef GF_CLI_H
#define GF_CLI_H
#include <stdio.h>

/* argv[0] is the subcommand's name. Returns the exit status. */
int gf__cmd_generate(int argc, char **argv);
void gf__print_version(FILE *f);
#endif
