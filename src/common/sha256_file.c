/* gf_sha256_file: the digest of a file, read in blocks. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "common/sha256.h"
#include "gemflow.h"

int gf_sha256_file(const char *path, unsigned char out[32], uint64_t *bytes) {
  if (!path || !out)
    return GF_EINVAL;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return GF_EIO;
  gf__sha256 s;
  gf__sha256_init(&s);
  unsigned char block[64 * 1024];
  uint64_t total = 0;
  for (;;) {
    ssize_t n = read(fd, block, sizeof block);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      close(fd);
      return GF_EIO;
    }
    if (n == 0)
      break;
    gf__sha256_update(&s, block, (size_t)n);
    total += (uint64_t)n;
  }
  close(fd);
  gf__sha256_final(&s, out);
  if (bytes)
    *bytes = total;
  return 0;
}
