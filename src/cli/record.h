/* The record of a finished generation: the one JSON object that
 * `gemflow generate --json` prints and that each line of a batch's
 * manifest holds. */
#ifndef GF_CLI_RECORD_H
#define GF_CLI_RECORD_H
#include <stddef.h>
#include <stdio.h>

#include "gemflow.h"

typedef struct gf__record {
  const char *id;      /* NULL for generate: written as null */
  const gf_result *res;
  const char *file;    /* the path to print: relative to DIR for batch;
                          NULL: res->file */
  const char *text;    /* the model's non-thought text, NULL: none */
  size_t text_len;
  const char *prompt_sha256; /* hex of gf_request_digest, or NULL */
  const char *meta_json;     /* the item's meta as JSON text, copied
                                verbatim (the caller checked it), or NULL */
  double cost_usd;           /* < 0: unknown (null) */
  double queued_ms; /* ms from the batch's start until gf_generate; 0 for
                       generate */
  const char *chat_json; /* generate: the conversation so far, as
                            gf_chat_to_json wrote it; NULL: no "chat" key */
} gf__record;

/* One JSON object and '\n'. Keys, in this order: id, status ("ok" or
 * "error"), file, mime, width, height, bytes, sha256,
 * fell_back_to_thought_image, finish_reason, block_reason, model_version,
 * response_id, usage, timings, attempts, text, error, retries, cost_usd,
 * prompt_sha256, meta. Server text goes through gf__scrub_dup. */
void gf__record_json(FILE *f, const gf__record *r);

/* The result's message when it says more than gf_strerror(status), else
 * NULL. Not scrubbed. */
const char *gf__result_message(const gf_result *res);
#endif
