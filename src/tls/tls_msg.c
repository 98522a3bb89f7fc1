/* Messages worded the same whichever engine was built, so that a user, a
 * log scanner or a test sees the same text: certificate problems, alert
 * names. */
#include <stdio.h>
#include <string.h>

#include "gemflow.h"
#include "tls/tls_base.h"

void gf__tls_set_msg(const char **errmsg, const char *msg) {
  if (errmsg)
    *errmsg = msg;
}

const char *gf__tls_alert_name(int alert) {
  static const struct {
    int code;
    const char *name;
  } names[] = {
      {10, "unexpected_message"},
      {20, "bad_record_mac"},
      {22, "record_overflow"},
      {40, "handshake_failure"},
      {42, "bad_certificate"},
      {43, "unsupported_certificate"},
      {44, "certificate_revoked"},
      {45, "certificate_expired"},
      {46, "certificate_unknown"},
      {47, "illegal_parameter"},
      {48, "unknown_ca"},
      {49, "access_denied"},
      {50, "decode_error"},
      {51, "decrypt_error"},
      {70, "protocol_version"},
      {71, "insufficient_security"},
      {80, "internal_error"},
      {86, "inappropriate_fallback"},
      {90, "user_canceled"},
      {109, "missing_extension"},
      {110, "unsupported_extension"},
      {112, "unrecognized_name"},
      {116, "certificate_required"},
      {120, "no_application_protocol"},
  };
  for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
    if (names[i].code == alert)
      return names[i].name;
  return "unknown";
}

/* Appends the '\n'-separated lines of s to m, each after sep (the first
 * after first_sep), cut to fit. */
static void gf__join(char *m, size_t cap, const char *first_sep,
                     const char *s) {
  const char *sep = first_sep;
  while (s && *s) {
    size_t len = strcspn(s, "\n");
    size_t off = strlen(m);
    if (len)
      snprintf(m + off, cap - off, "%s%.*s", sep, (int)len, s);
    if (len)
      sep = "; ";
    s += len + (s[len] == '\n');
  }
}

/* A name mismatch alone is the host's fault; anything else means the
 * chain itself is not to be trusted, which is what the user must fix
 * first. */
int gf__tls_cert_message(gf__tls_base *b, const char *ca_path, unsigned what,
                         const char *problems) {
  char *m = b->errmsg;
  const size_t cap = sizeof b->errmsg;
  if (what == GF__CERT_NAME) {
    snprintf(m, cap, "certificate is not valid for %s %s",
             b->ip_len ? "IP" : "host", b->host ? b->host : "?");
    return GF_EHOSTNAME;
  }
  if (what & GF__CERT_UNTRUSTED) {
    /* the usual case (a private CA, an interception proxy) said plainly,
     * naming the bundle that was searched; the other problems after it,
     * when a long path left room for them */
    snprintf(m, cap,
             "the certificate of %s is not signed by a CA in %s (a private "
             "CA: name its file with --ca-file, ca_file or SSL_CERT_FILE)",
             b->host ? b->host : "the server",
             ca_path && *ca_path ? ca_path : "the CA bundle");
    gf__join(m, cap, "; ", problems);
    return GF_ECERT;
  }
  snprintf(m, cap, "certificate verification failed: ");
  gf__join(m, cap, "", problems);
  return GF_ECERT;
}
