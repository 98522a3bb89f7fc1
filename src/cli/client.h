/* The library client as both commands make it: base URL from the option or
 * $GEMINI_BASE_URL, the key, the CA bundle, the retry policy, the rate;
 * refused options reported as usage errors. */
#ifndef GF_CLI_CLIENT_H
#define GF_CLI_CLIENT_H
#include <uv.h>

#include "gemflow.h"

typedef struct gf__client_args {
  const char *base_url; /* NULL: $GEMINI_BASE_URL, then the library's */
  const char *key;
  int key_in;
  const char *ca_file;
  int max_attempts;
  double retry_max_delay_s;
  double rpm;           /* 0: no limit */
  void (*on_trace)(void *ud, const char *line); /* NULL: not verbose */
  void *trace_ud;
} gf__client_args;

/* 0 with *out set; else the exit code (2 for refused options, 1 for the
 * machine's failures), after saying why. */
int gf__client_create(uv_loop_t *loop, const gf__client_args *a,
                      gf_client **out);
#endif
