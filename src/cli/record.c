/* The record of a finished generation. Everything the server sent is
 * untrusted text: it passes through the key scrubber (the key must never
 * reach a manifest or stdout) and the JSON escaper (the output must always
 * parse). */
#include "record.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "jsonw.h"

static void gf__rec_image(gf__jw *w, const gf__record *r);
static void gf__rec_usage(gf__jw *w, const gf_usage *u);
static void gf__rec_timings(gf__jw *w, const gf_timings *t, double queued);
static void gf__rec_text(gf__jw *w, const char *text, size_t len);
static void gf__rec_error(gf__jw *w, const gf_result *res);
static void gf__rec_retries(gf__jw *w, const gf_result *res);
static void gf__rec_server_str(gf__jw *w, const char *key, const char *s);
static void gf__rec_ms(gf__jw *w, const char *key, double ms);

void gf__record_json(FILE *f, const gf__record *r) {
  const gf_result *res = r->res;
  gf__jw w;
  gf__jw_init(&w, f);
  gf__jw_obj_begin(&w, NULL);
  gf__jw_str(&w, "id", r->id);
  gf__jw_str(&w, "status", res->status == GF_OK ? "ok" : "error");
  gf__rec_image(&w, r);
  gf__rec_server_str(&w, "finish_reason", res->finish_reason);
  gf__rec_server_str(&w, "block_reason", res->block_reason);
  gf__rec_server_str(&w, "model_version", res->model_version);
  gf__rec_server_str(&w, "response_id", res->response_id);
  gf__rec_usage(&w, res->usage);
  gf__rec_timings(&w, res->timings, r->queued_ms);
  gf__jw_int(&w, "attempts", res->attempts);
  gf__rec_text(&w, r->text, r->text_len);
  gf__rec_error(&w, res);
  gf__rec_retries(&w, res);
  if (r->cost_usd >= 0)
    gf__jw_num_g(&w, "cost_usd", r->cost_usd);
  else
    gf__jw_null(&w, "cost_usd");
  gf__jw_str(&w, "prompt_sha256", r->prompt_sha256);
  gf__jw_raw(&w, "meta", r->meta_json);
  if (r->chat_json)
    gf__jw_raw(&w, "chat", r->chat_json);
  gf__jw_obj_end(&w);
  fputc('\n', f);
}

const char *gf__result_message(const gf_result *r) {
  if (!r->message || !*r->message ||
      strcmp(r->message, gf_strerror(r->status)) == 0)
    return NULL;
  return r->message;
}

/* The image fields only describe a file that was written. */
static void gf__rec_image(gf__jw *w, const gf__record *r) {
  const gf_result *res = r->res;
  if (res->status != GF_OK) {
    const char *keys[] = {"file", "mime", "width", "height", "bytes",
                          "sha256"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
      gf__jw_null(w, keys[i]);
    gf__jw_bool(w, "fell_back_to_thought_image", 0);
    return;
  }
  char hex[65];
  gf_hex_sha256(res->sha256, hex);
  gf__jw_str(w, "file", r->file ? r->file : res->file);
  gf__jw_str(w, "mime", res->mime);
  if (res->width && res->height) {
    gf__jw_int(w, "width", res->width);
    gf__jw_int(w, "height", res->height);
  } else {
    gf__jw_null(w, "width");
    gf__jw_null(w, "height");
  }
  gf__jw_int(w, "bytes", (int64_t)res->bytes);
  gf__jw_str(w, "sha256", hex);
  gf__jw_bool(w, "fell_back_to_thought_image",
              res->fell_back_to_thought_image);
}

static void gf__rec_usage(gf__jw *w, const gf_usage *u) {
  gf__jw_obj_begin(w, "usage");
  gf__jw_int(w, "prompt", u->prompt_tokens);
  gf__jw_int(w, "candidates", u->candidates_tokens);
  gf__jw_int(w, "thoughts", u->thoughts_tokens);
  gf__jw_int(w, "total", u->total_tokens);
  gf__jw_obj_end(w);
}

/* The library's stages count from gf_generate; the *_ms keys count from
 * the batch's start, so that a batch's items share one time axis. */
static void gf__rec_timings(gf__jw *w, const gf_timings *t, double queued) {
  gf__jw_obj_begin(w, "timings");
  gf__rec_ms(w, "connected", t->connected);
  gf__rec_ms(w, "first_byte", t->first_byte);
  gf__rec_ms(w, "first_thought", t->first_thought);
  gf__rec_ms(w, "image_start", t->image_start);
  gf__rec_ms(w, "image_end", t->image_end);
  gf__rec_ms(w, "done", t->done);
  gf__jw_num(w, "queued_ms", queued);
  const struct {
    const char *key;
    double ms;
  } since_start[] = {{"first_byte_ms", t->first_byte},
                     {"first_thought_ms", t->first_thought},
                     {"image_start_ms", t->image_start},
                     {"done_ms", t->done}};
  for (size_t i = 0; i < sizeof since_start / sizeof since_start[0]; i++)
    gf__rec_ms(w, since_start[i].key,
               since_start[i].ms < 0 ? -1 : queued + since_start[i].ms);
  gf__jw_obj_end(w);
}

/* Model text may hold NUL bytes (JSON's \u0000), which gf__scrub_dup would
 * stop at: each NUL-separated piece is scrubbed on its own. */
static void gf__rec_text(gf__jw *w, const char *text, size_t len) {
  if (!text) {
    gf__jw_null(w, "text");
    return;
  }
  char *copy = malloc(len + 1);
  char *out = NULL;
  size_t out_len = 0;
  FILE *mem = copy ? open_memstream(&out, &out_len) : NULL;
  int ok = mem != NULL;
  if (ok) {
    memcpy(copy, text, len);
    copy[len] = '\0';
    for (size_t i = 0; ok && i <= len; i++) {
      char *piece = gf__scrub_dup(copy + i);
      ok = piece != NULL;
      if (ok)
        fputs(piece, mem);
      i += strlen(copy + i);
      if (ok && i < len)
        fputc('\0', mem);
      free(piece);
    }
    ok = fclose(mem) == 0 && ok;
  }
  if (ok)
    gf__jw_strn(w, "text", out, out_len);
  else
    gf__jw_null(w, "text"); /* out of memory: nothing rather than the key */
  free(out);
  free(copy);
}

static void gf__rec_error(gf__jw *w, const gf_result *r) {
  if (r->status == GF_OK) {
    gf__jw_null(w, "error");
    return;
  }
  const char *msg = gf__result_message(r);
  char *clean = gf__scrub_dup(msg ? msg : gf_strerror(r->status));
  gf__jw_obj_begin(w, "error");
  gf__jw_str(w, "code", gf_err_name(r->status));
  gf__jw_str(w, "message", clean ? clean : gf_strerror(r->status));
  if (r->http_status)
    gf__jw_int(w, "http_status", r->http_status);
  else
    gf__jw_null(w, "http_status");
  gf__rec_server_str(w, "status", r->api_status);
  if (r->retry_after_s >= 0)
    gf__jw_num(w, "retry_after_s", r->retry_after_s);
  else
    gf__jw_null(w, "retry_after_s");
  gf__jw_obj_end(w);
  free(clean);
}

static void gf__rec_retries(gf__jw *w, const gf_result *res) {
  gf__jw_arr_begin(w, "retries");
  for (int i = 0; res->retries && i < res->nretries; i++) {
    const gf_attempt *a = &res->retries[i];
    gf__jw_obj_begin(w, NULL);
    gf__jw_str(w, "code", gf_err_name(a->status));
    if (a->http_status)
      gf__jw_int(w, "http_status", a->http_status);
    else
      gf__jw_null(w, "http_status");
    /* api_status is a fixed array: bound the read by its size. */
    char st[sizeof a->api_status + 1];
    memcpy(st, a->api_status, sizeof a->api_status);
    st[sizeof a->api_status] = '\0';
    gf__rec_server_str(w, "status", *st ? st : NULL);
    gf__jw_num(w, "delay_s", a->delay_s);
    gf__jw_obj_end(w);
  }
  gf__jw_arr_end(w);
}

static void gf__rec_server_str(gf__jw *w, const char *key, const char *s) {
  char *clean = gf__scrub_dup(s);
  gf__jw_str(w, key, clean); /* NULL (or out of memory): null */
  free(clean);
}

/* A library timing: -1 (not reached) is null. */
static void gf__rec_ms(gf__jw *w, const char *key, double ms) {
  if (ms < 0)
    gf__jw_null(w, key);
  else
    gf__jw_num(w, key, ms);
}
