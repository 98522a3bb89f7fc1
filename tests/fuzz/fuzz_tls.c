/* libFuzzer: arbitrary bytes as the peer's ciphertext, into a fresh server
 * session (the ClientHello and record parsing) or a client session that
 * has sent its ClientHello (ServerHello, certificate, key exchange). The
 * first byte picks the side, the next four the piece sizes, cycled. No
 * crash, no leak, and a failure is one of the engine's codes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gemflow.h"
#include "tls/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static gf__tls_config *g_client, *g_server;

static int sink_cipher(void *ud, const char *p, size_t n) { return 0; }
static int sink_plain(void *ud, const char *p, size_t n) { return 0; }
static void on_hs(void *ud, int status) { ++*(int *)ud; }

static void init(void) {
  char dir[] = "/tmp/gf-fuzz-tls-XXXXXX", ca[64], cert[64], key[64];
  if (!mkdtemp(dir) || gf__tls_make_test_certs(dir, NULL, 0) != 0)
    abort();
  snprintf(ca, sizeof ca, "%s/ca.pem", dir);
  snprintf(cert, sizeof cert, "%s/server.pem", dir);
  snprintf(key, sizeof key, "%s/server.key", dir);
  if (gf__tls_config_client(&g_client, ca, NULL) ||
      gf__tls_config_server(&g_server, cert, key, NULL))
    abort();
  unlink(ca);
  unlink(cert);
  unlink(key);
  rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!g_client)
    init();
  if (size < 5)
    return 0;
  int server = data[0] & 1, hs_calls = 0;
  size_t sizes[4];
  for (int i = 0; i < 4; i++)
    sizes[i] = (size_t)data[1 + i] * (data[0] & 2 ? 64 : 1) + 1;
  data += 5;
  size -= 5;
  gf__tls_cbs cbs = {sink_cipher, sink_plain, on_hs};
  gf__tls *t = NULL;
  if (gf__tls_new(&t, server ? g_server : g_client, server ? NULL : "localhost",
                  &cbs, &hs_calls))
    abort();
  if (gf__tls_start(t))
    abort();
  int rc = 0;
  for (size_t off = 0, i = 0; off < size && !rc; i++) {
    size_t k = sizes[i % 4] < size - off ? sizes[i % 4] : size - off;
    rc = gf__tls_feed(t, (const char *)data + off, k);
    off += k;
  }
  if (rc && rc != GF_ETLS && rc != GF_ECERT && rc != GF_EHOSTNAME &&
      rc != GF_ENOMEM)
    abort();
  if ((rc && gf__tls_errmsg(t)[0] == '\0') || hs_calls > 1)
    abort();
  gf__tls_free(t);
  return 0;
}
