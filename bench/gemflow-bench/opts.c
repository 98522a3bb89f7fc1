#include "opts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char gfb_usage_text[] =
    "usage: gemflow-bench [options]\n"
    "       gemflow-bench --plot FILE.svg [--sweep C1,C2,...] [options]\n"
    "       gemflow-bench --ceilings [--sim PATH]\n"
    "       gemflow-bench --dump-requests DIR [options]\n"
    "\n"
    "Runs N image generations at concurrency C on one libuv loop and reports\n"
    "one JSON object on stdout and a table on stderr: images/s, MB/s, client\n"
    "CPU per image, peak RSS, RSS per in-flight stream, latencies, TLS\n"
    "handshakes. By default it starts gemflow-sim (another process: its CPU\n"
    "is not the client's) and checks every image's sha256 against the one\n"
    "`gemflow-sim --render` makes for the same prompt, ratio and size.\n"
    "\n"
    "  -n N                generations (default 100)\n"
    "  -c C                at most C at once (default 10)\n"
    "  -s, --size S        1K 2K 4K (default 1K)\n"
    "  -a, --ratio R       aspect ratio (default 1:1)\n"
    "  --distinct K        distinct prompts, cycled (default 4, max 64; the\n"
    "                      simulator caches 6 images)\n"
    "  --markers TEXT      framing markers added to every prompt, e.g.\n"
    "                      '[[comments]][[eol:lf]]' (gemflow-sim --help)\n"
    "  --think-ms MS       the simulator pauses MS after each thought\n"
    "  --base-url URL      a running service instead of a simulator\n"
    "                      (repeatable: generations are spread over them);\n"
    "                      the key comes from $GEMFLOW_API_KEY only\n"
    "  --ca-file F         CA bundle for --base-url\n"
    "  --sim PATH          gemflow-sim (default: beside this program's build\n"
    "                      directory); with --base-url only used to render\n"
    "                      the reference images\n"
    "  --sims K            simulator processes to start (default 1)\n"
    "  --verify sha256|decode|none  (default: sha256 with a simulator,\n"
    "                      decode with --base-url and no --sim); none\n"
    "                      also skips the library's SHA-256 (no_sha256)\n"
    "  --refs DIR          keep reference digests in DIR across runs\n"
    "  --warmup 0|1        one untimed generation per prompt and server\n"
    "                      first (default 1 with own simulators, else 0)\n"
    "  --seed N            picture seed of the simulator (default 0)\n"
    "  --max-attempts N    the library's retry limit (default its own)\n"
    "  --connect-timeout S the library's connect timeout (default its own)\n"
    "  --max-connecting N  connections established at once (default the\n"
    "                      library's)\n"
    "  --no-trace          do not count connections and suites (on_trace)\n"
    "  --compressed        ask for gzip (Accept-Encoding: gzip; the\n"
    "                      simulator then compresses at level 1): compare\n"
    "                      received_bytes and CPU with and without it\n"
    "  --label TEXT        copied into the JSON\n"
    "  -q, --quiet         JSON only, no table on stderr\n"
    "  --plot FILE.svg     run once per --sweep concurrency (default\n"
    "                      1,10,50,100,200,500; N = max(n, 2C)), each in a\n"
    "                      fresh process, and draw images/s and peak RSS\n"
    "                      against concurrency with gnuplot\n"
    "  --ceilings          the floor on this machine: AEAD decrypt MB/s,\n"
    "                      base64, SSE, HTTP, SHA-256, TLS handshake CPU;\n"
    "                      CPU-ms per 1K and 4K image\n"
    "  --dump-requests DIR the exact request bodies gemflow sends for these\n"
    "                      options, one per distinct prompt (for peers)\n"
    "  -h, --help, --version\n"
    "\n"
    "Exit status: 0 all generations ok and verified; 1 some failed; 2 usage.\n";

/* Decimal in [lo, hi]. */
static int num(const char *s, long lo, long hi, long *out) {
  if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 18)
    return -1;
  errno = 0;
  char *end;
  long v = strtol(s, &end, 10);
  if (*end || errno || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

static int bad(char *err, size_t errlen, const char *what, const char *v) {
  snprintf(err, errlen, "%s%s%s", what, v ? ": " : "", v ? v : "");
  return -1;
}

static int parse_sweep(gfb_opts *o, const char *s) {
  o->nsweep = 0;
  char tmp[256];
  if (strlen(s) >= sizeof tmp)
    return -1;
  strcpy(tmp, s);
  for (char *save = NULL, *t = strtok_r(tmp, ",", &save); t;
       t = strtok_r(NULL, ",", &save)) {
    long v;
    if (o->nsweep == GFB_MAX_SWEEP || num(t, 1, 100000, &v))
      return -1;
    o->sweep[o->nsweep++] = v;
  }
  return o->nsweep ? 0 : -1;
}

int gfb_opts_parse(gfb_opts *o, int argc, char **argv, char *err,
                   size_t errlen) {
  memset(o, 0, sizeof *o);
  o->n = 100, o->c = 10, o->size = "1K", o->ratio = "1:1", o->distinct = 4;
  o->think_ms = -1, o->warmup = -1, o->sims = -1;
  parse_sweep(o, "1,10,50,100,200,500");
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    long n;
    if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      o->help = 1;
      continue;
    }
    if (!strcmp(a, "--version")) {
      o->version = 1;
      continue;
    }
    if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
      o->quiet = 1;
      continue;
    }
    if (!strcmp(a, "--ceilings")) {
      o->ceilings = 1;
      continue;
    }
    if (!strcmp(a, "--no-trace")) {
      o->no_trace = 1;
      continue;
    }
    if (!strcmp(a, "--compressed")) {
      o->compressed = 1;
      continue;
    }
    if (!v)
      return bad(err, errlen, "unknown option or missing value", a);
    i++;
    if (!strcmp(a, "-n")) {
      if (num(v, 1, GFB_MAX_N, &o->n))
        return bad(err, errlen, "-n wants 1..10000000", v);
    } else if (!strcmp(a, "-c")) {
      if (num(v, 1, 1000000, &o->c))
        return bad(err, errlen, "-c wants 1..1000000", v);
    } else if (!strcmp(a, "-s") || !strcmp(a, "--size")) {
      o->size = v;
    } else if (!strcmp(a, "-a") || !strcmp(a, "--ratio")) {
      o->ratio = v;
    } else if (!strcmp(a, "--distinct")) {
      if (num(v, 1, GFB_MAX_DISTINCT, &n))
        return bad(err, errlen, "--distinct wants 1..64", v);
      o->distinct = (int)n;
    } else if (!strcmp(a, "--markers")) {
      if (strlen(v) > 512)
        return bad(err, errlen, "--markers: at most 512 characters", NULL);
      o->markers = v;
    } else if (!strcmp(a, "--think-ms")) {
      if (num(v, 0, 600000, &o->think_ms))
        return bad(err, errlen, "--think-ms wants 0..600000", v);
    } else if (!strcmp(a, "--base-url")) {
      if (o->nurls == GFB_MAX_URLS)
        return bad(err, errlen, "too many --base-url", NULL);
      o->urls[o->nurls++] = v;
    } else if (!strcmp(a, "--ca-file")) {
      o->ca_file = v;
    } else if (!strcmp(a, "--sim")) {
      o->sim_path = v;
    } else if (!strcmp(a, "--sims")) {
      if (num(v, 1, GFB_MAX_URLS, &n))
        return bad(err, errlen, "--sims wants 1..64", v);
      o->sims = (int)n;
    } else if (!strcmp(a, "--verify")) {
      if (!strcmp(v, "sha256"))
        o->verify = GFB_VERIFY_SHA;
      else if (!strcmp(v, "decode"))
        o->verify = GFB_VERIFY_DECODE;
      else if (!strcmp(v, "none"))
        o->verify = GFB_VERIFY_NONE;
      else
        return bad(err, errlen, "--verify wants sha256, decode or none", v);
    } else if (!strcmp(a, "--refs")) {
      o->refs_dir = v;
    } else if (!strcmp(a, "--warmup")) {
      if (num(v, 0, 1, &n))
        return bad(err, errlen, "--warmup wants 0 or 1", v);
      o->warmup = (int)n;
    } else if (!strcmp(a, "--seed")) {
      if (num(v, 0, 1000000000000000L, &n))
        return bad(err, errlen, "--seed wants a number", v);
      o->seed = (uint64_t)n;
    } else if (!strcmp(a, "--max-attempts")) {
      if (num(v, 1, 100, &n))
        return bad(err, errlen, "--max-attempts wants 1..100", v);
      o->max_attempts = (int)n;
    } else if (!strcmp(a, "--max-connecting")) {
      if (num(v, 1, 1000000, &n))
        return bad(err, errlen, "--max-connecting wants 1..1000000", v);
      o->max_connecting = (int)n;
    } else if (!strcmp(a, "--connect-timeout")) {
      if (num(v, 1, 3600, &n))
        return bad(err, errlen, "--connect-timeout wants 1..3600 s", v);
      o->connect_timeout_s = (double)n;
    } else if (!strcmp(a, "--label")) {
      o->label = v;
    } else if (!strcmp(a, "--plot")) {
      o->plot = v;
    } else if (!strcmp(a, "--sweep")) {
      if (parse_sweep(o, v))
        return bad(err, errlen, "--sweep wants C1,C2,... (at most 32)", v);
    } else if (!strcmp(a, "--dump-requests")) {
      o->dump_dir = v;
    } else {
      return bad(err, errlen, "unknown option", a);
    }
  }
  if (o->sims < 0)
    o->sims = o->nurls ? 0 : 1;
  if (o->nurls && o->sims)
    return bad(err, errlen, "--sims and --base-url exclude each other", NULL);
  if (o->verify == GFB_VERIFY_AUTO)
    o->verify = o->sims || o->sim_path ? GFB_VERIFY_SHA : GFB_VERIFY_DECODE;
  if (o->warmup < 0)
    o->warmup = o->sims > 0;
  return 0;
}
