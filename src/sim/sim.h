/* gemflow-sim as a library: the server (start/stop on a caller's loop), so
 * that tests can run it in process, and the --render entry point. main.c
 * only parses the command line into gf__sim_opts and runs these. */
#ifndef GF_SIM_SIM_H
#define GF_SIM_SIM_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <uv.h>

#include "sim/plan.h"

#define GF_SIM_MAX_REJECT 16
#define GF_SIM_CACHE_ENTRIES 6
#define GF_SIM_CACHE_BYTES (400u * 1024 * 1024)

typedef struct gf__sim_opts {
  const char *host;       /* NULL: 127.0.0.1 and ::1 (best effort) */
  int port;               /* 0: a free one */
  const char *cert_file;  /* with key_file: no test CA is made */
  const char *key_file;
  const char *dir;        /* where the test CA goes; NULL: a mkdtemp dir */
  int plain;              /* http, no TLS */
  gf__sim_framing framing; /* defaults for every response */
  uint64_t seed;
  const char *reject[GF_SIM_MAX_REJECT]; /* 403: reported as leaked */
  size_t nreject;
  const char *api_key;    /* the one valid key (apikey.h); NULL: any
                             non-empty key */
  int passthrough;        /* --passthrough-fields: unknown fields inside
                             generationConfig pass, as before */
  const char *log_file;   /* NULL: no request log */
  size_t cache_entries, cache_bytes; /* 0: the defaults above */
  int gzip;               /* GF_SIM_GZIP_*: when bodies are gzip */
} gf__sim_opts;

/* --gzip: auto (the default) compresses a body when the request's
 * Accept-Encoding accepts gzip, as the service does; never and always
 * whatever it says (always: to test a client that did not ask). */
enum { GF_SIM_GZIP_AUTO, GF_SIM_GZIP_NEVER, GF_SIM_GZIP_ALWAYS };
/* "auto", "never", "always" -> GF_SIM_GZIP_*; -1 if unknown. */
int gf__sim_gzip_named(const char *name);

/* The defaults, what the service sends: one "data: " line per event, CRLF,
 * chunked bodies of 16384-byte chunks, 3 thoughts, no think delay, none of
 * the SSE variants (markers.h). */
void gf__sim_opts_init(gf__sim_opts *o);

typedef struct gf__sim gf__sim;

/* Listens and returns at once; the loop does the rest. errmsg (static or
 * owned by nothing: copy it) explains a failure. */
int gf__sim_start(gf__sim **out, uv_loop_t *loop, const gf__sim_opts *o,
                  const char **errmsg);
/* Closes the listeners and every connection; the memory goes once the loop
 * has run the close callbacks and any image job under way has ended.
 * removes the certificate files it made in a directory of its own. */
void gf__sim_stop(gf__sim *s);
int gf__sim_port(const gf__sim *s);
/* "https://localhost:PORT" (or http://127.0.0.1:PORT with plain). */
const char *gf__sim_url(const gf__sim *s);
/* Absolute path of the CA it made, NULL with plain or given cert/key. */
const char *gf__sim_ca(const gf__sim *s);

/* --render: writes the PNG the server serves for this request. aspect and
 * size NULL mean 1:1 and 1K; the prompt's markers are removed as the server
 * does. 0, or a GF_E* code with *errmsg set. */
int gf__sim_render(const char *prompt, const char *aspect, const char *size,
                   uint64_t seed, const char *out_path, const char **errmsg);

/* The whole program (main.c calls it): exit status. */
int gf__sim_main(int argc, char **argv);
#endif
