/* A multi-turn chat's history: user turns (a copy of each request) and the
 * model's turns (the parts the service wants back, signatures included),
 * alternating. The generation fills a gf__cturn as the stream goes and
 * commits it with its request once it has succeeded. */
#include <stdlib.h>
#include <string.h>

#include "common/sha256.h"
#include "gemini/chat.h"

static void sha256_of(const unsigned char *p, size_t n, unsigned char out[32]);

/* ---- public ------------------------------------------------------------- */

gf_chat *gf_chat_new(void) { return calloc(1, sizeof(gf_chat)); }

void gf_chat_free(gf_chat *c) {
  if (!c)
    return;
  for (int i = 0; i < c->nturns; i++) {
    gf_request_free(c->turns[i].user);
    gf__cturn_free(c->turns[i].model);
  }
  free(c->turns);
  free(c);
}

int gf_chat_turns(const gf_chat *c) { return c ? c->nturns : 0; }

void gf_free(void *p) { free(p); }

/* ---- a model turn being received ---------------------------------------- */

gf__cturn *gf__cturn_new(void) { return calloc(1, sizeof(gf__cturn)); }

static void cpart_free(gf__cpart *p) {
  free(p->text);
  free(p->mime);
  free(p->data);
  free(p->file);
  free(p->signature);
}

void gf__cturn_clear(gf__cturn *t) {
  for (int i = 0; i < t->nparts; i++)
    cpart_free(&t->parts[i]);
  t->nparts = 0;
}

void gf__cturn_free(gf__cturn *t) {
  if (!t)
    return;
  gf__cturn_clear(t);
  free(t->parts);
  free(t);
}

static int dup_or_null(char **dst, const char *s, size_t n) {
  *dst = NULL;
  if (!s)
    return 0;
  *dst = malloc(n + 1);
  if (!*dst)
    return GF_ENOMEM;
  memcpy(*dst, s, n);
  (*dst)[n] = '\0';
  return 0;
}

static gf__cpart *next_part(gf__cturn *t) {
  if (t->nparts == t->cap) {
    int cap = t->cap ? 2 * t->cap : 8;
    gf__cpart *p = realloc(t->parts, (size_t)cap * sizeof *p);
    if (!p)
      return NULL;
    t->parts = p;
    t->cap = cap;
  }
  gf__cpart *p = &t->parts[t->nparts];
  memset(p, 0, sizeof *p);
  return p;
}

int gf__cturn_add(gf__cturn *t, const gf__ev_part *in, unsigned char *data,
                  size_t len) {
  /* Thoughts without a signature are the model's notes to itself: the
   * service does not need them back (and draft images are megabytes). */
  if (in->thought && !in->signature) {
    free(data);
    return 0;
  }
  gf__cpart *p = next_part(t);
  if (!p) {
    free(data);
    return GF_ENOMEM;
  }
  p->thought = in->thought;
  p->image = in->image;
  p->data = data;
  p->len = len;
  if (in->image && data)
    sha256_of(data, len, p->sha256);
  if (dup_or_null(&p->text, in->text, in->text_len) ||
      dup_or_null(&p->mime, in->mime, in->mime ? strlen(in->mime) : 0) ||
      dup_or_null(&p->signature, in->signature,
                  in->signature ? strlen(in->signature) : 0)) {
    cpart_free(p);
    return GF_ENOMEM;
  }
  t->nparts++;
  return 0;
}

int gf__cturn_set_file(gf__cturn *t, const unsigned char sha[32],
                       const char *file) {
  for (int i = t->nparts - 1; i >= 0; i--) {
    gf__cpart *p = &t->parts[i];
    if (p->image && p->data && memcmp(p->sha256, sha, 32) == 0) {
      free(p->file);
      return dup_or_null(&p->file, file, strlen(file));
    }
  }
  return 0;
}

/* ---- the chat ----------------------------------------------------------- */

int gf__chat_acquire(gf_chat *c) {
  if (c->busy)
    return GF_EINVAL;
  c->busy = 1;
  return 0;
}

void gf__chat_release(gf_chat *c) { c->busy = 0; }

int gf__chat_push(gf_chat *c, gf_request *user, gf__cturn *model) {
  if (c->nturns == c->cap) {
    int cap = c->cap ? 2 * c->cap : 4;
    gf__chat_turn *t = realloc(c->turns, (size_t)cap * sizeof *t);
    if (!t)
      return GF_ENOMEM;
    c->turns = t;
    c->cap = cap;
  }
  c->turns[c->nturns++] = (gf__chat_turn){user, model};
  return 0;
}

int gf__chat_commit(gf_chat *c, const gf_request *req, gf__cturn **model) {
  gf_request *user = gf__request_dup(req);
  if (!user || gf__chat_push(c, user, *model)) {
    gf_request_free(user);
    return GF_ENOMEM;
  }
  *model = NULL;
  return 0;
}

static void sha256_of(const unsigned char *p, size_t n, unsigned char out[32]) {
  gf__sha256 s;
  gf__sha256_init(&s);
  gf__sha256_update(&s, p, n);
  gf__sha256_final(&s, out);
}
