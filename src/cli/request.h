/* The gf_request from the parsed options, with every check that can be
 * made before anything is sent. */
#ifndef GF_CLI_REQUEST_H
#define GF_CLI_REQUEST_H
#include "gemflow.h"
#include "opts.h"

/* 0 with *out set; 2 after printing a usage error; 1 when the machine failed (memory). */
int gf__request_build(const gf__cli_opts *o, gf_request **out);
#endif
