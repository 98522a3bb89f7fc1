/* What the user sees of a finished generation: the --json object, the
 * one-line failure reason, and the verbose summary. */
#ifndef GF_CLI_REPORT_H
#define GF_CLI_REPORT_H
#include <stddef.h>
#include <stdio.h>

#include "gemflow.h"

/* The record (record.h) of a `generate`: one JSON object and a newline.
 * text: the model's non-thought text (NULL: none); chat_json: the
 * conversation for --continue (NULL: none). */
void gf__report_json(FILE *f, const gf_result *res, const char *text,
                     size_t text_len, const char *chat_json);
/* "gemflow: <why>" on stderr, one line. */
void gf__report_failure(const gf_result *res);
/* Timings, tokens, model version and attempts on stderr. */
void gf__report_verbose(const gf_result *res);
#endif
