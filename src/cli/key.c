/* Key loading. The key is checked for characters that would break the
 * query string or the header it goes into, and wiped from every buffer it
 * passed through. */
#include "key.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static int gf__key_from_file(const char *file, char out[GF__KEY_MAX + 1]);
static int gf__key_set(const char *src, size_t n, const char *from,
                       char out[GF__KEY_MAX + 1]);

int gf__key_load(const char *file, char out[GF__KEY_MAX + 1]) {
  out[0] = '\0';
  if (file)
    return gf__key_from_file(file, out);
  const char *env = getenv("GEMINI_API_KEY");
  if (!env || !*env)
    return gf__usage_error("no API key: set GEMINI_API_KEY or use "
                           "--api-key-file FILE");
  return gf__key_set(env, strlen(env), "GEMINI_API_KEY", out);
}

void gf__key_wipe(char *key, size_t cap) {
  /* volatile: a plain memset before free may be optimised away. */
  volatile char *v = key;
  for (size_t i = 0; i < cap; i++)
    v[i] = 0;
}

static int gf__key_from_file(const char *file, char out[GF__KEY_MAX + 1]) {
  FILE *f = fopen(file, "rb");
  if (!f)
    return gf__usage_error("cannot read the key file %s: %s", file,
                           strerror(errno));
  /* Room for the longest key, surrounding blanks and the line end. */
  char buf[GF__KEY_MAX + 64];
  size_t n = fread(buf, 1, sizeof buf, f);
  int err = ferror(f);
  fclose(f);
  if (err) {
    gf__key_wipe(buf, sizeof buf);
    return gf__usage_error("cannot read the key file %s", file);
  }
  size_t line = 0;
  while (line < n && buf[line] != '\n')
    line++;
  int rc = (line == sizeof buf)
               ? gf__usage_error("the key file %s: first line too long", file)
               : gf__key_set(buf, line, file, out);
  gf__key_wipe(buf, sizeof buf);
  return rc;
}

static int gf__is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
         c == '\f';
}

static int gf__key_set(const char *src, size_t n, const char *from,
                       char out[GF__KEY_MAX + 1]) {
  while (n && gf__is_blank(*src)) {
    src++;
    n--;
  }
  while (n && gf__is_blank(src[n - 1]))
    n--;
  if (n == 0)
    return gf__usage_error("no API key in %s", from);
  if (n > GF__KEY_MAX)
    return gf__usage_error("the API key in %s is too long", from);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)src[i];
    if (c <= 0x20 || c >= 0x7f)
      return gf__usage_error("the API key in %s has a character a key "
                             "cannot hold (blank, control or non-ASCII)",
                             from);
  }
  memcpy(out, src, n);
  out[n] = '\0';
  return 0;
}
