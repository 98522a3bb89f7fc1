/* Request validation, as the service does it: the target (path, model,
 * alt), the method, the API key (apikey.h), then the JSON body: its top
 * level here, contents in contents.c, generationConfig in genconfig.c.
 * Every failure is an error answer (status, Google status string, message
 * and field path in the service's wording). */
#ifndef GF_SIM_REQUEST_H
#define GF_SIM_REQUEST_H
#include <stddef.h>
#include <stdint.h>

#include "sim/apierr.h"
#include "sim/apikey.h"

struct json_object;

#define GF_SIM_BODY_MAX (64u * 1024 * 1024)
#define GF_SIM_MAX_REFS 14
#define GF_SIM_REF_TOKENS 560 /* prompt tokens per input image */

/* gf__sim_req.sig_fail: the first thoughtSignature a model turn got
 * wrong. */
enum {
  GF_SIM_SIG_FINE,
  GF_SIM_SIG_MISSING_IMAGE, /* a non-thought image part has none */
  GF_SIM_SIG_MISSING_TEXT,  /* the text part before an image has none */
  GF_SIM_SIG_CORRUPTED,     /* one that is not ours for those bytes */
};

typedef struct gf__sim_req {
  char model[128];
  int sse;        /* alt=sse */
  int key_ok;     /* a key was given and is valid */
  int lenient;    /* set by the caller: --passthrough-fields */
  char *prompt;   /* the text parts of the last user turn, "\n"-joined */
  size_t plen;
  char aspect[8], size[4]; /* "1:1", "1K" when not given */
  int w, h;
  uint64_t seed;  /* generationConfig.seed, else the server's */
  int text_modality; /* TEXT was asked for too */
  int nrefs;      /* inline images in the request */
  int prompt_tokens;
  /* Multi-turn: the contents (turns) and what their signatures said:
   * sig_checked good ones, or sig_fail at 1-based content sig_content,
   * part sig_part. */
  int turns;
  int sig_checked, sig_fail;
  size_t sig_content, sig_part;
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
/* Notes r->modalities and r->search from the parsed body (NULL: not
 * JSON), whatever validation will say of it. */
void gf__sim_req_note_body(gf__sim_req *r, struct json_object *root);
/* The parsed body (NULL: not JSON). */
int gf__sim_req_body(gf__sim_req *r, struct json_object *root,
                     uint64_t default_seed, gf__sim_err *e);
/* For the log: "none" (no signature to check), "ok", "missing" or
 * "corrupted". */
const char *gf__sim_req_signatures(const gf__sim_req *r);

/* contents.c: the contents list (the prompt, references, model turns and
 * their signatures). */
int gf__sim_check_contents(gf__sim_req *r, struct json_object *contents,
                           gf__sim_err *e);

/* All steps on a whole body (tests, and the connection once the body is
 * in): parses the JSON strictly, then validates in the service's order.
 * keys NULL: any non-empty key. */
int gf__sim_req_validate(gf__sim_req *r, const char *method,
                         const char *target, const char *header_key,
                         const char *body, size_t n, const gf__sim_keys *keys,
                         uint64_t default_seed, gf__sim_err *e);
/* A strict json-c tokener (the connection feeds it as the body arrives). */
struct json_tokener *gf__sim_json_tokener(void);
#endif
