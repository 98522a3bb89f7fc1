/* gf_request_digest: a fingerprint of what a request asks for, so that a
 * resumed batch can tell an unchanged item from an edited one. Every field
 * is written with a tag and its length, so no two different requests give
 * the same byte sequence to hash. */
#include <string.h>

#include "common/sha256.h"
#include "gemini/gemini_int.h"

static void put(gf__sha256 *s, char tag, const void *p, size_t n) {
  unsigned char head[9];
  head[0] = (unsigned char)tag;
  for (int i = 0; i < 8; i++)
    head[1 + i] = (unsigned char)((uint64_t)n >> (8 * (7 - i)));
  gf__sha256_update(s, head, sizeof head);
  gf__sha256_update(s, p, n);
}

static void put_str(gf__sha256 *s, char tag, const char *v) {
  if (v)
    put(s, tag, v, strlen(v));
  else
    put(s, (char)(tag | 0x20), "", 0); /* absent differs from "" */
}

int gf_request_digest(const gf_request *req, unsigned char out[32]) {
  if (!req || !out)
    return GF_EINVAL;
  gf__sha256 s;
  gf__sha256_init(&s);
  put(&s, 'V', "gemflow-request-1", 17);
  put_str(&s, 'M', gf__gemini_model(req));
  put_str(&s, 'P', req->prompt);
  put_str(&s, 'A', req->aspect);
  put_str(&s, 'S', req->size);
  unsigned char flags[2] = {(unsigned char)req->modalities,
                            (unsigned char)(req->search != 0)};
  put(&s, 'F', flags, sizeof flags);
  for (int i = 0; i < req->nrefs; i++) {
    put_str(&s, 'T', req->refs[i].mime);
    put(&s, 'R', req->refs[i].data, req->refs[i].len);
  }
  gf__sha256_final(&s, out);
  return 0;
}
