/* gf_many: runs N generations on one loop, at most J at a time, against a
 * base URL (normally gemflow-sim), and prints one line of figures. Used by
 * bench/rss_cpu.sh under /usr/bin/time -v for CPU seconds and peak RSS.
 *
 *   gf_many URL CA N J SIZE [OUT_DIR]
 * The key comes from GEMINI_API_KEY (any value for the simulator). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "gemflow.h"

typedef struct bench {
  gf_client *client;
  const char *size, *out_dir;
  int total, started, done, ok, limit;
  int resumed; /* TLS handshakes that resumed a session (the rest: full) */
  uint64_t bytes;
  uint64_t t0;
} bench;

static void start_more(bench *b);

static void on_done(gf_gen *g, const gf_result *r, void *ud) {
  bench *b = ud;
  b->done++;
  if (r->status == GF_OK) {
    b->ok++;
    b->bytes += r->bytes;
    b->resumed += r->tls_resumed;
  } else if (b->done - b->ok <= 5) {
    fprintf(stderr, "gf_many: %s: %s\n", gf_err_name(r->status),
            r->message ? r->message : gf_strerror(r->status));
  }
  start_more(b);
}

static void start_more(bench *b) {
  static const gf_callbacks cbs = {.struct_size = sizeof(gf_callbacks),
                                   .on_done = on_done};
  while (b->started < b->total && b->started - b->done < b->limit) {
    gf_request *req = gf_request_new();
    char prompt[64];
    snprintf(prompt, sizeof prompt, "bench image %d", b->started % 16);
    gf_request_set_prompt(req, prompt);
    gf_request_set_aspect(req, "1:1");
    gf_request_set_size(req, b->size);
    gf_gen_options go;
    gf_gen_options_init(&go);
    char name[32];
    snprintf(name, sizeof name, "img-%05d", b->started);
    go.out_dir = b->out_dir;
    go.out_prefix = name;
    int rc = gf_generate(b->client, req, &go, &cbs, b, NULL);
    gf_request_free(req);
    if (rc) {
      fprintf(stderr, "gf_many: gf_generate: %s\n", gf_strerror(rc));
      exit(1);
    }
    b->started++;
  }
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr, "usage: gf_many URL CA N J SIZE [OUT_DIR]\n");
    return 2;
  }
  bench b = {0};
  b.total = atoi(argv[3]);
  b.limit = atoi(argv[4]);
  b.size = argv[5];
  b.out_dir = argc > 6 ? argv[6] : NULL;
  uv_loop_t *loop = uv_default_loop();
  gf_client_options o;
  gf_client_options_init(&o);
  o.base_url = argv[1];
  o.ca_file = argv[2];
  o.api_key = getenv("GEMINI_API_KEY") ? getenv("GEMINI_API_KEY") : "bench";
  int rc = gf_client_new(loop, &o, &b.client);
  if (rc) {
    fprintf(stderr, "gf_many: %s\n", gf_strerror(rc));
    return 1;
  }
  b.t0 = uv_hrtime();
  start_more(&b);
  uv_run(loop, UV_RUN_DEFAULT);
  double s = (double)(uv_hrtime() - b.t0) / 1e9;
  printf("generations=%d ok=%d bytes=%llu wall_s=%.2f MB_per_s=%.1f "
         "tls_full=%d tls_resumed=%d\n",
         b.total, b.ok, (unsigned long long)b.bytes, s,
         (double)b.bytes / 1e6 / s, b.ok - b.resumed, b.resumed);
  gf_client_free(b.client);
  uv_run(loop, UV_RUN_DEFAULT);
  uv_loop_close(loop);
  return b.ok == b.total ? 0 : 1;
}
