/* A run's figures as one JSON object (stdout) and a table (stderr). */
#ifndef GFB_REPORT_H
#define GFB_REPORT_H
#include <stdio.h>

#include "opts.h"
#include "run.h"

typedef struct gfb_context {
  const char *mode;   /* "sim" (own simulators) or "url" */
  int servers;
  const char *verify; /* "sha256", "decode", "none" */
} gfb_context;

/* The JSON text (one line, no newline); free() it. NULL on ENOMEM. */
char *gfb_report_json(const gfb_opts *o, const gfb_context *ctx,
                      const gfb_result *r);
void gfb_report_table(FILE *f, const gfb_opts *o, const gfb_context *ctx,
                      const gfb_result *r);
#endif
