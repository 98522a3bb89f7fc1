/* The request's Accept-Encoding (RFC 9110 12.5.3): does it take gzip? */
#ifndef GF_SIM_ACCEPT_H
#define GF_SIM_ACCEPT_H
#include <stddef.h>

/* 1 when the list v[0..n) accepts gzip: "gzip" or "x-gzip" with a q-value
 * above 0, or, when neither is named, "*" with one. A coding named with
 * q=0 is refused, whatever "*" says; "identity" alone, an empty list and
 * an element whose q-value does not parse accept nothing. Names and
 * parameter names are case-insensitive. Several Accept-Encoding headers
 * are one list: the caller joins them with ", ". */
int gf__sim_accepts_gzip(const char *v, size_t n);
#endif
