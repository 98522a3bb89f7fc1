/* The retry policy: the transient faults of the service (API-FACTS: 408,
 * 429, 5xx, connection faults, error objects with those codes) and
 * exponential backoff with full jitter that never undercuts the server. */
#include "client/retry.h"

#include <string.h>

#include "gemflow.h"

static int transient_http(int code) {
  return code == 408 || code == 429 || code == 500 || code == 502 ||
         code == 503 || code == 504;
}

static int transient_api(int code, const char *status) {
  if (code == 429 || code == 500 || code == 503 || code == 504)
    return 1;
  return status && (strcmp(status, "RESOURCE_EXHAUSTED") == 0 ||
                    strcmp(status, "INTERNAL") == 0 ||
                    strcmp(status, "UNAVAILABLE") == 0);
}

int gf__retry_transient(int status, int http_status, int api_code,
                        const char *api_status) {
  switch (status) {
  case GF_ESTATUS:
    return transient_http(http_status);
  case GF_EAPI:
    return transient_api(api_code, api_status);
  case GF_ECONNECT:   /* refused, unreachable */
  case GF_ERESET:
  case GF_ETRUNCATED: /* EOF or a cut before the response ended */
  case GF_ENOFINISH:  /* a clean close before the finish reason */
  case GF_ETIMEDOUT:
    return 1;
  default:
    return 0;
  }
}

int64_t gf__retry_delay_ms(const gf__retry_policy *p, int n, double server_s,
                           uint64_t rnd) {
  double cap = (double)p->max_delay_ms;
  int64_t server_ms = 0;
  if (server_s > 0) { /* rounded up: never a millisecond early */
    double t = server_s * 1000.0;
    if (t > cap)
      return -1;
    server_ms = (int64_t)t;
    server_ms += (double)server_ms < t;
  }
  double bound = (double)p->initial_ms;
  for (int i = 1; i < n && bound < cap; i++)
    bound *= p->factor > 1 ? p->factor : 1;
  if (bound > cap)
    bound = cap;
  /* 53 random bits: a uniform double in [0, 1] */
  double u = (double)(rnd >> 11) / (double)((1ull << 53) - 1);
  int64_t d = (int64_t)(u * bound + 0.5);
  return d > server_ms ? d : server_ms;
}

uint64_t gf__retry_rand(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}
