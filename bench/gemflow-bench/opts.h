/* gemflow-bench's command line: one struct, one parser, the usage text. */
#ifndef GFB_OPTS_H
#define GFB_OPTS_H
#include <stddef.h>
#include <stdint.h>

#define GFB_MAX_URLS 64     /* --base-url given, or sims started */
#define GFB_MAX_DISTINCT 64 /* distinct prompts (the sim caches 6 images) */
#define GFB_MAX_N 10000000L
#define GFB_MAX_SWEEP 32

enum gfb_verify {
  GFB_VERIFY_AUTO = 0, /* sha256 with a simulator, else decode */
  GFB_VERIFY_SHA,      /* sha256 of what gemflow-sim --render makes */
  GFB_VERIFY_DECODE,   /* stream-decode PNG/JPEG/WebP, sizes agree */
  GFB_VERIFY_NONE,
};

typedef struct gfb_opts {
  long n, c;
  const char *size, *ratio;
  int distinct;
  const char *markers;  /* appended to every prompt, e.g. "[[comments]]" */
  long think_ms;        /* -1: none; else a [[think:MS]] marker */
  const char *urls[GFB_MAX_URLS];
  int nurls;
  const char *ca_file;
  const char *sim_path; /* NULL: beside the bench's build directory */
  int sims;             /* simulators to start (default 1, none with URLs) */
  enum gfb_verify verify;
  const char *refs_dir; /* cache of reference digests across runs */
  int warmup;           /* -1: auto (on with own simulators) */
  uint64_t seed;
  int max_attempts;     /* 0: the library's default */
  int max_connecting;   /* 0: the library's default */
  double connect_timeout_s; /* 0: the library's default */
  int no_trace;
  int compressed;       /* ask for gzip (gf_client_options.compressed) */
  int quiet;            /* no human table */
  const char *plot;     /* --plot FILE.svg */
  long sweep[GFB_MAX_SWEEP];
  int nsweep;
  int ceilings;
  const char *dump_dir; /* --dump-requests DIR */
  const char *label;
  int help, version;
} gfb_opts;

/* 0, or -1 with a message in err. */
int gfb_opts_parse(gfb_opts *o, int argc, char **argv, char *err,
                   size_t errlen);
extern const char gfb_usage_text[];
#endif
