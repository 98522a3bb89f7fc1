/* Result reporting. Server messages pass through the key scrubber and the
 * JSON escaper: they are untrusted text. */
#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "jsonw.h"

static void gf__json_image(gf__jw *w, const gf_result *r);
static void gf__json_error(gf__jw *w, const gf_result *r);
static const char *gf__message(const gf_result *r);
static void gf__fmt_ms(char *out, size_t cap, double ms);

void gf__report_json(FILE *f, const gf_result *res, const char *text,
                     size_t text_len) {
  gf__jw w;
  gf__jw_init(&w, f);
  gf__jw_obj_begin(&w, NULL);
  gf__json_image(&w, res);
  gf__jw_str(&w, "finish_reason", res->finish_reason);
  gf__jw_str(&w, "block_reason", res->block_reason);
  gf__jw_str(&w, "model_version", res->model_version);
  gf__jw_str(&w, "response_id", res->response_id);
  gf__jw_obj_begin(&w, "usage");
  gf__jw_int(&w, "prompt", res->usage.prompt_tokens);
  gf__jw_int(&w, "candidates", res->usage.candidates_tokens);
  gf__jw_int(&w, "thoughts", res->usage.thoughts_tokens);
  gf__jw_int(&w, "total", res->usage.total_tokens);
  gf__jw_obj_end(&w);
  const gf_timings *t = &res->timings;
  const struct {
    const char *name;
    double ms;
  } stages[] = {{"connected", t->connected},     {"first_byte", t->first_byte},
                {"first_thought", t->first_thought},
                {"image_start", t->image_start}, {"image_end", t->image_end},
                {"done", t->done}};
  gf__jw_obj_begin(&w, "timings");
  for (size_t i = 0; i < sizeof stages / sizeof stages[0]; i++) {
    if (stages[i].ms < 0)
      gf__jw_null(&w, stages[i].name);
    else
      gf__jw_num(&w, stages[i].name, stages[i].ms);
  }
  gf__jw_obj_end(&w);
  gf__jw_int(&w, "attempts", res->attempts);
  if (text)
    gf__jw_strn(&w, "text", text, text_len);
  else
    gf__jw_null(&w, "text");
  gf__json_error(&w, res);
  gf__jw_obj_end(&w);
  fputc('\n', f);
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
  const char *msg = gf__message(r);
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
  const gf_timings *t = &r->timings;
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
                 (long long)r->usage.prompt_tokens,
                 (long long)r->usage.candidates_tokens,
                 (long long)r->usage.thoughts_tokens,
                 (long long)r->usage.total_tokens, r->attempts);
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

/* The image fields only describe a file that was written. */
static void gf__json_image(gf__jw *w, const gf_result *r) {
  if (r->status != GF_OK) {
    const char *keys[] = {"file", "mime", "width", "height", "bytes",
                          "sha256"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
      gf__jw_null(w, keys[i]);
    gf__jw_bool(w, "fell_back_to_thought_image", 0);
    return;
  }
  char hex[65];
  gf_hex_sha256(r->sha256, hex);
  gf__jw_str(w, "file", r->file);
  gf__jw_str(w, "mime", r->mime);
  if (r->width && r->height) {
    gf__jw_int(w, "width", r->width);
    gf__jw_int(w, "height", r->height);
  } else {
    gf__jw_null(w, "width");
    gf__jw_null(w, "height");
  }
  gf__jw_int(w, "bytes", (int64_t)r->bytes);
  gf__jw_str(w, "sha256", hex);
  gf__jw_bool(w, "fell_back_to_thought_image", r->fell_back_to_thought_image);
}

static void gf__json_error(gf__jw *w, const gf_result *r) {
  if (r->status == GF_OK) {
    gf__jw_null(w, "error");
    return;
  }
  const char *msg = gf__message(r);
  char *clean = gf__scrub_dup(msg ? msg : gf_strerror(r->status));
  gf__jw_obj_begin(w, "error");
  gf__jw_str(w, "code", gf_err_name(r->status));
  gf__jw_str(w, "message", clean ? clean : gf_strerror(r->status));
  if (r->http_status)
    gf__jw_int(w, "http_status", r->http_status);
  else
    gf__jw_null(w, "http_status");
  gf__jw_str(w, "status", r->api_status);
  if (r->retry_after_s >= 0)
    gf__jw_num(w, "retry_after_s", r->retry_after_s);
  else
    gf__jw_null(w, "retry_after_s");
  gf__jw_obj_end(w);
  free(clean);
}

/* The library's message when it says more than the code's sentence. */
static const char *gf__message(const gf_result *r) {
  if (!r->message || !*r->message ||
      strcmp(r->message, gf_strerror(r->status)) == 0)
    return NULL;
  return r->message;
}

static void gf__fmt_ms(char *out, size_t cap, double ms) {
  if (ms < 0)
    snprintf(out, cap, "-");
  else
    snprintf(out, cap, "%.1f", ms);
}
