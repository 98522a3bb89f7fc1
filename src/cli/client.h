/* The library client as both commands make it: base URL from the option or
 * $GEMINI_BASE_URL, the key, the CA bundle, the retry policy, the rate;
 * refused options reported as usage errors. */
#ifndef GF_CLI_CLIENT_H
#define GF_CLI_CLIENT_H
#include <uv.h>

#include "gemflow.h"
#include "netopts.h"

typedef struct gf__client_args {
  const gf__netopts *net;
  const char *key;
  double rpm;           /* 0: no limit */
  void (*on_trace)(const char *line, void *ud); /* NULL: not verbose */
  void *trace_ud;
} gf__client_args;

/* 0 with *out set; else the exit code (2 for refused options, 1 for the
 * machine's failures), after saying why. */
int gf__client_create(uv_loop_t *loop, const gf__client_args *a,
                      gf_client **out);
#endif
