/* --ceilings: what the work of one image costs at the least on this
 * machine, measured piece by piece in CPU time: AEAD decryption of each
 * suite on each engine (ceil_aead.c), our base64 decoder, SSE decoder,
 * HTTP parser (llhttp under our http layer) and SHA-256 (ceil_parse.c),
 * and a TLS handshake full and resumed, in memory through the internal tls
 * layer (ceil_tls.c). ceil.c adds them up per 1K and 4K image. These use
 * the internal layers (gf__*): the program links gf_internal, the same
 * objects libgemflow is made of plus the server side. */
#ifndef GFB_CEIL_H
#define GFB_CEIL_H
#include <stddef.h>

#include "opts.h"

int gfb_ceilings_main(const gfb_opts *o, const char *sim_path);

/* ---- the meter, shared by the ceil_*.c files ---- */
/* Calls fn(ctx) repeatedly for about 0.2 s of this thread's CPU, five
 * times; each call processes bytes_per_call bytes. The median rate, MB/s
 * (10^6 bytes per CPU second); -1 when fn fails (returns non-zero). */
typedef int (*gfb_work_fn)(void *ctx);
double gfb_meter(gfb_work_fn fn, void *ctx, size_t bytes_per_call);
/* This thread's CPU time, seconds. */
double gfb_thread_cpu(void);

/* ---- AEAD engines (ceil_aead.c) ---- */
#define GFB_RECORD 16384 /* TLS's largest record: what a bulk stream uses */
typedef struct gfb_aead_engine {
  const char *name;
  /* Decrypt-and-verify rate of suite ("AES-128-GCM", "AES-256-GCM",
   * "CHACHA20-POLY1305") over GFB_RECORD-byte records, MB/s, or -1 when
   * the engine lacks it. */
  double (*decrypt_mbps)(const char *suite);
} gfb_aead_engine;
extern const gfb_aead_engine *const gfb_aead_engines[];
extern const char *const gfb_aead_suites[];

/* ---- parsers (ceil_parse.c): MB/s of their input ---- */
double gfb_rate_b64(void);
double gfb_rate_sse(void);
double gfb_rate_http(void);
double gfb_rate_sha256(void);

/* ---- handshakes (ceil_tls.c) ---- */
typedef struct gfb_hs {
  double full_ms, resumed_ms;        /* client CPU per handshake, median */
  double srv_full_ms, srv_resumed_ms; /* the server side's, for reference */
  char suite[96];
  int resumed_ok; /* the resumed handshakes did resume */
} gfb_hs;
int gfb_handshakes(gfb_hs *h, char *err, size_t errlen);
#endif
