/* Request validation, as the service does it: the target (path, model,
 * alt), the method, the API key, then the JSON body. Every failure is an
 * error answer (status, Google status string, message naming the field). */
#ifndef GF_SIM_REQUEST_H
#define GF_SIM_REQUEST_H
#include <stddef.h>
#include <stdint.h>

#include "sim/apierr.h"

struct json_object;

#define GF_SIM_BODY_MAX (64u * 1024 * 1024)
#define GF_SIM_MAX_REFS 14
#define GF_SIM_REF_TOKENS 560 /* prompt tokens per input image */

typedef struct gf__sim_req {
  char model[128];
  int sse;        /* alt=sse */
  int key_ok;     /* a key was given and is not rejected */
  char *prompt;   /* the text parts of the last user turn, "\n"-joined */
  size_t plen;
  char aspect[8], size[4]; /* "1:1", "1K" when not given */
  int w, h;
  uint64_t seed;  /* generationConfig.seed, else the server's */
  int text_modality; /* TEXT was asked for too */
  int nrefs;      /* inline images in the request */
  int prompt_tokens;
  /* What reached the wire, for the log only (validation ignores them):
   * where the key came from ("query", "header"; NULL: none), the
   * responseModalities value as sent (a reference; NULL: absent), and
   * whether tools held a google_search entry. */
  const char *key_from;
  struct json_object *modalities;
  int search;
} gf__sim_req;

void gf__sim_req_init(gf__sim_req *r);
void gf__sim_req_free(gf__sim_req *r);

/* Path, model, query (alt, key) and method. key (from the query, decoded)
 * is copied to keybuf when present. -1 with e set, or 0. */
int gf__sim_req_target(gf__sim_req *r, const char *method, const char *target,
                       char *keybuf, size_t keysize, gf__sim_err *e);
/* The key the service checks: header_key (x-goog-api-key) when not empty,
 * else query_key (from gf__sim_req_target); notes which in r->key_from.
 * Either may be NULL. */
const char *gf__sim_req_pick_key(gf__sim_req *r, const char *header_key,
                                 const char *query_key);
/* key: from x-goog-api-key, else from the query; NULL or "" when none. */
int gf__sim_req_key(gf__sim_req *r, const char *key,
                    const char *const *reject, size_t nreject,
                    gf__sim_err *e);
/* Notes r->modalities and r->search from the parsed body (NULL: not
 * JSON), whatever validation will say of it. */
void gf__sim_req_note_body(gf__sim_req *r, struct json_object *root);
/* The parsed body (NULL: not JSON). */
int gf__sim_req_body(gf__sim_req *r, struct json_object *root,
                     uint64_t default_seed, gf__sim_err *e);

/* All steps on a whole body (tests, and the connection once the body is
 * in): parses the JSON strictly, then validates in the service's order. */
int gf__sim_req_validate(gf__sim_req *r, const char *method,
                         const char *target, const char *header_key,
                         const char *body, size_t n,
                         const char *const *reject, size_t nreject,
                         uint64_t default_seed, gf__sim_err *e);
/* A strict json-c tokener (the connection feeds it as the body arrives). */
struct json_tokener *gf__sim_json_tokener(void);
#endif
