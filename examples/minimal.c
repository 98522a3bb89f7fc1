/* minimal: one image from the Gemini API into a file, on a libuv loop.
 *
 *   GEMFLOW_API_KEY=... ./minimal "a lighthouse at dusk" out.png
 *
 * The key comes from GEMFLOW_API_KEY (never from argv). GEMINI_BASE_URL, when
 * set, replaces the default service's endpoint (gemflow-sim's, for example;
 * SSL_CERT_FILE then names the CA to trust). Prints the result's status and
 * the image's sha256; exits 0 when the image was written.
 *
 * Build it against an installed gemflow:
 *   cc minimal.c $(pkg-config --cflags --libs gemflow libuv)
 * or with CMake: examples/minimal/CMakeLists.txt (find_package(gemflow)). */
#define _POSIX_C_SOURCE 200809L /* <uv.h> needs POSIX types under -std=c11 */
#include <stdio.h>
#include <stdlib.h>

#include <gemflow.h>
#include <uv.h>

typedef struct app {
  gf_client *client;
  int exit_code;
} app;

static void on_done(gf_gen *g, const gf_result *res, void *ud) {
  app *a = ud;
  (void)g;
  if (res->status == GF_OK) {
    char hex[65];
    gf_hex_sha256(res->sha256, hex);
    printf("status: ok\nfile: %s\nsha256: %s\nbytes: %llu\n", res->file, hex,
           (unsigned long long)res->bytes);
    a->exit_code = 0;
  } else {
    /* res->message is the server's or the library's explanation */
    printf("status: %s\n", gf_err_name(res->status));
    fprintf(stderr, "minimal: %s%s%s\n", gf_strerror(res->status),
            res->message ? ": " : "", res->message ? res->message : "");
  }
  /* Legal inside a callback: the client closes its handles and the loop
   * runs out. */
  gf_client_free(a->client);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s PROMPT OUT.png\n", argv[0]);
    return 2;
  }
  const char *key = getenv("GEMFLOW_API_KEY");
  if (!key || !*key) {
    fprintf(stderr, "minimal: set GEMFLOW_API_KEY\n");
    return 2;
  }
  const char *base_url = getenv("GEMINI_BASE_URL");

  uv_loop_t loop;
  if (uv_loop_init(&loop) != 0)
    return 1;

  gf_client_options copts;
  gf_client_options_init(&copts);
  copts.api_key = key;
  copts.base_url = base_url && *base_url ? base_url : NULL;
  app a = {NULL, 1};
  int rc = gf_client_new(&loop, &copts, &a.client);
  if (rc != 0) {
    fprintf(stderr, "minimal: %s\n", gf_strerror(rc));
    uv_loop_close(&loop);
    return 1;
  }

  gf_request *req = gf_request_new();
  if (!req || (rc = gf_request_set_prompt(req, argv[1])) != 0) {
    fprintf(stderr, "minimal: %s\n", gf_strerror(req ? rc : GF_ENOMEM));
    gf_request_free(req);
    gf_client_free(a.client);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return 1;
  }

  gf_gen_options gopts;
  gf_gen_options_init(&gopts);
  gopts.out_path = argv[2]; /* written beside it, renamed over it on success */

  gf_callbacks cb;
  gf_callbacks_init(&cb);
  cb.on_done = on_done;

  rc = gf_generate(a.client, req, &gopts, &cb, &a, NULL);
  gf_request_free(req); /* the generation holds its own copy */
  if (rc != 0) {        /* nothing started: no on_done will come */
    fprintf(stderr, "minimal: %s\n", gf_strerror(rc));
    gf_client_free(a.client);
  }

  /* Returns once on_done has freed the client and its handles are closed. */
  uv_run(&loop, UV_RUN_DEFAULT);
  return uv_loop_close(&loop) == 0 ? a.exit_code : 1;
}
