/* Accept-Encoding, read for gzip only: the simulator has no other coding. */
#include "sim/accept.h"

#include <strings.h>

static int is_ows(char c) { return c == ' ' || c == '\t'; }

/* qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ): 1 when it
 * is above 0, 0 when it is 0, -1 when it is not a qvalue. */
static int qvalue(const char *p, size_t n) {
  if (n == 0 || (p[0] != '0' && p[0] != '1'))
    return -1;
  if (n > 1 && (p[1] != '.' || n > 5))
    return -1;
  int above = p[0] == '1';
  for (size_t i = 2; i < n; i++) {
    if (p[i] < '0' || p[i] > '9' || (p[0] == '1' && p[i] != '0'))
      return -1;
    above |= p[i] != '0';
  }
  return above;
}

/* The q-value of one element's parameters p[0..n) (after the coding):
 * 1 (the default), 0, or -1 for a q that does not parse. Parameters other
 * than q are ignored. */
static int element_q(const char *p, size_t n) {
  int q = 1;
  size_t i = 0;
  while (i < n) {
    while (i < n && (is_ows(p[i]) || p[i] == ';'))
      i++;
    size_t start = i;
    while (i < n && p[i] != ';')
      i++;
    size_t end = i;
    while (end > start && is_ows(p[end - 1]))
      end--;
    const char *a = p + start;
    size_t len = end - start;
    if (len >= 2 && (a[0] == 'q' || a[0] == 'Q')) {
      size_t k = 1;
      while (k < len && is_ows(a[k]))
        k++;
      if (k < len && a[k] == '=') {
        k++;
        while (k < len && is_ows(a[k]))
          k++;
        q = qvalue(a + k, len - k);
      }
    }
  }
  return q;
}

int gf__sim_accepts_gzip(const char *v, size_t n) {
  int gzip = -1, star = -1; /* -1: not named; else its q above 0 */
  size_t i = 0;
  while (i < n) {
    while (i < n && (is_ows(v[i]) || v[i] == ','))
      i++;
    size_t start = i;
    while (i < n && v[i] != ',' && v[i] != ';' && !is_ows(v[i]))
      i++;
    size_t tok = i - start;
    size_t pstart = i;
    while (i < n && v[i] != ',')
      i++;
    if (tok == 0)
      continue;
    int q = element_q(v + pstart, i - pstart);
    if (q < 0)
      continue; /* not understood: accepts nothing */
    const char *t = v + start;
    if ((tok == 4 && !strncasecmp(t, "gzip", 4)) ||
        (tok == 6 && !strncasecmp(t, "x-gzip", 6)))
      gzip = gzip == 1 ? 1 : q; /* named twice: either one accepting it */
    else if (tok == 1 && t[0] == '*')
      star = q;
  }
  return gzip >= 0 ? gzip == 1 : star == 1;
}
