/* The gallery's routes:
 *   GET  /                       the page
 *   GET  /api/config             ratios, sizes, limits, backend
 *   GET  /api/stats              counters (tests, curious people)
 *   POST /api/upload             a reference image (raw bytes) -> {id}
 *   POST /api/generate           {prompt, aspect, size, refs, chat} ->
 *                                {job, chat, events}
 *   GET  /api/jobs/ID/events     the job's event stream (SSE)
 *   POST /api/jobs/ID/cancel     cancel it
 *   GET  /img/ID                 an image
 * Every request must name this server in Host (a page of another site
 * whose name resolves to 127.0.0.1 sends its own); every POST must come
 * from this server's own page (Origin), since a POST starts work that may
 * cost money. */
#include "routes.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "jobs.h"
#include "page.h"

static int starts(const char *s, const char *prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* "/api/jobs/ID/events" -> ID; NULL when the path is not prefix ID suffix */
static const char *id_in(const char *path, const char *prefix,
                         const char *suffix, size_t *n) {
  if (!starts(path, prefix))
    return NULL;
  const char *id = path + strlen(prefix);
  size_t len = strlen(id), sl = strlen(suffix);
  if (len < sl || strcmp(id + len - sl, suffix) != 0)
    return NULL;
  *n = len - sl;
  return id;
}

size_t gal_route_body_limit(const char *method, const char *path, void *ud) {
  gal_app *app = ud;
  if (strcmp(method, "POST") != 0)
    return 0;
  if (strcmp(path, "/api/upload") == 0)
    return app->max_upload;
  if (strcmp(path, "/api/generate") == 0)
    return GAL_MAX_GEN_BODY;
  return 1024; /* cancel: no body needed */
}

static int host_ok(const gal_app *app, const char *host) {
  if (!host)
    return 0;
  if (app->any_host)
    return 1;
  for (int i = 0; i < app->nhosts; i++)
    if (strcmp(host, app->hosts[i]) == 0)
      return 1;
  return 0;
}

/* Same origin: the scheme is ours (http) and the rest is the Host the
 * request came to. */
static int origin_ok(const gal_req *r) {
  return r->origin && r->host && starts(r->origin, "http://") &&
         strcmp(r->origin + 7, r->host) == 0;
}

static void json_answer(gal_conn *c, int status, json_object *o) {
  const char *s = o ? json_object_to_json_string_ext(
                          o, JSON_C_TO_STRING_PLAIN |
                                 JSON_C_TO_STRING_NOSLASHESCAPE)
                    : NULL;
  if (s)
    gal_respond(c, status, "application/json", s, strlen(s));
  else
    gal_respond_error(c, 500, "out of memory", 0);
  json_object_put(o);
}

/* An error whose text the page shows: json-c escapes it. */
static void refuse(gal_conn *c, int status, const char *why) {
  json_object *o = json_object_new_object();
  json_object_object_add(o, "error", json_object_new_string(why));
  json_answer(c, status, o);
}

/* ---- GET ---- */

static void page(gal_conn *c) {
  static const gf__http_header h[] = {
      {"Cache-Control", "no-cache"},
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'unsafe-inline'; style-src "
       "'unsafe-inline'; img-src 'self' blob:; connect-src 'self'; "
       "frame-ancestors 'none'; form-action 'none'; base-uri 'none'"}};
  gal_respond_ref(c, 200, "text/html; charset=utf-8", h, 2, gal_page_html,
                  gal_page_html_len, NULL, NULL);
}

static void config(gal_conn *c, gal_app *app) {
  json_object *o = json_object_new_object();
  const char *model = app->model ? app->model : GF_DEFAULT_MODEL;
  const char *aspects = gf_model_aspects(model), *sizes = gf_model_sizes(model);
  json_object_object_add(o, "model", json_object_new_string(model));
  json_object_object_add(o, "aspects",
                         json_object_new_string(aspects ? aspects : "1:1"));
  json_object_object_add(o, "sizes",
                         json_object_new_string(sizes ? sizes : "1K"));
  json_object_object_add(o, "backend", json_object_new_string(app->backend));
  json_object_object_add(o, "max_upload",
                         json_object_new_int64((int64_t)app->max_upload));
  json_object_object_add(o, "max_refs", json_object_new_int(GF_MAX_REFS));
  json_answer(c, 200, o);
}

static void stats(gal_conn *c, gal_app *app) {
  json_object *o = json_object_new_object();
  json_object_object_add(o, "running", json_object_new_int(app->running));
  json_object_object_add(o, "done", json_object_new_int(app->done));
  json_object_object_add(o, "chats", json_object_new_int(app->nchats));
  json_object_object_add(o, "images",
                         json_object_new_int64((int64_t)app->store.count));
  json_object_object_add(o, "image_bytes",
                         json_object_new_int64((int64_t)app->store.bytes));
  json_object_object_add(o, "pauses",
                         json_object_new_int64((int64_t)app->pauses));
  json_object_object_add(o, "resumes",
                         json_object_new_int64((int64_t)app->resumes));
  json_object_object_add(
      o, "canceled_orphans",
      json_object_new_int64((int64_t)app->canceled_orphans));
  json_answer(c, 200, o);
}

static void image(gal_conn *c, gal_app *app, const char *id, size_t n) {
  gal_blob *b = gal_store_get(&app->store, id, n);
  if (!b) {
    gal_respond_error(c, 404, "no such image (or it was dropped)", 0);
    return;
  }
  /* an id names one image forever */
  static const gf__http_header h[] = {
      {"Cache-Control", "private, max-age=31536000, immutable"}};
  gal_blob_ref(b); /* until the bytes are written */
  gal_respond_ref(c, 200, b->mime, h, 1, b->data, b->len, gal_blob_release,
                  b);
}

static void events(gal_conn *c, gal_app *app, const char *id, size_t n) {
  gal_job *j = gal_job_find(app, id, n);
  if (!j)
    gal_respond_error(c, 404, "no such generation", 0);
  else
    gal_job_watch(j, c);
}

/* ---- POST ---- */

static void upload(gal_conn *c, gal_app *app, const gal_req *r) {
  const char *mime = gf_sniff_mime(r->body, r->body_len);
  if (!mime) {
    refuse(c, 415, "not an image this model takes (png, jpeg, webp, heic, "
                   "heif)");
    return;
  }
  unsigned char *copy = malloc(r->body_len);
  if (copy)
    memcpy(copy, r->body, r->body_len);
  gal_blob *b = copy ? gal_store_add(&app->store, copy, r->body_len, mime)
                     : NULL;
  if (!b) {
    refuse(c, 503, "no room for the image");
    return;
  }
  json_object *o = json_object_new_object();
  json_object_object_add(o, "id", json_object_new_string(b->id));
  json_object_object_add(o, "mime", json_object_new_string(mime));
  json_object_object_add(o, "bytes", json_object_new_int64((int64_t)b->len));
  json_answer(c, 201, o);
}

/* A string member, NULL when absent, empty, of another type, or holding a
 * NUL (C would see only the part before it). */
static const char *member(json_object *root, const char *k) {
  json_object *v;
  if (!json_object_object_get_ex(root, k, &v) ||
      !json_object_is_type(v, json_type_string))
    return NULL;
  const char *s = json_object_get_string(v);
  size_t n = (size_t)json_object_get_string_len(v);
  return n && strlen(s) == n ? s : NULL;
}

/* The refs array into r; NULL or a reason to refuse. */
static const char *take_refs(gal_app *app, json_object *root, gal_job_req *r,
                             int *status) {
  json_object *refs;
  if (!json_object_object_get_ex(root, "refs", &refs) || !refs)
    return NULL;
  *status = 400;
  if (!json_object_is_type(refs, json_type_array))
    return "refs must be a list of ids";
  size_t n = json_object_array_length(refs);
  if (n > GF_MAX_REFS)
    return "too many reference images";
  for (size_t i = 0; i < n; i++) {
    json_object *v = json_object_array_get_idx(refs, i);
    if (!json_object_is_type(v, json_type_string))
      return "refs must be a list of ids";
    const char *id = json_object_get_string(v);
    gal_blob *b = gal_store_get(&app->store, id, strlen(id));
    if (!b)
      return *status = 410, "a reference image is gone: add it again";
    r->refs[r->nrefs++] = b;
  }
  return NULL;
}

static const char *take_generate(gal_app *app, json_object *root,
                                 gal_job_req *r, int *status) {
  *status = 400;
  if (!json_object_is_type(root, json_type_object))
    return "the body must be a JSON object";
  if (!(r->prompt = member(root, "prompt")))
    return "the prompt is empty";
  if (strlen(r->prompt) > GAL_MAX_PROMPT)
    return *status = 413, "the prompt is too long";
  r->aspect = member(root, "aspect");
  r->size = member(root, "size");
  const char *chat = member(root, "chat");
  if (chat && !(r->chat = gal_chat_find(app, chat, strlen(chat))))
    return *status = 410, "that conversation is gone: start a new one";
  return take_refs(app, root, r, status);
}

static void generate(gal_conn *c, gal_app *app, const gal_req *r) {
  json_tokener *tok = json_tokener_new_ex(8);
  json_object *root =
      tok ? json_tokener_parse_ex(tok, r->body ? r->body : "", (int)r->body_len)
          : NULL;
  if (tok && json_tokener_get_error(tok) != json_tokener_success) {
    json_object_put(root);
    root = NULL;
  }
  gal_job_req jr = {0};
  int status = 400;
  const char *why = root ? take_generate(app, root, &jr, &status)
                         : "the body must be JSON";
  gal_job *j = NULL;
  if (!why)
    status = gal_job_start(app, &jr, &j, &why);
  if (why) {
    refuse(c, status, why);
  } else {
    json_object *o = json_object_new_object();
    char url[64];
    snprintf(url, sizeof url, "/api/jobs/%s/events", gal_job_id(j));
    json_object_object_add(o, "job", json_object_new_string(gal_job_id(j)));
    json_object_object_add(o, "chat",
                           json_object_new_string(gal_job_chat_id(j)));
    json_object_object_add(o, "events", json_object_new_string(url));
    json_answer(c, 202, o);
  }
  json_object_put(root);
  if (tok)
    json_tokener_free(tok);
}

static void cancel(gal_conn *c, gal_app *app, const char *id, size_t n) {
  gal_job *j = gal_job_find(app, id, n);
  if (!j) {
    gal_respond_error(c, 404, "no such generation", 0);
    return;
  }
  gal_job_cancel(j);
  gal_respond(c, 204, NULL, NULL, 0);
}

/* ---- dispatch ---- */

static void get(gal_conn *c, gal_app *app, const gal_req *r) {
  const char *id;
  size_t n;
  if (!strcmp(r->path, "/") || !strcmp(r->path, "/index.html"))
    page(c);
  else if (!strcmp(r->path, "/favicon.ico")) /* none: say so quietly */
    gal_respond(c, 204, NULL, NULL, 0);
  else if (!strcmp(r->path, "/api/config"))
    config(c, app);
  else if (!strcmp(r->path, "/api/stats"))
    stats(c, app);
  else if ((id = id_in(r->path, "/img/", "", &n)))
    image(c, app, id, n);
  else if ((id = id_in(r->path, "/api/jobs/", "/events", &n)))
    events(c, app, id, n);
  else
    gal_respond_error(c, 404, "not found", 0);
}

static void post(gal_conn *c, gal_app *app, const gal_req *r) {
  const char *id;
  size_t n;
  if (!origin_ok(r))
    gal_respond_error(c, 403, "cross-origin request refused", 0);
  else if (!strcmp(r->path, "/api/upload"))
    upload(c, app, r);
  else if (!strcmp(r->path, "/api/generate"))
    generate(c, app, r);
  else if ((id = id_in(r->path, "/api/jobs/", "/cancel", &n)))
    cancel(c, app, id, n);
  else
    gal_respond_error(c, 404, "not found", 0);
}

void gal_route(gal_conn *c, const gal_req *r, void *ud) {
  gal_app *app = ud;
  if (!host_ok(app, r->host))
    gal_respond_error(c, 421, "this server does not answer to that Host", 0);
  else if (!strcmp(r->method, "GET"))
    get(c, app, r);
  else if (!strcmp(r->method, "POST"))
    post(c, app, r);
  else
    gal_respond_error(c, 405, "method not allowed", 0);
}
