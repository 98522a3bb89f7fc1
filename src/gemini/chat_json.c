/* A chat as JSON text, so that another process (gemflow generate
 * --continue) can go on with it:
 *   {"gemflow_chat":1,"turns":[
 *     {"user":{"text":"...","refs":[{"mime_type":"image/png","data":"..."}]},
 *      "model":[{"text":"...","thought":true,"thoughtSignature":"..."},
 *               {"inlineData":{"mimeType":"image/png","file":"/abs/x.png",
 *                              "sha256":"<hex>"},"thoughtSignature":"..."},
 *               {"inlineData":{"mimeType":"image/png","data":"<base64>"}}]}]}
 * An image the file sink saved is referenced, not copied; loading it reads
 * the file back and refuses one whose contents changed. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"
#include "gemini/chat.h"

static int put_turn(gf__buf *b, const gf__chat_turn *t);
static int load_turn(gf_chat *c, json_object *t);

char *gf_chat_to_json(const gf_chat *c) {
  if (!c)
    return NULL;
  gf__buf b;
  gf__buf_init(&b, 0);
  int rc = gf__buf_printf(&b, "{\"gemflow_chat\":1,\"turns\":[");
  for (int i = 0; !rc && i < c->nturns; i++) {
    if (i)
      rc = gf__buf_appendc(&b, ',');
    if (!rc)
      rc = put_turn(&b, &c->turns[i]);
  }
  if (!rc)
    rc = gf__buf_printf(&b, "]}");
  if (rc) {
    gf__buf_free(&b);
    return NULL;
  }
  return gf__buf_steal(&b, NULL);
}

int gf_chat_from_json(const char *json, size_t len, gf_chat **out) {
  if (!json || !out)
    return GF_EINVAL;
  *out = NULL;
  json_object *root = NULL, *v = NULL, *turns = NULL;
  int rc = gf__json_parse(json, len, &root);
  if (rc)
    return rc;
  if (!json_object_object_get_ex(root, "gemflow_chat", &v) ||
      json_object_get_int(v) != 1 ||
      !json_object_object_get_ex(root, "turns", &turns) ||
      !json_object_is_type(turns, json_type_array)) {
    json_object_put(root);
    return GF_EJSON;
  }
  gf_chat *c = gf_chat_new();
  rc = c ? 0 : GF_ENOMEM;
  size_t n = json_object_array_length(turns);
  for (size_t i = 0; !rc && i < n; i++)
    rc = load_turn(c, json_object_array_get_idx(turns, i));
  json_object_put(root);
  if (rc) {
    gf_chat_free(c);
    return rc;
  }
  *out = c;
  return 0;
}

/* ---- writing ------------------------------------------------------------ */

static int put_key_str(gf__buf *b, const char *key, const char *s) {
  int rc = gf__buf_printf(b, ",\"%s\":", key);
  return rc ? rc : gf__json_put_str(b, s);
}

static int put_image(gf__buf *b, const gf__cpart *p) {
  int rc = gf__buf_printf(b, "{\"inlineData\":{\"mimeType\":");
  if (!rc)
    rc = gf__json_put_str(b, p->mime ? p->mime : "image/png");
  if (!rc && p->file) {
    char hex[65];
    gf_hex_sha256(p->sha256, hex);
    rc = put_key_str(b, "file", p->file);
    if (!rc)
      rc = put_key_str(b, "sha256", hex);
  } else if (!rc) {
    rc = gf__buf_printf(b, ",\"data\":");
    if (!rc)
      rc = gf__json_put_b64(b, p->data, p->len);
  }
  return rc ? rc : gf__buf_appendc(b, '}');
}

static int put_part(gf__buf *b, const gf__cpart *p) {
  int rc;
  if (p->image) {
    rc = put_image(b, p);
  } else {
    rc = gf__buf_printf(b, "{\"text\":");
    if (!rc)
      rc = gf__json_put_str(b, p->text ? p->text : "");
  }
  if (!rc && p->thought)
    rc = gf__buf_printf(b, ",\"thought\":true");
  if (!rc && p->signature)
    rc = put_key_str(b, "thoughtSignature", p->signature);
  return rc ? rc : gf__buf_appendc(b, '}');
}

static int put_user(gf__buf *b, const gf_request *u) {
  int rc = gf__buf_printf(b, "{\"text\":");
  if (!rc)
    rc = gf__json_put_str(b, u->prompt ? u->prompt : "");
  if (!rc)
    rc = gf__buf_printf(b, ",\"refs\":[");
  for (int i = 0; !rc && i < u->nrefs; i++) {
    rc = gf__buf_printf(b, "%s{\"mime_type\":", i ? "," : "");
    if (!rc)
      rc = gf__json_put_str(b, u->refs[i].mime);
    if (!rc)
      rc = gf__buf_printf(b, ",\"data\":");
    if (!rc)
      rc = gf__json_put_b64(b, u->refs[i].data, u->refs[i].len);
    if (!rc)
      rc = gf__buf_appendc(b, '}');
  }
  return rc ? rc : gf__buf_printf(b, "]}");
}

static int put_turn(gf__buf *b, const gf__chat_turn *t) {
  int rc = gf__buf_printf(b, "{\"user\":");
  if (!rc)
    rc = put_user(b, t->user);
  if (!rc)
    rc = gf__buf_printf(b, ",\"model\":[");
  for (int i = 0; !rc && i < t->model->nparts; i++) {
    if (i)
      rc = gf__buf_appendc(b, ',');
    if (!rc)
      rc = put_part(b, &t->model->parts[i]);
  }
  return rc ? rc : gf__buf_printf(b, "]}");
}

/* ---- reading ------------------------------------------------------------ */

static const char *get_str(json_object *o, const char *key) {
  json_object *v;
  if (!json_object_object_get_ex(o, key, &v) ||
      !json_object_is_type(v, json_type_string))
    return NULL;
  return json_object_get_string(v);
}

/* Base64 into a new buffer: 0, GF_EJSON or GF_ENOMEM. */
static int decode_b64(const char *s, unsigned char **out, size_t *len) {
  size_t n = strlen(s);
  *out = malloc(GF_B64_DEC_MAX(n) + 3);
  if (!*out)
    return GF_ENOMEM;
  gf__b64dec d;
  gf__b64_init(&d);
  size_t tail = 0;
  if (gf__b64_decode(&d, s, n, *out, len) ||
      gf__b64_finish(&d, *out + *len, &tail) || (*len += tail) == 0) {
    free(*out);
    *out = NULL;
    return GF_EJSON;
  }
  return 0;
}

static int read_file(const char *path, unsigned char **out, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return GF_EIO;
  gf__buf b;
  gf__buf_init(&b, 0);
  char chunk[65536];
  size_t n;
  int rc = 0;
  while (!rc && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
    rc = gf__buf_append(&b, chunk, n);
  if (!rc && ferror(f))
    rc = GF_EIO;
  fclose(f);
  if (rc) {
    gf__buf_free(&b);
    return rc;
  }
  *out = (unsigned char *)gf__buf_steal(&b, len);
  return 0;
}

/* An image part's bytes: inline, or its file checked against sha256. */
static int load_image(json_object *in, gf__ev_part *p, unsigned char **data,
                      size_t *len, const char **file, unsigned char sha[32]) {
  const char *b64 = get_str(in, "data"), *hex = get_str(in, "sha256");
  p->mime = get_str(in, "mimeType");
  *file = get_str(in, "file");
  if (b64) { /* inline: a "file" beside it is not where the bytes are */
    *file = NULL;
    return decode_b64(b64, data, len);
  }
  if (!*file || !hex || strlen(hex) != 64)
    return GF_EJSON;
  int rc = read_file(*file, data, len);
  if (rc)
    return rc;
  gf__sha256 s;
  gf__sha256_init(&s);
  gf__sha256_update(&s, *data, *len);
  gf__sha256_final(&s, sha);
  char got[65];
  gf_hex_sha256(sha, got);
  if (strcmp(got, hex) != 0) {
    free(*data);
    *data = NULL;
    return GF_EINVAL;
  }
  return 0;
}

static int load_part(gf__cturn *t, json_object *o) {
  json_object *v, *in = NULL;
  if (!json_object_is_type(o, json_type_object))
    return GF_EJSON;
  gf__ev_part p = {0};
  p.thought = json_object_object_get_ex(o, "thought", &v) &&
              json_object_get_boolean(v);
  p.signature = get_str(o, "thoughtSignature");
  p.text = get_str(o, "text");
  p.text_len = p.text ? strlen(p.text) : 0;
  unsigned char *data = NULL, sha[32];
  size_t len = 0;
  const char *file = NULL;
  if (!p.text) {
    if (!json_object_object_get_ex(o, "inlineData", &in) ||
        !json_object_is_type(in, json_type_object))
      return GF_EJSON;
    p.image = 1;
    int rc = load_image(in, &p, &data, &len, &file, sha);
    if (rc)
      return rc;
  }
  int rc = gf__cturn_add(t, &p, data, len);
  if (!rc && file)
    rc = gf__cturn_set_file(t, t->parts[t->nparts - 1].sha256, file);
  return rc;
}

static int load_user(json_object *o, gf_request **out) {
  json_object *refs = NULL;
  const char *text = get_str(o, "text");
  if (!text)
    return GF_EJSON;
  gf_request *u = gf_request_new();
  if (!u)
    return GF_ENOMEM;
  int rc = gf_request_set_prompt(u, text);
  if (!rc && json_object_object_get_ex(o, "refs", &refs)) {
    size_t n = json_object_is_type(refs, json_type_array)
                   ? json_object_array_length(refs) : 0;
    for (size_t i = 0; !rc && i < n; i++) {
      json_object *r = json_object_array_get_idx(refs, i);
      const char *b64 = get_str(r, "data");
      unsigned char *data = NULL;
      size_t len = 0;
      rc = b64 ? decode_b64(b64, &data, &len) : GF_EJSON;
      if (!rc)
        rc = gf_request_add_ref(u, data, len, get_str(r, "mime_type"));
      free(data);
    }
  }
  if (rc) {
    gf_request_free(u);
    return rc;
  }
  *out = u;
  return 0;
}

static int load_turn(gf_chat *c, json_object *o) {
  json_object *user = NULL, *model = NULL;
  if (!json_object_is_type(o, json_type_object) ||
      !json_object_object_get_ex(o, "user", &user) ||
      !json_object_object_get_ex(o, "model", &model) ||
      !json_object_is_type(model, json_type_array))
    return GF_EJSON;
  gf_request *u = NULL;
  gf__cturn *t = gf__cturn_new();
  int rc = t ? load_user(user, &u) : GF_ENOMEM;
  size_t n = json_object_array_length(model);
  for (size_t i = 0; !rc && i < n; i++)
    rc = load_part(t, json_object_array_get_idx(model, i));
  if (!rc)
    rc = gf__chat_push(c, u, t);
  if (rc) {
    gf_request_free(u);
    gf__cturn_free(t);
  }
  return rc;
}
