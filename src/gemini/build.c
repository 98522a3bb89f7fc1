/* The request body, in the seed's shape:
 * {"contents":[{"role":"user","parts":[{"text":...},{"inline_data":{...}}]}],
 *  "generationConfig":{"responseModalities":[...],"imageConfig":{...}},
 *  "tools":[{"google_search":{}}]}
 * Written straight into the body buffer, every append checked: json-c's
 * serializer ignores a failed growth of its buffer and drops text from the
 * middle (a request with an empty prompt went out under memory pressure),
 * and a reference image's base64 would be copied twice more on the way. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemini/chat.h"

static int gf__put(gf__buf *b, const char *s);
static int gf__put_user(gf__buf *b, const gf_request *req);
static int gf__put_model(gf__buf *b, const gf__cturn *t);
static int gf__put_ref(gf__buf *b, const gf__ref *r);
static int gf__put_config(gf__buf *b, const gf_request *req);
static int gf__target(const char *model, int use_sse, gf__buf *target);

int gf__gemini_build(const gf_request *req, int use_sse, gf__buf *body,
                     gf__buf *target) {
  return gf__gemini_build_chat(NULL, req, use_sse, body, target);
}

int gf__gemini_build_chat(const gf_chat *chat, const gf_request *req,
                          int use_sse, gf__buf *body, gf__buf *target) {
  if (!req || !body || !target || !req->prompt || !*req->prompt)
    return GF_EINVAL;
  const char *model = gf__gemini_model(req);
  /* The model may have changed after the ratio or size was set. */
  if ((req->aspect &&
       gf__model_check_aspect(model, req->aspect, req->passthrough)) ||
      (req->size && gf__model_check_size(model, req->size, req->passthrough)))
    return GF_EINVAL;
  size_t start = body->len;
  int rc = gf__put(body, "{\"contents\":[");
  for (int i = 0; chat && !rc && i < chat->nturns; i++) {
    rc = gf__put_user(body, chat->turns[i].user);
    if (!rc)
      rc = gf__put(body, ",");
    if (!rc)
      rc = gf__put_model(body, chat->turns[i].model);
    if (!rc)
      rc = gf__put(body, ",");
  }
  if (!rc)
    rc = gf__put_user(body, req);
  if (!rc)
    rc = gf__put(body, "],");
  if (!rc)
    rc = gf__put_config(body, req);
  if (!rc && req->search)
    rc = gf__put(body, ",\"tools\":[{\"google_search\":{}}]");
  if (!rc)
    rc = gf__put(body, "}");
  if (rc) {
    gf__buf_truncate(body, start); /* nothing half written */
    return rc;
  }
  return gf__target(model, use_sse, target);
}

static int gf__put(gf__buf *b, const char *s) {
  return gf__buf_append(b, s, strlen(s));
}

/* A JSON string: quotes, backslashes and control characters escaped, as
 * json-c does; UTF-8 (checked by the setters) and '/' pass as they are. */
int gf__json_put_str(gf__buf *b, const char *s) {
  int rc = gf__buf_appendc(b, '"');
  for (const unsigned char *p = (const unsigned char *)s; !rc && *p; p++) {
    const unsigned char *run = p;
    while (*p >= 0x20 && *p != '"' && *p != '\\')
      p++;
    if (p > run)
      rc = gf__buf_append(b, run, (size_t)(p - run));
    if (rc || !*p)
      break;
    switch (*p) {
    case '"': rc = gf__put(b, "\\\""); break;
    case '\\': rc = gf__put(b, "\\\\"); break;
    case '\b': rc = gf__put(b, "\\b"); break;
    case '\f': rc = gf__put(b, "\\f"); break;
    case '\n': rc = gf__put(b, "\\n"); break;
    case '\r': rc = gf__put(b, "\\r"); break;
    case '\t': rc = gf__put(b, "\\t"); break;
    default: rc = gf__buf_printf(b, "\\u%04x", *p);
    }
  }
  return rc ? rc : gf__buf_appendc(b, '"');
}

/* {"role":"user","parts":[{"text":...},{"inline_data":...}...]} */
static int gf__put_user(gf__buf *b, const gf_request *req) {
  int rc = gf__put(b, "{\"role\":\"user\",\"parts\":[{\"text\":");
  if (!rc)
    rc = gf__json_put_str(b, req->prompt);
  if (!rc)
    rc = gf__put(b, "}");
  for (int i = 0; !rc && i < req->nrefs; i++)
    rc = gf__put_ref(b, &req->refs[i]);
  return rc ? rc : gf__put(b, "]}");
}

int gf__json_put_b64(gf__buf *b, const unsigned char *p, size_t n) {
  char *b64 = malloc(GF_B64_ENC_LEN(n) + 1);
  if (!b64)
    return GF_ENOMEM;
  size_t len = gf__b64_encode(p, n, b64);
  int rc = gf__buf_appendc(b, '"');
  if (!rc)
    rc = gf__buf_append(b, b64, len); /* base64 needs no escaping */
  if (!rc)
    rc = gf__buf_appendc(b, '"');
  free(b64);
  return rc;
}

/* A part as the service sent it: camelCase, the signature beside it. */
static int gf__put_part(gf__buf *b, const gf__cpart *p) {
  int rc;
  if (p->image) {
    rc = gf__put(b, "{\"inlineData\":{\"mimeType\":");
    if (!rc)
      rc = gf__json_put_str(b, p->mime ? p->mime : "image/png");
    if (!rc)
      rc = gf__put(b, ",\"data\":");
    if (!rc)
      rc = gf__json_put_b64(b, p->data, p->len);
    if (!rc)
      rc = gf__put(b, "}");
  } else {
    rc = gf__put(b, "{\"text\":");
    if (!rc)
      rc = gf__json_put_str(b, p->text ? p->text : "");
  }
  if (!rc && p->thought)
    rc = gf__put(b, ",\"thought\":true");
  if (!rc && p->signature) {
    rc = gf__put(b, ",\"thoughtSignature\":");
    if (!rc)
      rc = gf__json_put_str(b, p->signature);
  }
  return rc ? rc : gf__put(b, "}");
}

static int gf__put_model(gf__buf *b, const gf__cturn *t) {
  int rc = gf__put(b, "{\"role\":\"model\",\"parts\":[");
  for (int i = 0; !rc && i < t->nparts; i++) {
    if (i)
      rc = gf__put(b, ",");
    if (!rc)
      rc = gf__put_part(b, &t->parts[i]);
  }
  return rc ? rc : gf__put(b, "]}");
}

static int gf__put_ref(gf__buf *b, const gf__ref *r) {
  int rc = gf__put(b, ",{\"inline_data\":{\"mime_type\":");
  if (!rc)
    rc = gf__json_put_str(b, r->mime);
  if (!rc)
    rc = gf__put(b, ",\"data\":");
  if (!rc)
    rc = gf__json_put_b64(b, r->data, r->len);
  return rc ? rc : gf__put(b, "}}");
}

/* imageConfig only when something is in it, its keys only when set. */
static int gf__put_config(gf__buf *b, const gf_request *req) {
  int rc = gf__put(b, req->modalities == GF_MOD_TEXT_IMAGE
                          ? "\"generationConfig\":{\"responseModalities\":"
                            "[\"TEXT\",\"IMAGE\"]"
                          : "\"generationConfig\":{\"responseModalities\":"
                            "[\"IMAGE\"]");
  if (!rc && (req->aspect || req->size))
    rc = gf__put(b, ",\"imageConfig\":{");
  if (!rc && req->aspect) {
    rc = gf__put(b, "\"aspectRatio\":");
    if (!rc)
      rc = gf__json_put_str(b, req->aspect);
  }
  if (!rc && req->size) {
    rc = gf__put(b, req->aspect ? ",\"imageSize\":" : "\"imageSize\":");
    if (!rc)
      rc = gf__json_put_str(b, req->size);
  }
  if (!rc && (req->aspect || req->size))
    rc = gf__put(b, "}");
  return rc ? rc : gf__put(b, "}");
}

/* RFC 3986 unreserved characters stay; everything else (':' and '/'
 * included, which would change the path) is percent-encoded. */
static int gf__target(const char *model, int use_sse, gf__buf *target) {
  static const char hex[] = "0123456789ABCDEF";
  int rc = gf__buf_append(target, "/v1beta/models/", 15);
  for (const unsigned char *p = (const unsigned char *)model; !rc && *p; p++) {
    unsigned c = *p;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
        c == '~') {
      rc = gf__buf_appendc(target, (char)c);
    } else {
      char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
      rc = gf__buf_append(target, esc, 3);
    }
  }
  if (!rc)
    rc = gf__buf_append(target, ":streamGenerateContent", 22);
  if (!rc && use_sse)
    rc = gf__buf_append(target, "?alt=sse", 8);
  return rc;
}
