#include "sim/apikey.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/request.h"

const char *gf__sim_req_pick_key(gf__sim_req *r, const char *header_key,
                                 const char *query_key) {
  if (header_key && *header_key) {
    r->key_from = "header";
    return header_key;
  }
  r->key_from = query_key && *query_key ? "query" : NULL;
  return query_key;
}

/* Equal strings, compared over their whole length. */
static int same(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  unsigned diff = la != lb;
  for (size_t i = 0; i < la && i < lb; i++)
    diff |= (unsigned)(a[i] ^ b[i]);
  return diff == 0;
}

int gf__sim_req_key(gf__sim_req *r, const char *key, const gf__sim_keys *keys,
                    gf__sim_err *e) {
  r->key_ok = 0;
  if (!key || !*key)
    return gf__sim_err_set(
        e, 403, "PERMISSION_DENIED",
        "Method doesn't allow unregistered callers (callers without "
        "established identity). Please use API Key or other form of API "
        "consumer identity to call this API.");
  for (size_t i = 0; keys && i < keys->nreject; i++)
    if (same(key, keys->reject[i]))
      return gf__sim_err_set(e, 403, "PERMISSION_DENIED",
                             "Your API key was reported as leaked. Please "
                             "use another API key.");
  if (keys && keys->accept && !same(key, keys->accept)) {
    gf__sim_err_set(e, 400, "INVALID_ARGUMENT",
                    "API key not valid. Please pass a valid API key.");
    e->reason = "API_KEY_INVALID";
    e->localized = 1;
    return -1;
  }
  r->key_ok = 1;
  return 0;
}

/* s without blanks and line ends around it, in place. */
static char *trim(char *s) {
  s += strspn(s, " \t\r\n");
  size_t n = strlen(s);
  while (n && strchr(" \t\r\n", s[n - 1]))
    s[--n] = '\0';
  return s;
}

int gf__sim_load_key(const char *file, char *out, char *err, size_t errlen) {
  char buf[GF_SIM_KEY_MAX + 2];
  out[0] = '\0';
  if (!file) {
    const char *env = getenv(GF_SIM_ENV_KEY);
    if (!env)
      return 0;
    if (strlen(env) >= GF_SIM_KEY_MAX) {
      snprintf(err, errlen, "%s is too long", GF_SIM_ENV_KEY);
      return -1;
    }
    snprintf(buf, sizeof buf, "%s", env);
    snprintf(out, GF_SIM_KEY_MAX, "%s", trim(buf));
    return 0;
  }
  FILE *f = fopen(file, "r");
  if (!f) {
    snprintf(err, errlen, "cannot read --api-key-file %.200s: %s", file,
             strerror(errno));
    return -1;
  }
  int ok = fgets(buf, sizeof buf, f) != NULL;
  fclose(f);
  char *key = ok ? trim(buf) : NULL;
  size_t n = key ? strlen(key) : 0;
  if (!n || n >= GF_SIM_KEY_MAX) {
    snprintf(err, errlen, "--api-key-file %.200s: %s", file,
             n ? "the key is too long" : "no key on its first line");
    return -1;
  }
  memcpy(out, key, n + 1);
  return 0;
}
