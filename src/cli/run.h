/* The run loop of `gemflow generate`: a libuv loop, one client, one
 * generation, SIGINT/SIGTERM turned into gf_cancel. */
#ifndef GF_CLI_RUN_H
#define GF_CLI_RUN_H
#include "gemflow.h"
#include "opts.h"

/* Runs the generation to its end and prints the outcome. Returns the exit
 * status: 0, 1 (failed), 2 (the client options were refused before any
 * request) or 128 + signal number (interrupted). */
int gf__run_generate(const gf__cli_opts *o, const char *key,
                     const gf_request *req, const gf_gen_options *gen_opts);
#endif
