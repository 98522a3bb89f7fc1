/* Generation jobs: gemflow's callbacks in, fan-out events out. */
#include "jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "common/buf.h"
#include "cost.h"
#include "fanout.h"

/* Thinking and text shown per job: the model writes a few kilobytes; past
 * this it is not worth keeping (every late watcher would get it again), and
 * even escaped six-fold it leaves room in the log for the rest. */
#define GAL_THOUGHTS_MAX (128 * 1024)
#define GAL_PROGRESS_STEP (256 * 1024)

struct gal_job {
  gf__queue node; /* app->jobs */
  gal_app *app;
  char id[GAL_ID_LEN + 1];
  gf_gen *gen;     /* NULL once on_done has run */
  gal_chat *chat;  /* busy with this job until on_done */
  int turn;        /* 1, 2, ... in its chat */
  char size[8];
  gal_feed feed;
  gf__buf img;     /* the image part being received */
  size_t next_progress, text_bytes; /* text_bytes: thoughts and text */
  size_t ref_bytes; /* what the request's reference images weigh */
  gal_blob *final, *draft; /* the last final and thought images */
  uint64_t started, finished, orphan_since;
  int paused;
  const char *note; /* why the gallery itself ended it, or NULL */
};

/* ---- events ---- */

/* One event out; last: the done event, after which the streams end. */
static void send_event(gal_job *j, json_object *o, int last) {
  const char *s = o ? json_object_to_json_string_ext(
                          o, JSON_C_TO_STRING_PLAIN |
                                 JSON_C_TO_STRING_NOSLASHESCAPE)
                    : NULL;
  static const char oom[] = "{\"type\":\"done\",\"ok\":false}";
  if (last) /* even out of memory, the watchers learn that it ended */
    gal_feed_end(&j->feed, s ? s : oom, s ? strlen(s) : sizeof oom - 1);
  else if (s)
    gal_feed_publish(&j->feed, s, strlen(s));
  json_object_put(o);
}

static void publish(gal_job *j, json_object *o) { send_event(j, o, 0); }

static json_object *event(const char *type) {
  json_object *o = json_object_new_object();
  if (o)
    json_object_object_add(o, "type", json_object_new_string(type));
  return o;
}

static void add_str(json_object *o, const char *k, const char *v) {
  if (o && v)
    json_object_object_add(o, k, json_object_new_string(v));
}

static void add_int(json_object *o, const char *k, int64_t v) {
  if (o)
    json_object_object_add(o, k, json_object_new_int64(v));
}

static void publish_text(gal_job *j, const char *type, const char *p,
                         size_t n) {
  json_object *o = event(type);
  if (o)
    json_object_object_add(o, "text",
                           json_object_new_string_len(p, (int)n));
  publish(j, o);
}

static json_object *usage_json(const gf_usage *u) {
  json_object *o = json_object_new_object();
  add_int(o, "prompt", u->prompt_tokens);
  add_int(o, "candidates", u->candidates_tokens);
  add_int(o, "thoughts", u->thoughts_tokens);
  add_int(o, "total", u->total_tokens);
  return o;
}

/* ---- callbacks ---- */

/* Thoughts and text, within GAL_THOUGHTS_MAX for the two. */
static void show_text(gal_job *j, const char *type, const char *text,
                      size_t len) {
  if (j->text_bytes >= GAL_THOUGHTS_MAX)
    return;
  if (len > GAL_THOUGHTS_MAX - j->text_bytes)
    len = GAL_THOUGHTS_MAX - j->text_bytes;
  j->text_bytes += len;
  publish_text(j, type, text, len);
  if (j->text_bytes == GAL_THOUGHTS_MAX) {
    static const char cut[] = "(the rest of the model's text is not shown)";
    publish_text(j, "note", cut, sizeof cut - 1);
  }
}

static void on_thought(gf_gen *g, const char *text, size_t len, void *ud) {
  show_text(ud, "thought", text, len);
}

static void on_text(gf_gen *g, const char *text, size_t len, void *ud) {
  show_text(ud, "text", text, len);
}

static void on_image_begin(gf_gen *g, const gf_image_info *info, void *ud) {
  gal_job *j = ud;
  gf__buf_reset(&j->img);
  j->next_progress = GAL_PROGRESS_STEP;
  json_object *o = event("image");
  add_int(o, "index", info->index);
  if (o)
    json_object_object_add(o, "thought",
                           json_object_new_boolean(info->thought));
  add_str(o, "mime", info->mime);
  publish(j, o);
}

static void on_image_data(gf_gen *g, const unsigned char *p, size_t n,
                          void *ud) {
  gal_job *j = ud;
  if (gf__buf_append(&j->img, p, n)) {
    /* over the limit or out of memory: never a cut image */
    j->note = "the image is larger than this gallery keeps";
    gf_cancel(g);
    return;
  }
  if (j->img.len >= j->next_progress) {
    j->next_progress = j->img.len + GAL_PROGRESS_STEP;
    json_object *o = event("progress");
    add_int(o, "bytes", (int64_t)j->img.len);
    publish(j, o);
  }
}

/* The received bytes as a stored image (the buffer is emptied). */
static gal_blob *keep_image(gal_job *j, const char *mime) {
  size_t n = 0;
  unsigned char *data = (unsigned char *)gf__buf_steal(&j->img, &n);
  gal_blob *b = gal_store_add(&j->app->store, data, n, mime);
  if (b)
    gal_blob_ref(b);
  return b;
}

static void on_image_end(gf_gen *g, const gf_image_info *info, void *ud) {
  gal_job *j = ud;
  gal_blob *b = keep_image(j, info->mime);
  if (!b)
    return;
  gal_blob **slot = info->thought ? &j->draft : &j->final;
  gal_blob_unref(*slot);
  *slot = b;
  if (!info->thought)
    return; /* shown at done: only then is it known to be the result */
  json_object *o = event("draft");
  char url[8 + GAL_ID_LEN];
  snprintf(url, sizeof url, "/img/%s", b->id);
  add_str(o, "url", url);
  publish(j, o);
}

static void on_usage(gf_gen *g, const gf_usage *u, void *ud) {
  json_object *o = event("usage");
  if (o)
    json_object_object_add(o, "usage", usage_json(u));
  publish(ud, o);
}

static void drop_images(gal_job *j) {
  gf__buf_free(&j->img);
  gal_blob_unref(j->final);
  gal_blob_unref(j->draft);
  j->final = j->draft = NULL;
}

static void on_retry(gf_gen *g, const gf_attempt *a, void *ud) {
  gal_job *j = ud;
  drop_images(j);
  j->text_bytes = 0;
  json_object *o = event("retry");
  add_str(o, "error", gf_err_name(a->status));
  add_int(o, "http_status", a->http_status);
  if (o)
    json_object_object_add(o, "delay_s", json_object_new_double(a->delay_s));
  publish(j, o);
}

static json_object *success(gal_job *j, const gf_result *res) {
  gal_blob *b = res->fell_back_to_thought_image ? j->draft : j->final;
  if (!b)
    return NULL; /* dropped for lack of memory */
  json_object *o = event("done");
  json_object_object_add(o, "ok", json_object_new_boolean(1));
  char url[8 + GAL_ID_LEN], hex[65];
  snprintf(url, sizeof url, "/img/%s", b->id);
  gf_hex_sha256(res->sha256, hex);
  add_str(o, "url", url);
  add_str(o, "mime", b->mime);
  add_int(o, "bytes", (int64_t)b->len);
  add_int(o, "width", res->width);
  add_int(o, "height", res->height);
  add_str(o, "sha256", hex);
  /* written as the price list has it, not as 0.13400000000000001 */
  double usd = gf__price_usd(j->app->model, NULL, j->size);
  char text[32];
  snprintf(text, sizeof text, "%.3f", usd);
  json_object_object_add(o, "cost_usd", json_object_new_double_s(usd, text));
  return o;
}

static json_object *failure(gal_job *j, const gf_result *res) {
  json_object *o = event("done");
  json_object_object_add(o, "ok", json_object_new_boolean(0));
  int st = res->status ? res->status : GF_ENOMEM;
  add_str(o, "error", gf_err_name(st));
  add_str(o, "message", j->note      ? j->note
                        : res->message ? res->message
                                       : gf_strerror(st));
  add_str(o, "finish_reason", res->finish_reason);
  add_str(o, "block_reason", res->block_reason);
  add_int(o, "http_status", res->http_status);
  return o;
}

static void on_done(gf_gen *g, const gf_result *res, void *ud) {
  gal_job *j = ud;
  j->gen = NULL;
  j->finished = uv_now(j->app->loop);
  j->app->running--;
  j->app->done++;
  j->chat->busy = NULL;
  if (res->status == GF_OK) /* the library appended this turn to the chat */
    gal_chat_grew(j->app, j->chat, j->ref_bytes + res->bytes);
  json_object *o = res->status == GF_OK ? success(j, res) : NULL;
  if (!o)
    o = failure(j, res);
  if (res->usage)
    json_object_object_add(o, "usage", usage_json(res->usage));
  add_int(o, "ms", (int64_t)(j->finished - j->started));
  add_str(o, "chat", j->chat->id);
  add_int(o, "turn", j->turn);
  add_int(o, "history", gf_chat_turns(j->chat->chat));
  send_event(j, o, 1);
  gf__buf_free(&j->img);
}

/* ---- back-pressure ---- */

static void on_pressure(gal_feed *f, int congested, void *ud) {
  gal_job *j = ud;
  if (!j->gen || j->paused == congested)
    return;
  int rc = congested ? gf_gen_pause(j->gen) : gf_gen_resume(j->gen);
  if (rc == 0) {
    j->paused = congested;
    congested ? j->app->pauses++ : j->app->resumes++;
  }
}

/* ---- jobs ---- */

static void job_free(gal_job *j) {
  gf__queue_remove(&j->node);
  gal_feed_free(&j->feed);
  drop_images(j);
  free(j);
}

static int build_request(gal_app *app, const gal_job_req *r, gf_request **out,
                         const char **why) {
  gf_request *req = gf_request_new();
  if (!req)
    return *why = "out of memory", 503;
  int rc = gf_request_set_model(req, app->model);
  if (!rc && (rc = gf_request_set_prompt(req, r->prompt)))
    *why = "the prompt is empty or not valid UTF-8";
  if (!rc && (rc = gf_request_set_aspect(req, r->aspect)))
    *why = "the model does not offer that aspect ratio";
  if (!rc && (rc = gf_request_set_size(req, r->size)))
    *why = "the model does not offer that size";
  if (!rc)
    rc = gf_request_set_modalities(req, GF_MOD_TEXT_IMAGE);
  for (int i = 0; !rc && i < r->nrefs; i++)
    if ((rc = gf_request_add_ref(req, r->refs[i]->data, r->refs[i]->len,
                                 r->refs[i]->mime)))
      *why = "a reference image is not a supported type";
  if (rc) {
    if (!*why)
      *why = "the request was refused";
    gf_request_free(req);
    return 400;
  }
  *out = req;
  return 0;
}

static gal_job *job_new(gal_app *app, const gal_job_req *r) {
  gal_job *j = calloc(1, sizeof *j);
  if (!j)
    return NULL;
  j->app = app;
  gal_new_id(j->id);
  snprintf(j->size, sizeof j->size, "%s", r->size ? r->size : "1K");
  gal_feed_init(&j->feed, on_pressure, j);
  gf__buf_init(&j->img, (size_t)app->max_image);
  j->started = j->orphan_since = uv_now(app->loop);
  gf__queue_init(&j->node);
  return j;
}

static int launch(gal_app *app, gal_job *j, gf_request *req) {
  gf_callbacks cbs;
  gf_callbacks_init(&cbs);
  cbs.on_thought = on_thought;
  cbs.on_text = on_text;
  cbs.on_image_begin = on_image_begin;
  cbs.on_image_data = on_image_data;
  cbs.on_image_end = on_image_end;
  cbs.on_usage = on_usage;
  cbs.on_done = on_done;
  cbs.on_retry = on_retry;
  gf_gen_options go;
  gf_gen_options_init(&go);
  go.chat = j->chat->chat;
  return gf_generate(app->client, req, &go, &cbs, j, &j->gen);
}

static void publish_start(gal_job *j, const char *prompt) {
  json_object *o = event("start");
  add_str(o, "job", j->id);
  add_str(o, "chat", j->chat->id);
  add_int(o, "turn", j->turn);
  add_str(o, "prompt", prompt);
  publish(j, o);
}

int gal_job_start(gal_app *app, const gal_job_req *r, gal_job **out,
                  const char **why) {
  *why = NULL;
  if (app->stopping)
    return *why = "the server is stopping", 503;
  if (app->running >= GAL_MAX_RUNNING)
    return *why = "too many generations at once: try again shortly", 503;
  if (r->chat && r->chat->busy)
    return *why = "this conversation is still generating", 409;
  if (r->chat && r->chat->rounds >= GAL_MAX_TURNS)
    return *why = "this conversation is long enough: start a new one", 409;
  if (r->chat && !gal_chat_room(app, r->chat))
    return *why = "this conversation holds too many images: start a new one",
           409;
  gf_request *req = NULL;
  int status = build_request(app, r, &req, why);
  if (status)
    return status;
  gal_job *j = job_new(app, r);
  gal_chat *chat = r->chat ? r->chat : gal_chat_new(app);
  if (!j || !chat) {
    gf_request_free(req);
    if (j)
      job_free(j);
    return *why = "out of memory, or every conversation is busy", 503;
  }
  j->chat = chat;
  j->turn = chat->rounds + 1;
  for (int i = 0; i < r->nrefs; i++)
    j->ref_bytes += r->refs[i]->len;
  int rc = launch(app, j, req);
  gf_request_free(req);
  if (rc) {
    job_free(j);
    return *why = "the generation could not start", 500;
  }
  chat->busy = j;
  app->running++;
  gf__queue_insert_tail(&app->jobs, &j->node);
  publish_start(j, r->prompt);
  *out = j;
  return 0;
}

const char *gal_job_id(const gal_job *j) { return j->id; }
const char *gal_job_chat_id(const gal_job *j) { return j->chat->id; }

gal_job *gal_job_find(gal_app *app, const char *id, size_t idlen) {
  if (idlen != GAL_ID_LEN)
    return NULL;
  gf__queue *q;
  GF__QUEUE_FOREACH(q, &app->jobs) {
    gal_job *j = GF__QUEUE_DATA(q, gal_job, node);
    if (memcmp(j->id, id, GAL_ID_LEN) == 0)
      return j;
  }
  return NULL;
}

int gal_job_watch(gal_job *j, gal_conn *c) {
  j->orphan_since = 0;
  return gal_feed_watch(&j->feed, c);
}

void gal_job_cancel(gal_job *j) {
  if (j->gen)
    gf_cancel(j->gen);
}

/* A running job nobody has watched for GAL_ORPHAN_MS (its tab was closed
 * or reloaded) is canceled: with the real service it would cost money for
 * an image nobody sees. */
static void sweep_one(gal_app *app, gal_job *j, uint64_t now, int ping) {
  if (!j->gen)
    return;
  if (j->feed.nsubs) {
    j->orphan_since = 0;
    if (ping)
      gal_feed_ping(&j->feed);
  } else if (!j->orphan_since) {
    j->orphan_since = now;
  } else if (now - j->orphan_since >= GAL_ORPHAN_MS) {
    app->canceled_orphans++;
    gf_cancel(j->gen);
    j->orphan_since = now; /* once */
  }
}

void gal_jobs_sweep(gal_app *app, uint64_t now) {
  int ping = now - app->last_ping >= GAL_PING_MS;
  if (ping)
    app->last_ping = now;
  gf__queue *q;
  GF__QUEUE_FOREACH(q, &app->jobs)
  sweep_one(app, GF__QUEUE_DATA(q, gal_job, node), now, ping);
  /* finished jobs, oldest first: past the count or the age they go */
  int excess = app->done - GAL_MAX_DONE;
  q = app->jobs.next;
  while (q != &app->jobs) {
    gal_job *j = GF__QUEUE_DATA(q, gal_job, node);
    q = q->next;
    if (j->gen)
      continue;
    if (excess <= 0 && now - j->finished < GAL_DONE_KEEP_MS)
      break;
    excess--;
    app->done--;
    job_free(j);
  }
}

void gal_jobs_cancel_all(gal_app *app) {
  gf__queue *q;
  GF__QUEUE_FOREACH(q, &app->jobs) {
    gal_job *j = GF__QUEUE_DATA(q, gal_job, node);
    if (j->gen)
      gf_cancel(j->gen);
  }
}

void gal_jobs_free(gal_app *app) {
  gf__queue *q;
  while ((q = gf__queue_head(&app->jobs)))
    job_free(GF__QUEUE_DATA(q, gal_job, node));
  app->done = app->running = 0;
}
