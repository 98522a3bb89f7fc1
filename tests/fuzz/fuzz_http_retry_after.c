/* libFuzzer target for Retry-After parsing. The input is the value; the
 * answer must be -1 or a finite number of seconds >= 0, the same with
 * whitespace around the value, and for a date, moving the clock forward
 * by d seconds must take d seconds off (down to 0). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *s = (const char *)data;
  const double now = 1748736000.0; /* 2025-06-01 */
  double v = gf__http_parse_retry_after(s, size, now);
  if (!(v == -1 || (v >= 0 && isfinite(v))))
    abort();

  char *padded = malloc(size + 4);
  memcpy(padded, " \t", 2);
  memcpy(padded + 2, data, size);
  memcpy(padded + 2 + size, "\t ", 2);
  if (gf__http_parse_retry_after(padded, size + 4, now) != v)
    abort();
  free(padded);

  /* a date (not delta-seconds: those are digits alone) is absolute;
   * within the same year the two-digit century rule cannot change */
  int letters = 0;
  for (size_t i = 0; i < size; i++)
    letters |= (data[i] >= 'A' && data[i] <= 'Z') ||
               (data[i] >= 'a' && data[i] <= 'z');
  if (v > 0 && letters) {
    double later = gf__http_parse_retry_after(s, size, now + 1000);
    double want = v > 1000 ? v - 1000 : 0;
    if (later != want)
      abort();
  }
  return 0;
}
