/* The gf_request from the parsed options, with every check that can be
 * made before anything is sent. */
#ifndef GF_CLI_REQUEST_H
#define GF_CLI_REQUEST_H
#include "gemflow.h"
#include "opts.h"

/* 0 with *out set; 2 after printing a usage error; 1 when the machine failed (memory). */
int gf__request_build(const gf__cli_opts *o, gf_request **out);

/* The sentence that says why a request setter refused something, shared
 * by generate's options and batch's lines, into out (cap bytes). */
#define GF__EXPLAIN_MAX 1024
/* what: "aspect ratio" or "size"; model NULL: GF_DEFAULT_MODEL. */
void gf__explain_value(char *out, size_t cap, const char *what,
                       const char *value, const char *model, int passthrough);
/* code: what gf_request_add_ref_file returned (not GF_ENOMEM). */
void gf__explain_ref(char *out, size_t cap, int code, const char *path);
#endif
