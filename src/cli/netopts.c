/* The shared options' values, checked as they are taken. */
#include "netopts.h"

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "gemflow.h"

void gf__netopts_init(gf__netopts *n) {
  memset(n, 0, sizeof *n);
  n->key_in = GF_KEY_IN_AUTO;
  n->max_attempts = 5;
  n->retry_max_delay_s = 60;
  n->connect_timeout_s = 15;
  n->idle_timeout_s = 300;
  n->timeout_s = 900;
}

static int gf__attempts(const char *arg, int *out) {
  char *end;
  long v = strtol(arg, &end, 10);
  if (!*arg || *end || v < 1 || v > 100)
    return gf__usage_error("--max-attempts takes 1..100, not '%s'", arg);
  *out = (int)v;
  return 0;
}

/* Seconds, 0..max; zero_ok: 0 turns the timeout off. */
static int gf__seconds(const char *name, const char *arg, double max,
                       int zero_ok, double *out) {
  char *end;
  double v = strtod(arg, &end);
  if (!*arg || *end || !(v >= 0 && v <= max) || (!zero_ok && v == 0))
    return gf__usage_error("%s takes a number of seconds (%s..%.0f), not "
                           "'%s'", name, zero_ok ? "0" : "above 0", max, arg);
  *out = v;
  return 0;
}

static int take_cipher(const char *arg, gf__netopts *n) {
  static const char *const names[] = {"auto", "aes-gcm", "chacha20"};
  for (int i = 0; i < 3; i++)
    if (strcmp(arg, names[i]) == 0) {
      n->aead = i; /* GF_AEAD_AUTO, GF_AEAD_AES_GCM, GF_AEAD_CHACHA20 */
      return 0;
    }
  return gf__usage_error("--cipher takes auto, aes-gcm or chacha20, not '%s'",
                         arg);
}

int gf__netopts_take(int c, const char *arg, gf__netopts *n) {
  switch (c) {
  case GF__NO_BASE_URL: n->base_url = arg; return 0;
  case GF__NO_RESOLVE: {
    size_t have = strlen(n->resolve), add = strlen(arg);
    if (!add || strchr(arg, ';') || have + add + 2 > sizeof n->resolve)
      return gf__usage_error("--resolve takes HOST:PORT:ADDR[,ADDR...], "
                             "not '%s'", arg);
    if (have)
      n->resolve[have++] = ';';
    memcpy(n->resolve + have, arg, add + 1);
    return 0;
  }
  case GF__NO_SERVICE:
    if (!gf_service_base_url(arg))
      return gf__usage_error("unknown service '%s' (anyfast, google)", arg);
    n->service = arg;
    return 0;
  case GF__NO_CA_FILE: n->ca_file = arg; return 0;
  case GF__NO_KEY_FILE: n->key_file = arg; return 0;
  case GF__NO_KEY_IN:
    if (strcmp(arg, "query") == 0)
      n->key_in = GF_KEY_IN_AUTO;
    else if (strcmp(arg, "header") == 0)
      n->key_in = GF_KEY_IN_HEADER;
    else
      return gf__usage_error("--key-in takes 'query' or 'header', not '%s'",
                             arg);
    return 0;
  case GF__NO_KEY_ARGV:
    /* Never echo the argument: it is the key. */
    return gf__usage_error("the API key is not taken from the command line "
                           "(other users can read it there): set its "
                           "variable (see --help) or use --api-key-file "
                           "FILE");
  case GF__NO_MAX_ATTEMPTS: return gf__attempts(arg, &n->max_attempts);
  case GF__NO_RETRY_MAX:
    return gf__seconds("--retry-max-delay", arg, 86400, 1,
                       &n->retry_max_delay_s);
  case GF__NO_CONNECT_TIMEOUT:
    return gf__seconds("--connect-timeout", arg, 3600, 0,
                       &n->connect_timeout_s);
  case GF__NO_IDLE_TIMEOUT:
    return gf__seconds("--idle-timeout", arg, 86400, 0, &n->idle_timeout_s);
  case GF__NO_TIMEOUT:
    return gf__seconds("--timeout", arg, 7 * 86400, 0, &n->timeout_s);
  case GF__NO_COMPRESSED: n->compressed = 1; return 0;
  case GF__NO_CIPHER: return take_cipher(arg, n);
  default:
    return 1;
  }
}

const char *gf__netopts_base_url(const gf__netopts *n) {
  const char *env = getenv("GEMINI_BASE_URL");
  return n->base_url ? n->base_url : env && *env ? env : NULL;
}

const char *const *gf__netopts_key_vars(const gf__netopts *n) {
  static const char *const anyfast[] = {"ANYFAST_API_KEY", NULL};
  static const char *const google[] = {"GEMINI_API_KEY", "GOOGLE_API_KEY",
                                       NULL};
  static const char *const custom[] = {"GEMFLOW_API_KEY", NULL};
  static const char *const local[] = {"GEMFLOW_API_KEY", "GEMINI_API_KEY",
                                      NULL};
  const char *url = gf__netopts_base_url(n);
  if (url)
    return gf_url_is_loopback(url) ? local : custom;
  return n->service && strcmp(n->service, "google") == 0 ? google : anyfast;
}

static const char *gf__env(const char *a, const char *b) {
  const char *v = getenv(a);
  if ((!v || !*v) && b)
    v = getenv(b);
  return v && *v ? v : NULL;
}

const char *gf__netopts_proxy(const gf__netopts *n, const char **no_proxy) {
  const char *url = gf__netopts_base_url(n);
  int plain = url && strncmp(url, "http://", 7) == 0;
  *no_proxy = gf__env("no_proxy", "NO_PROXY");
  /* uppercase HTTP_PROXY is left alone, as curl does: a CGI environment
   * sets it from a request's Proxy: header */
  return plain ? gf__env("http_proxy", NULL)
               : gf__env("https_proxy", "HTTPS_PROXY");
}

void gf__netopts_usage(FILE *f) {
  fputs(
      "      --service NAME    'anyfast' (default: https://www.anyfast.ai,\n"
      "                        key in ?key=, from $ANYFAST_API_KEY) or\n"
      "                        'google' (generativelanguage.googleapis.com,\n"
      "                        key in x-goog-api-key, from $GEMINI_API_KEY,\n"
      "                        then $GOOGLE_API_KEY)\n"
      "      --base-url URL    another endpoint (default $GEMINI_BASE_URL);\n"
      "                        its key comes from $GEMFLOW_API_KEY only (a\n"
      "                        loopback URL also takes $GEMINI_API_KEY).\n"
      "                        Plain http:// only to loopback\n"
      "      --ca-file FILE    trust these CA certificates (PEM)\n"
      "      --key-in WHERE    'query' or 'header' (default: the service's)\n"
      "      --api-key-file FILE  read the key from FILE's first line\n"
      "                        (never from argv)\n"
      "      --max-attempts N  attempts in all, the first included (default\n"
      "                        5; 1: no retry). Retried: 408, 429, 5xx,\n"
      "                        resets, cut streams, timeouts\n"
      "      --retry-max-delay S  longest wait between attempts (default\n"
      "                        60); a server asking for more fails at once\n"
      "      --connect-timeout S  name resolution, then each address's TCP\n"
      "                        connect and TLS handshake (default 15)\n"
      "      --idle-timeout S  no byte received for S seconds fails the\n"
      "                        attempt (default 300: the service may think\n"
      "                        for minutes at 4K)\n"
      "      --timeout S       the whole attempt (default 900)\n"
      "      --resolve HOST:PORT:ADDR[,ADDR...]  use these addresses for\n"
      "                        HOST:PORT instead of DNS (repeatable)\n"
      "      --compressed      ask for a gzip response (Accept-Encoding:\n"
      "                        gzip) and inflate it as it streams: about a\n"
      "                        quarter fewer bytes on the wire, for some CPU\n"
      "                        (a gzip answer is read whether asked for or\n"
      "                        not)\n"
      "      --cipher auto|aes-gcm|chacha20  the TLS cipher: auto (default)\n"
      "                        offers both, the faster on this CPU first\n"
      "  Proxies: $https_proxy or $HTTPS_PROXY (http://[user:pass@]host:port,\n"
      "  HTTP CONNECT), $no_proxy or $NO_PROXY; credentials never printed\n",
      f);
}
