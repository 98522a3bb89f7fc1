/* Key loading. The key is checked for characters that would break the
 * query string or the header it goes into, and wiped from every buffer of
 * ours it passed through.
 *
 * The key file is read with open()/read() into a buffer the caller wipes,
 * not with stdio: a FILE's buffer is heap memory that fclose() frees
 * without wiping, so the key would stay behind in freed memory.
 *
 * A key from the environment stays in the environment: wiping it in place
 * would change what child processes (and /proc/self/environ) see, and the
 * environment block is not ours to rewrite. Only our copy is wiped. */
#include "key.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"

static int gf__key_set(const char *src, size_t n, const char *from,
                       char out[GF__KEY_MAX + 1]);
static int gf__key_none(const char *const *vars);

int gf__key_load(const char *file, const char *const *vars,
                 char out[GF__KEY_MAX + 1]) {
  out[0] = '\0';
  if (file) {
    char buf[GF__KEY_FILE_BUF];
    return gf__key_from_file(file, buf, sizeof buf, out); /* wipes buf */
  }
  for (size_t i = 0; vars && vars[i]; i++) {
    const char *env = getenv(vars[i]);
    if (env && *env)
      return gf__key_set(env, strlen(env), vars[i], out);
  }
  return gf__key_none(vars);
}

void gf__key_wipe(char *key, size_t cap) {
  /* volatile: a plain memset before free may be optimised away. */
  volatile char *v = key;
  for (size_t i = 0; i < cap; i++)
    v[i] = 0;
}

/* Reads until the first line is in buf, buf is full, or the end: a FIFO or
 * a terminal is not waited on past the first line. */
int gf__key_from_file(const char *file, char *buf, size_t cap,
                      char out[GF__KEY_MAX + 1]) {
  int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) {
    int e = errno;
    gf__key_wipe(buf, cap);
    return gf__usage_error("cannot read the key file %s: %s", file,
                           strerror(e));
  }
  size_t n = 0, line = 0;
  int err = 0;
  while (n < cap) {
    ssize_t r = read(fd, buf + n, cap - n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      err = errno;
      break;
    }
    if (r == 0)
      break;
    n += (size_t)r;
    while (line < n && buf[line] != '\n')
      line++;
    if (line < n)
      break;
  }
  close(fd);
  int rc;
  if (err)
    rc =
        gf__usage_error("cannot read the key file %s: %s", file, strerror(err));
  else if (line == cap)
    rc = gf__usage_error("the key file %s: first line too long", file);
  else
    rc = gf__key_set(buf, line, file, out);
  gf__key_wipe(buf, cap);
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

/* "no API key: set A, B or C or use --api-key-file FILE". */
static int gf__key_none(const char *const *vars) {
  size_t count = 0, len = 0;
  for (; vars && vars[count]; count++)
    len += strlen(vars[count]) + 4; /* ", " or " or " */
  if (count == 0)
    return gf__usage_error("no API key: use --api-key-file FILE");
  char *names = malloc(len + 1);
  if (!names)
    return gf__usage_error("no API key: set %s or use --api-key-file FILE",
                           vars[0]);
  char *w = names;
  for (size_t i = 0; i < count; i++) {
    const char *sep = i == 0 ? "" : i + 1 == count ? " or " : ", ";
    size_t s = strlen(sep), v = strlen(vars[i]);
    memcpy(w, sep, s);
    memcpy(w + s, vars[i], v);
    w += s + v;
  }
  *w = '\0';
  int rc =
      gf__usage_error("no API key: set %s or use --api-key-file FILE", names);
  free(names);
  return rc;
}
