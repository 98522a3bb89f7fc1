#include "ceil.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "expect.h"
#include "gemflow.h"
#include "sim.h"

#define REPS 5
#define REP_S 0.2
#define STREAM_EXTRA 3000 /* thought, usage and JSON around the image */

double gfb_thread_cpu(void) {
  struct timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int cmpd(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

double gfb_meter(gfb_work_fn fn, void *ctx, size_t bytes_per_call) {
  double rate[REPS];
  if (fn(ctx)) /* warm the caches, and fail early */
    return -1;
  for (int r = 0; r < REPS; r++) {
    double t0 = gfb_thread_cpu(), t;
    long calls = 0;
    do {
      if (fn(ctx))
        return -1;
      calls++;
    } while ((t = gfb_thread_cpu() - t0) < REP_S);
    rate[r] = (double)bytes_per_call * (double)calls / t / 1e6;
  }
  qsort(rate, REPS, sizeof *rate, cmpd);
  return rate[REPS / 2];
}

/* The PNG's size for a 1:1 image of that size, from the simulator's
 * --render, or what it made when the figures in bench/RESULTS.md were
 * taken. */
static uint64_t png_bytes(const char *sim_path, const char *size,
                          uint64_t fallback, int *measured) {
  char dir[64] = "/tmp/gemflow-bench-ceil-XXXXXX", png[128], err[256];
  *measured = 0;
  if (!mkdtemp(dir))
    return fallback;
  snprintf(png, sizeof png, "%s/ref.png", dir);
  unsigned char sha[32];
  uint64_t n = fallback;
  if (!gfb_sim_render(sim_path, "gemflow-bench image 0", "1:1", size, 0, png,
                      err, sizeof err) &&
      !gf_sha256_file(png, sha, &n))
    *measured = 1;
  unlink(png);
  rmdir(dir);
  return n;
}

typedef struct shape {
  const char *size;
  uint64_t png, b64, stream, body, records;
} shape;

static void make_shape(shape *s, const char *size, uint64_t png) {
  s->size = size, s->png = png;
  s->b64 = (png + 2) / 3 * 4;
  s->stream = s->b64 + STREAM_EXTRA;
  s->body = s->stream + (s->stream / 16384 + 1) * 8 + 200;
  s->records = s->body / GFB_RECORD + 1;
}

static double ms(uint64_t bytes, double mbps) {
  return mbps > 0 ? (double)bytes / (mbps * 1e6) * 1000 : -1;
}

int gfb_ceilings_main(const gfb_opts *o, const char *sim_path) {
  char err[256] = "";
  json_object *j = json_object_new_object(), *aead = json_object_new_object();
  FILE *t = o->quiet ? NULL : stderr;
  char host[128] = "";
  gethostname(host, sizeof host - 1);
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  if (t)
    fprintf(t, "gemflow-bench %s --ceilings on %s (%ld CPUs): CPU time of "
               "this thread, median of %d runs of %.1f s\n",
            gf_version_string(), host, cpus, REPS, REP_S);
  json_object_object_add(j, "tool", json_object_new_string("gemflow-bench"));
  json_object_object_add(j, "mode", json_object_new_string("ceilings"));
  json_object_object_add(j, "version",
                         json_object_new_string(gf_version_string()));

  /* AEAD, per engine and suite */
  if (t)
    fprintf(t, "  AEAD decrypt, %d-byte records (MB/s):\n", GFB_RECORD);
  double aead_rate[8][4];
  int neng = 0;
  for (; gfb_aead_engines[neng] && neng < 8; neng++) {
    const gfb_aead_engine *e = gfb_aead_engines[neng];
    json_object *je = json_object_new_object();
    for (int s = 0; gfb_aead_suites[s]; s++) {
      double r = aead_rate[neng][s] = e->decrypt_mbps(gfb_aead_suites[s]);
      json_object_object_add(je, gfb_aead_suites[s],
                             r < 0 ? NULL : json_object_new_double(r));
      if (t)
        fprintf(t, "    %-8s %-18s %8.0f\n", e->name, gfb_aead_suites[s], r);
    }
    json_object_object_add(aead, e->name, je);
  }
  json_object_object_add(j, "aead_decrypt_MB_per_s", aead);

  double b64 = gfb_rate_b64(), sse = gfb_rate_sse(), http = gfb_rate_http(),
         sha = gfb_rate_sha256();
  if (t)
    fprintf(t, "  base64 decode (gf__b64) %8.0f MB/s of base64\n"
               "  SSE decode (gf__sse)    %8.0f MB/s of stream\n"
               "  HTTP (llhttp, gf__http) %8.0f MB/s of chunked body\n"
               "  SHA-256 (gf__sha256)    %8.0f MB/s of image\n",
            b64, sse, http, sha);
  json_object *jp = json_object_new_object();
  json_object_object_add(jp, "base64", json_object_new_double(b64));
  json_object_object_add(jp, "sse", json_object_new_double(sse));
  json_object_object_add(jp, "http", json_object_new_double(http));
  json_object_object_add(jp, "sha256", json_object_new_double(sha));
  json_object_object_add(j, "layers_MB_per_s", jp);

  gfb_hs hs;
  int hs_ok = !gfb_handshakes(&hs, err, sizeof err);
  if (t) {
    if (hs_ok)
      fprintf(t, "  TLS handshake, client CPU: full %.2f ms, resumed %.2f ms"
                 "%s (server: %.2f / %.2f ms), %s\n",
              hs.full_ms, hs.resumed_ms,
              hs.resumed_ok ? "" : " (DID NOT RESUME)", hs.srv_full_ms,
              hs.srv_resumed_ms, hs.suite);
    else
      fprintf(t, "  TLS handshake: %s\n", err);
  }
  json_object *jh = json_object_new_object();
  json_object_object_add(jh, "full_ms",
                         hs_ok ? json_object_new_double(hs.full_ms) : NULL);
  json_object_object_add(jh, "resumed_ms",
                         hs_ok ? json_object_new_double(hs.resumed_ms) : NULL);
  json_object_object_add(jh, "server_full_ms",
                         hs_ok ? json_object_new_double(hs.srv_full_ms) : NULL);
  json_object_object_add(
      jh, "server_resumed_ms",
      hs_ok ? json_object_new_double(hs.srv_resumed_ms) : NULL);
  json_object_object_add(jh, "resumed_ok", json_object_new_boolean(hs.resumed_ok));
  json_object_object_add(jh, "suite",
                         hs_ok ? json_object_new_string(hs.suite) : NULL);
  json_object_object_add(j, "handshake_client_cpu", jh);

  /* the floor per image */
  shape sh[2];
  int m1, m4;
  make_shape(&sh[0], "1K", png_bytes(sim_path, "1K", 1742451, &m1));
  make_shape(&sh[1], "4K", png_bytes(sim_path, "4K", 27800000, &m4));
  if (t)
    fprintf(t, "  floor, CPU ms per image (1:1; PNG %.2f MB and %.2f MB%s;"
               " + sha256 when the image is hashed):\n"
               "    %-8s %-18s %8s %8s %8s %8s %8s\n",
            sh[0].png / 1e6, sh[1].png / 1e6,
            m1 && m4 ? ", from gemflow-sim --render" : ", assumed",
            "engine", "suite", "size", "full hs", "resumed", "+sha256",
            "of it TLS");
  json_object *jf = json_object_new_array();
  for (int e = 0; e < neng; e++)
    for (int s = 0; gfb_aead_suites[s]; s++)
      for (int z = 0; z < 2; z++) {
        const shape *p = &sh[z];
        int chacha = strstr(gfb_aead_suites[s], "CHACHA") != NULL;
        uint64_t wire = p->body + p->records * (chacha ? 21 : 29);
        double bulk = ms(wire, aead_rate[e][s]) + ms(p->body, http) +
                      ms(p->stream, sse) + ms(p->b64, b64);
        double full = hs_ok ? hs.full_ms + bulk : -1;
        double res = hs_ok ? hs.resumed_ms + bulk : -1;
        double hash = ms(p->png, sha);
        double tls = ms(wire, aead_rate[e][s]);
        if (t)
          fprintf(t, "    %-8s %-18s %8s %8.2f %8.2f %8.2f %8.2f\n",
                  gfb_aead_engines[e]->name, gfb_aead_suites[s], p->size,
                  full, res, hash, tls);
        json_object *f = json_object_new_object();
        json_object_object_add(f, "engine",
                               json_object_new_string(gfb_aead_engines[e]->name));
        json_object_object_add(f, "suite",
                               json_object_new_string(gfb_aead_suites[s]));
        json_object_object_add(f, "size", json_object_new_string(p->size));
        json_object_object_add(f, "png_bytes", json_object_new_int64((int64_t)p->png));
        json_object_object_add(f, "wire_bytes", json_object_new_int64((int64_t)wire));
        json_object_object_add(f, "floor_ms_full_handshake",
                               json_object_new_double(full));
        json_object_object_add(f, "floor_ms_resumed",
                               json_object_new_double(res));
        json_object_object_add(f, "sha256_ms", json_object_new_double(hash));
        json_object_object_add(f, "aead_ms", json_object_new_double(tls));
        json_object_array_add(jf, f);
      }
  json_object_object_add(j, "floor", jf);
  if (t)
    fprintf(t, "  (the floor is the sum of the pieces: handshake + AEAD of "
               "the wire bytes + HTTP + SSE + base64; no kernel, no copies, "
               "no JSON scan)\n");
  printf("%s\n", json_object_to_json_string_ext(
                     j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put(j);
  return 0;
}
