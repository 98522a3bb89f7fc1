/* The key never leaves the library: every text it hands out passes here. */
#ifndef GF_CLIENT_REDACT_H
#define GF_CLIENT_REDACT_H

/* Replaces every occurrence of key in s (in place) by "REDACTED"; s only
 * shrinks. Keys shorter than GF_REDACT_MIN are left alone. */
void gf__redact(const char *key, char *s);
#endif
