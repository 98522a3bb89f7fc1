/* Test certificates, the part both engines share: the default SANs, the
 * checks of the arguments, the CA's validity, how a SAN is told to be an
 * address, and writing the files with their mode. The simulator and the
 * tests use them; nothing here is on a client's path. */
#include <arpa/inet.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gemflow.h"
#include "tls/tls_base.h"
#include "tls/tls_testcert.h"

#define GF__MAX_SANS 64
#define GF__YEAR_S (365LL * 86400)
#define GF__HOUR_S 3600LL

int gf__tls_make_test_certs(const char *dir, const char *const *extra_sans,
                            size_t n_extra) {
  static const char *const defaults[] = {"localhost", "127.0.0.1", "::1"};
  const char *sans[GF__MAX_SANS];
  const size_t n_def = sizeof defaults / sizeof defaults[0];
  if (n_extra > GF__MAX_SANS - n_def || (n_extra && !extra_sans))
    return GF_EINVAL;
  memcpy(sans, defaults, sizeof defaults);
  for (size_t i = 0; i < n_extra; i++)
    sans[n_def + i] = extra_sans[i];
  gf__tls_testcert_opts o = {sans, n_def + n_extra, -GF__HOUR_S, GF__YEAR_S};
  return gf__tls_make_certs_opts(dir, &o);
}

int gf__tls_testcert_check(const char *dir, const gf__tls_testcert_opts *o) {
  if (!dir || !o || o->n_sans > GF__MAX_SANS || (o->n_sans && !o->sans))
    return GF_EINVAL;
  for (size_t i = 0; i < o->n_sans; i++)
    if (!o->sans[i] || !*o->sans[i])
      return GF_EINVAL;
  return 0;
}

/* The CA outlives any leaf validity a test asks for, so an "expired" leaf
 * fails on its own dates, not its issuer's. */
void gf__tls_testcert_ca_validity(const gf__tls_testcert_opts *o,
                                  long long *not_before, long long *not_after) {
  *not_before = o->not_before < -GF__HOUR_S ? o->not_before : -GF__HOUR_S;
  *not_after = o->not_after > GF__YEAR_S ? o->not_after : GF__YEAR_S;
}

int gf__tls_testcert_san_addr(const char *s, unsigned char addr[16]) {
  if (inet_pton(AF_INET, s, addr) == 1)
    return 4;
  if (inet_pton(AF_INET6, s, addr) == 1)
    return 16;
  return 0;
}

int gf__tls_testcert_write(const char *path, const void *data, size_t n,
                           int mode) {
  const char *p = data;
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0)
    return GF_EIO;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w <= 0) {
      close(fd);
      return GF_EIO;
    }
    p += w;
    n -= (size_t)w;
  }
  return close(fd) ? GF_EIO : 0;
}
