/* The retry policy, pure: which outcomes are transient, and how long to
 * wait before the next attempt. No clock, no randomness of its own: both
 * come in as arguments, so every rule is unit-tested. */
#ifndef GF_CLIENT_RETRY_H
#define GF_CLIENT_RETRY_H
#include <stdint.h>

typedef struct gf__retry_policy {
  int max_attempts;     /* the first included; 1: never retry */
  uint64_t initial_ms;  /* the first delay's upper bound */
  uint64_t max_delay_ms; /* cap of one delay */
  double factor;        /* growth of the bound per attempt */
} gf__retry_policy;

/* 1 when another attempt may succeed where this one failed. status is the
 * attempt's GF_E* code; http_status, api_code and api_status describe the
 * error answer or the error object in the stream (0 / NULL if none). */
int gf__retry_transient(int status, int http_status, int api_code,
                        const char *api_status);

/* The delay in ms before attempt n + 1, after n attempts (n >= 1):
 * uniform in [0, min(cap, initial * factor^(n-1))] from rnd (any 64-bit
 * value: full jitter), never shorter than server_s (RetryInfo or
 * Retry-After; < 0 when absent). -1 when the server asks for more than the
 * cap: the caller fails rather than retry early. */
int64_t gf__retry_delay_ms(const gf__retry_policy *p, int n, double server_s,
                           uint64_t rnd);

/* A 64-bit pseudo-random step (splitmix64) for the jitter. */
uint64_t gf__retry_rand(uint64_t *state);
#endif
