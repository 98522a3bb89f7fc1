/* The options generate and batch share: where to connect, how to trust
 * it, the key's file and placement, the retry policy and the timeouts.
 * One table of long options (GF__NETOPTS_LONG) goes into each command's
 * getopt table, and one function takes their values. */
#ifndef GF_CLI_NETOPTS_H
#define GF_CLI_NETOPTS_H
#include <getopt.h>
#include <stdio.h>

typedef struct gf__netopts {
  const char *service;   /* "anyfast" (NULL) or "google" */
  const char *base_url;  /* NULL: $GEMINI_BASE_URL, then the service's */
  const char *ca_file;
  const char *key_file;
  int key_in;            /* GF_KEY_IN_AUTO: the service's way */
  int max_attempts;      /* default 5 */
  double retry_max_delay_s; /* default 60 */
  double connect_timeout_s, idle_timeout_s, timeout_s; /* 15, 300, 900 */
  char resolve[4096];    /* --resolve entries joined with ';' */
  int compressed;        /* --compressed: ask for gzip */
  int aead;              /* --cipher: GF_AEAD_* */
} gf__netopts;

enum {
  GF__NO_BASE_URL = 0x400,
  GF__NO_CA_FILE,
  GF__NO_KEY_IN,
  GF__NO_KEY_FILE,
  GF__NO_KEY_ARGV,
  GF__NO_MAX_ATTEMPTS,
  GF__NO_RETRY_MAX,
  GF__NO_CONNECT_TIMEOUT,
  GF__NO_IDLE_TIMEOUT,
  GF__NO_TIMEOUT,
  GF__NO_SERVICE,
  GF__NO_RESOLVE,
  GF__NO_COMPRESSED,
  GF__NO_CIPHER,
};

#define GF__NETOPTS_LONG                                                       \
  {"base-url", required_argument, NULL, GF__NO_BASE_URL},                      \
      {"ca-file", required_argument, NULL, GF__NO_CA_FILE},                    \
      {"key-in", required_argument, NULL, GF__NO_KEY_IN},                      \
      {"api-key-file", required_argument, NULL, GF__NO_KEY_FILE},              \
      /* recognised only to refuse: argv is visible to every user */           \
      {"api-key", optional_argument, NULL, GF__NO_KEY_ARGV},                   \
      {"key", optional_argument, NULL, GF__NO_KEY_ARGV},                       \
      {"max-attempts", required_argument, NULL, GF__NO_MAX_ATTEMPTS},          \
      {"retry-max-delay", required_argument, NULL, GF__NO_RETRY_MAX},          \
      {"connect-timeout", required_argument, NULL, GF__NO_CONNECT_TIMEOUT},    \
      {"idle-timeout", required_argument, NULL, GF__NO_IDLE_TIMEOUT},          \
      {"timeout", required_argument, NULL, GF__NO_TIMEOUT},                    \
      {"service", required_argument, NULL, GF__NO_SERVICE},                    \
      {"resolve", required_argument, NULL, GF__NO_RESOLVE},                    \
      {"compressed", no_argument, NULL, GF__NO_COMPRESSED},                    \
      {"cipher", required_argument, NULL, GF__NO_CIPHER}

void gf__netopts_init(gf__netopts *n);
/* 1: not one of these options; 0: taken; 2: a usage error (printed). */
int gf__netopts_take(int c, const char *arg, gf__netopts *n);
/* The help lines of these options. */
void gf__netopts_usage(FILE *f);
/* The base URL in effect: --base-url, else $GEMINI_BASE_URL, else NULL
 * (the service's own). */
const char *gf__netopts_base_url(const gf__netopts *n);
/* Where the key comes from (besides --api-key-file): a NULL-terminated
 * list of environment variables, tried in order. The key follows the
 * service, so that a Google key never goes to the gateway by default:
 * anyfast ANYFAST_API_KEY; google GEMINI_API_KEY, then GOOGLE_API_KEY; a
 * custom base URL GEMFLOW_API_KEY (and, when it is a loopback address such
 * as the bundled simulator, GEMINI_API_KEY after it: the key stays on this
 * machine). */
const char *const *gf__netopts_key_vars(const gf__netopts *n);
/* The proxy for the base URL in effect, from the environment as curl
 * reads it: https_proxy then HTTPS_PROXY for https, http_proxy for http;
 * NULL when none. no_proxy then NO_PROXY into *no_proxy. */
const char *gf__netopts_proxy(const gf__netopts *n, const char **no_proxy);
#endif
