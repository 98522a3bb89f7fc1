/* API keys as the service treats them: none at all (neither ?key= nor
 * x-goog-api-key) is 403 PERMISSION_DENIED; a key reported as leaked
 * (--reject-key) is 403 too; a key that is not valid is 400
 * INVALID_ARGUMENT with an ErrorInfo reason API_KEY_INVALID. What is valid:
 * the one key of --api-key-file or GEMFLOW_SIM_API_KEY when one is set,
 * else any key that is not empty (so that anyone can point a client at
 * the simulator). A key is never printed, logged or put in an error. */
#ifndef GF_SIM_APIKEY_H
#define GF_SIM_APIKEY_H
#include <stddef.h>

#include "sim/apierr.h"

#define GF_SIM_ENV_KEY "GEMFLOW_SIM_API_KEY"
#define GF_SIM_KEY_MAX 512

typedef struct gf__sim_keys {
  const char *accept;        /* the one valid key; NULL: any non-empty one */
  const char *const *reject; /* keys reported as leaked: 403 */
  size_t nreject;
} gf__sim_keys;

struct gf__sim_req;

/* The key the service checks: header_key (x-goog-api-key) when not empty,
 * else query_key (from the target); notes which in r->key_from. Either may
 * be NULL. */
const char *gf__sim_req_pick_key(struct gf__sim_req *r, const char *header_key,
                                 const char *query_key);
/* key: from gf__sim_req_pick_key; NULL or "" when none. keys NULL: any
 * non-empty key. 0, or -1 with e set. */
int gf__sim_req_key(struct gf__sim_req *r, const char *key,
                    const gf__sim_keys *keys, gf__sim_err *e);

/* The accepted key: from file (its first line, without the line end and
 * surrounding blanks) when file is not NULL, else from GEMFLOW_SIM_API_KEY.
 * 0 with out set ("" when neither gives one: any key then), or -1 with a
 * message in err (which never quotes the key). out holds GF_SIM_KEY_MAX
 * bytes. */
int gf__sim_load_key(const char *file, char *out, char *err, size_t errlen);
#endif
