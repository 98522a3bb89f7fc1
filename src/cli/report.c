/* Result reporting. Server messages pass through the key scrubber (here in
 * gf__diag_error, in record.c for the JSON): they are untrusted text. */
#include "report.h"

#include <string.h>

#include "diag.h"
#include "record.h"

static void gf__fmt_ms(char *out, size_t cap, double ms);

/* The record without the batch's fields: id, prompt_sha256, meta and
 * cost_usd are null, retries as the library reported them. */
void gf__report_json(FILE *f, const gf_result *res, const char *text,
                     size_t text_len, const char *chat_json) {
  gf__record rec;
  memset(&rec, 0, sizeof rec);
  rec.res = res;
  rec.text = text;
  rec.text_len = text_len;
  rec.cost_usd = -1;
  rec.chat_json = chat_json;
  gf__record_json(f, &rec);
}

void gf__report_failure(const gf_result *r) {
  char suffix[96] = "";
  if (r->attempts > 1 && r->retry_after_s >= 0)
    snprintf(suffix, sizeof suffix, " (after %d attempts; retry after %.0f s)",
             r->attempts, r->retry_after_s);
  else if (r->attempts > 1)
    snprintf(suffix, sizeof suffix, " (after %d attempts)", r->attempts);
  else if (r->retry_after_s >= 0)
    snprintf(suffix, sizeof suffix, " (retry after %.0f s)", r->retry_after_s);
  /* lead + core, then the library's message unless it already names the
   * reason (key): "generation failed: " + "finish reason IMAGE_SAFETY". */
  const char *lead = "", *key = NULL;
  char core[160];
  switch (r->status) {
  case GF_ESTATUS:
    key = r->api_status;
    snprintf(core, sizeof core, "HTTP %d%s%s", r->http_status, key ? " " : "",
             key ? key : "");
    break;
  case GF_EAPI:
    lead = "server error in the stream: ";
    key = r->api_status;
    snprintf(core, sizeof core, "%s", key ? key : "error object");
    break;
  case GF_EFINISH:
    lead = "generation failed: ";
    key = r->finish_reason;
    snprintf(core, sizeof core, "finish reason %s", key ? key : "(none)");
    break;
  case GF_EBLOCKED:
    lead = "generation failed: ";
    key = r->block_reason;
    snprintf(core, sizeof core, "prompt blocked (%s)",
             key ? key : "no reason given");
    break;
  case GF_ENOIMAGE:
  case GF_ENOFINISH:
    lead = "generation failed: ";
    snprintf(core, sizeof core, "%s", gf_strerror(r->status));
    break;
  default:
    snprintf(core, sizeof core, "%s", gf_err_name(r->status));
  }
  const char *msg = gf__result_message(r);
  if (!msg && !*lead && r->status != GF_ESTATUS)
    msg = gf_strerror(r->status); /* "truncated: connection ended ..." */
  if (!msg)
    gf__diag_error("%s%s%s", lead, core, suffix);
  else if ((key && *key && strstr(msg, key)) ||
           strncmp(msg, core, strlen(core)) == 0) /* it says it already */
    gf__diag_error("%s%s%s", lead, msg, suffix);
  else
    gf__diag_error("%s%s: %s%s", lead, core, msg, suffix);
}

void gf__report_verbose(const gf_result *r) {
  const gf_timings *t = r->timings;
  char c[32], fb[32], ft[32], is[32], ie[32], d[32];
  gf__fmt_ms(c, sizeof c, t->connected);
  gf__fmt_ms(fb, sizeof fb, t->first_byte);
  gf__fmt_ms(ft, sizeof ft, t->first_thought);
  gf__fmt_ms(is, sizeof is, t->image_start);
  gf__fmt_ms(ie, sizeof ie, t->image_end);
  gf__fmt_ms(d, sizeof d, t->done);
  gf__diag_error("timings (ms): connected %s, first byte %s, first thought "
                 "%s, image start %s, image end %s, done %s",
                 c, fb, ft, is, ie, d);
  gf__diag_error("tokens: prompt %lld, candidates %lld, thoughts %lld, "
                 "total %lld; attempts %d",
                 (long long)r->usage->prompt_tokens,
                 (long long)r->usage->candidates_tokens,
                 (long long)r->usage->thoughts_tokens,
                 (long long)r->usage->total_tokens, r->attempts);
  if (r->model_version || r->response_id)
    gf__diag_error("model version %s, response id %s",
                   r->model_version ? r->model_version : "-",
                   r->response_id ? r->response_id : "-");
  if (r->status == GF_OK && r->fell_back_to_thought_image)
    gf__diag_error("no final image came; the last image, flagged as a "
                   "thought, is the result");
  if (r->status == GF_OK)
    gf__diag_error("image: %s, %ux%u, %llu bytes", r->mime ? r->mime : "-",
                   r->width, r->height, (unsigned long long)r->bytes);
}

static void gf__fmt_ms(char *out, size_t cap, double ms) {
  if (ms < 0)
    snprintf(out, cap, "-");
  else
    snprintf(out, cap, "%.1f", ms);
}
