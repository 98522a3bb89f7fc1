/* The public request object: setters that copy and validate, so that a bad
 * ratio, size or reference is refused before any byte goes on the wire. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemini/gemini_int.h"

#define GF__MODEL_MAX 200
#define GF__MIME_MAX 64
/* The service takes about 20 MB of inline data per request. */
#define GF__REF_FILE_MAX (64u * 1024 * 1024)

static int gf__set_str(char **dst, const char *src);
static int gf__utf8_ok(const char *s);
static int gf__mime_ok(const char *m);
static int gf__ref_push(gf_request *req, const void *data, size_t len,
                        const char *mime);

gf_request *gf_request_new(void) {
  gf_request *req = calloc(1, sizeof *req);
  if (req)
    req->modalities = GF_MOD_TEXT_IMAGE;
  return req;
}

void gf_request_free(gf_request *req) {
  if (!req)
    return;
  free(req->model);
  free(req->prompt);
  free(req->aspect);
  free(req->size);
  for (int i = 0; i < req->nrefs; i++) {
    free(req->refs[i].data);
    free(req->refs[i].mime);
  }
  free(req);
}

int gf_request_set_model(gf_request *req, const char *model) {
  if (!req)
    return GF_EINVAL;
  if (model) {
    size_t n = strlen(model);
    if (n == 0 || n > GF__MODEL_MAX || !gf__utf8_ok(model))
      return GF_EINVAL;
    for (size_t i = 0; i < n; i++)
      if ((unsigned char)model[i] < 0x20 || model[i] == 0x7f)
        return GF_EINVAL;
  }
  return gf__set_str(&req->model, model);
}

int gf_request_set_prompt(gf_request *req, const char *text) {
  if (!req)
    return GF_EINVAL;
  /* json-c copies bytes as they are: invalid UTF-8 would reach the service
   * and come back as a 400 after a connection was paid for. */
  if (text && !gf__utf8_ok(text))
    return GF_EINVAL;
  return gf__set_str(&req->prompt, text);
}

int gf_request_set_aspect(gf_request *req, const char *ratio) {
  if (!req)
    return GF_EINVAL;
  if (ratio && gf__model_check_aspect(gf__gemini_model(req), ratio,
                                      req->passthrough) != 0)
    return GF_EINVAL;
  return gf__set_str(&req->aspect, ratio);
}

int gf_request_set_size(gf_request *req, const char *size) {
  if (!req)
    return GF_EINVAL;
  if (size &&
      gf__model_check_size(gf__gemini_model(req), size, req->passthrough) != 0)
    return GF_EINVAL;
  return gf__set_str(&req->size, size);
}

void gf_request_set_passthrough(gf_request *req, int on) {
  if (req)
    req->passthrough = on != 0;
}

int gf_request_set_modalities(gf_request *req, int modalities) {
  if (!req || (modalities != GF_MOD_IMAGE && modalities != GF_MOD_TEXT_IMAGE))
    return GF_EINVAL;
  req->modalities = modalities;
  return 0;
}

void gf_request_set_search(gf_request *req, int on) {
  if (req)
    req->search = on != 0;
}

int gf_request_add_ref(gf_request *req, const void *data, size_t len,
                       const char *mime) {
  if (!req || !data || len == 0 || req->nrefs >= GF_MAX_REFS)
    return GF_EINVAL;
  if (len > GF__REF_FILE_MAX)
    return GF_ETOOBIG;
  if (!mime) {
    mime = gf_sniff_mime(data, len);
    if (!mime)
      return GF_EUNSUPPORTED;
  } else if (!gf__mime_ok(mime)) {
    return GF_EINVAL;
  }
  return gf__ref_push(req, data, len, mime);
}

int gf_request_add_ref_file(gf_request *req, const char *path) {
  if (!req || !path || req->nrefs >= GF_MAX_REFS)
    return GF_EINVAL;
  FILE *f = fopen(path, "rb");
  if (!f)
    return GF_EIO;
  gf__buf b;
  gf__buf_init(&b, GF__REF_FILE_MAX);
  char chunk[65536];
  int rc = 0;
  size_t got;
  while (!rc && (got = fread(chunk, 1, sizeof chunk, f)) > 0)
    rc = gf__buf_append(&b, chunk, got);
  if (!rc && ferror(f))
    rc = GF_EIO;
  fclose(f);
  if (!rc) {
    const char *mime = gf_sniff_mime(b.data, b.len);
    rc = mime ? gf__ref_push(req, b.data, b.len, mime) : GF_EUNSUPPORTED;
  }
  gf__buf_free(&b);
  return rc;
}

const char *gf__gemini_model(const gf_request *req) {
  return req && req->model ? req->model : GF_DEFAULT_MODEL;
}

gf_request *gf__request_dup(const gf_request *req) {
  gf_request *c = gf_request_new();
  if (!c || !req)
    return c;
  c->passthrough = req->passthrough;
  c->modalities = req->modalities;
  c->search = req->search;
  if (gf__set_str(&c->model, req->model) ||
      gf__set_str(&c->prompt, req->prompt) ||
      gf__set_str(&c->aspect, req->aspect) || gf__set_str(&c->size, req->size))
    goto fail;
  for (int i = 0; i < req->nrefs; i++)
    if (gf__ref_push(c, req->refs[i].data, req->refs[i].len, req->refs[i].mime))
      goto fail;
  return c;
fail:
  gf_request_free(c);
  return NULL;
}

static int gf__set_str(char **dst, const char *src) {
  char *c = NULL;
  if (src && !(c = strdup(src)))
    return GF_ENOMEM;
  free(*dst);
  *dst = c;
  return 0;
}

static int gf__ref_push(gf_request *req, const void *data, size_t len,
                        const char *mime) {
  gf__ref *r = &req->refs[req->nrefs];
  r->data = malloc(len);
  r->mime = strdup(mime);
  if (!r->data || !r->mime) {
    free(r->data);
    free(r->mime);
    r->data = NULL;
    r->mime = NULL;
    return GF_ENOMEM;
  }
  memcpy(r->data, data, len);
  r->len = len;
  req->nrefs++;
  return 0;
}

/* "type/subtype": printable ASCII, no spaces or quotes. */
static int gf__mime_ok(const char *m) {
  size_t n = strlen(m);
  const char *slash = strchr(m, '/');
  if (n == 0 || n > GF__MIME_MAX || !slash || slash == m || !slash[1])
    return 0;
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)m[i];
    if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\')
      return 0;
  }
  return 1;
}

/* Well-formed UTF-8 (RFC 3629): no overlongs, surrogates or values above
 * U+10FFFF. */
static int gf__utf8_ok(const char *s) {
  const unsigned char *p = (const unsigned char *)s;
  while (*p) {
    unsigned c = *p++;
    int more;
    unsigned min, v;
    if (c < 0x80)
      continue;
    if (c >= 0xC2 && c <= 0xDF)
      more = 1, min = 0x80, v = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
      more = 2, min = 0x800, v = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
      more = 3, min = 0x10000, v = c & 0x07;
    else
      return 0;
    while (more--) {
      if ((*p & 0xC0) != 0x80)
        return 0;
      v = v << 6 | (*p++ & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
      return 0;
  }
  return 1;
}
