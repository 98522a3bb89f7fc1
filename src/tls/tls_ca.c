/* Where a client's trusted roots come from, the same for every engine:
 * the file the caller named, else $SSL_CERT_FILE (as OpenSSL and curl
 * read it), else the system bundle; each with its own messages, so the
 * user hears which file to fix. */
#include <stdlib.h>

#include "tls/tls_base.h"

#define GF__SYSTEM_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

gf__tls_ca_source gf__tls_pick_ca(const char *ca_file) {
  static const gf__tls_ca_source given = {
      NULL, "cannot read the CA file given as ca_file",
      "no usable certificate in the CA file given as ca_file"};
  static const gf__tls_ca_source env = {
      NULL, "cannot read the CA file named by $SSL_CERT_FILE",
      "no usable certificate in the CA file named by $SSL_CERT_FILE"};
  static const gf__tls_ca_source sys = {
      GF__SYSTEM_BUNDLE, "cannot read the system CA bundle " GF__SYSTEM_BUNDLE,
      "no usable certificate in the system CA bundle " GF__SYSTEM_BUNDLE};
  gf__tls_ca_source s;
  const char *e = getenv("SSL_CERT_FILE");
  if (ca_file) {
    s = given;
    s.path = ca_file;
  } else if (e && *e) {
    s = env;
    s.path = e;
  } else {
    s = sys;
  }
  return s;
}
