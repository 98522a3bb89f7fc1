/* The command line: every option's effect, the defaults, usage errors
 * (exit status 2), and --render through the program's entry point. */
#include <unistd.h>

#include "common/buf.h"
#include "common/sha256.h"
#include "gemflow.h"
#include "sim/apikey.h"
#include "sim/args.h"
#include "sim/markers.h"
#include "sim/png.h"
#include "test.h"

#define ARGV(...) ((char *[]){"gemflow-sim", __VA_ARGS__, NULL})
#define ARGC(...) ((int)(sizeof((char *[]){"gemflow-sim", __VA_ARGS__}) /       \
                         sizeof(char *)))
#define PARSE(cli, err, ...)                                                   \
  gf__sim_parse_args(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), cli, err,           \
                     sizeof err)

static void test_defaults(void) {
  gf__sim_cli cli;
  char err[200];
  char *argv[] = {"gemflow-sim", NULL};
  CHECK_INT(gf__sim_parse_args(1, argv, &cli, err, sizeof err), 0);
  const gf__sim_opts *o = &cli.opts;
  CHECK(o->host == NULL);
  CHECK_INT(o->port, 0);
  CHECK_INT(o->plain, 0);
  CHECK_STR(o->framing.eol, "\r\n");
  CHECK_INT(o->framing.chunk, 16384);
  CHECK_INT(o->framing.comments, 0);
  CHECK_INT(o->framing.think_ms, 0);
  CHECK_INT(o->framing.thoughts, 3);
  CHECK_INT(o->framing.array, 0);
  CHECK_INT(o->framing.body, GF_SIM_BODY_CHUNKED);
  CHECK_INT(o->framing.bom + o->framing.sse_fields + o->framing.multiline +
                o->framing.nospace + o->framing.ping + o->framing.pretty,
            0);
  CHECK_INT(o->seed, 0);
  CHECK_INT(o->nreject, 0);
  CHECK(o->api_key == NULL && cli.api_key_file == NULL);
  CHECK_INT(o->passthrough, 0);
  CHECK(o->log_file == NULL && o->dir == NULL && o->cert_file == NULL);
  CHECK_INT(cli.render + cli.help + cli.version, 0);
}

static void test_every_option(void) {
  gf__sim_cli cli;
  char err[200];
  CHECK_INT(PARSE(&cli, err, "--host", "::1", "--port", "8443", "--cert", "c",
                  "--key", "k", "--dir", "d", "--plain", "--eol", "cr",
                  "--chunk", "1", "--comments", "--think-ms", "250",
                  "--thoughts", "0", "--array", "--seed", "18446744073709551615",
                  "--reject-key", "a", "--reject-key", "b", "--log", "l",
                  "--pretty", "--passthrough-fields", "--api-key-file", "kf"),
            0);
  const gf__sim_opts *o = &cli.opts;
  CHECK_STR(o->host, "::1");
  CHECK_INT(o->port, 8443);
  CHECK_STR(o->cert_file, "c");
  CHECK_STR(o->key_file, "k");
  CHECK_STR(o->dir, "d");
  CHECK_INT(o->plain, 1);
  CHECK_STR(o->framing.eol, "\r");
  CHECK_INT(o->framing.chunk, 1);
  CHECK_INT(o->framing.comments, 1);
  CHECK_INT(o->framing.think_ms, 250);
  CHECK_INT(o->framing.thoughts, 0);
  CHECK_INT(o->framing.array, 1);
  CHECK(o->seed == UINT64_MAX);
  CHECK_INT(o->nreject, 2);
  CHECK_STR(o->reject[1], "b");
  CHECK_STR(o->log_file, "l");
  CHECK_INT(o->framing.pretty, 1);
  CHECK_INT(o->passthrough, 1);
  CHECK_STR(cli.api_key_file, "kf");
  CHECK(o->api_key == NULL); /* read by gf__sim_main, not by the parser */
  CHECK_INT(PARSE(&cli, err, "--render", "--prompt", "p", "--aspect", "16:9",
                  "--size", "4K", "--seed", "3", "--out", "o.png"),
            0);
  CHECK_INT(cli.render, 1);
  CHECK_STR(cli.prompt, "p");
  CHECK_STR(cli.aspect, "16:9");
  CHECK_STR(cli.size, "4K");
  CHECK_STR(cli.out, "o.png");
  CHECK_INT(cli.opts.seed, 3);
  /* the framings that are also markers */
  CHECK_INT(PARSE(&cli, err, "--eol", "mixed", "--body", "length"), 0);
  CHECK(cli.opts.framing.eol == gf__sim_eol_mixed);
  CHECK_INT(cli.opts.framing.body, GF_SIM_BODY_LENGTH);
  CHECK_INT(PARSE(&cli, err, "--body", "close"), 0);
  CHECK_INT(cli.opts.framing.body, GF_SIM_BODY_CLOSE);
  CHECK_INT(PARSE(&cli, err, "--body", "close", "--body", "chunked"), 0);
  CHECK_INT(cli.opts.framing.body, GF_SIM_BODY_CHUNKED);
  CHECK_INT(PARSE(&cli, err, "--eol", "lf", "--help"), 0);
  CHECK_INT(cli.help, 1);
  CHECK_INT(PARSE(&cli, err, "--version"), 0);
  CHECK_INT(cli.version, 1);
}

static void test_usage_errors(void) {
  gf__sim_cli cli;
  char err[200];
  CHECK_INT(PARSE(&cli, err, "--port", "65536"), -1);
  CHECK_STR(err, "--port wants 0..65535: 65536");
  CHECK_INT(PARSE(&cli, err, "--port", "-1"), -1);
  CHECK_INT(PARSE(&cli, err, "--port", "80x"), -1);
  CHECK_INT(PARSE(&cli, err, "--port"), -1);
  CHECK_STR(err, "unknown option or missing value: --port");
  CHECK_INT(PARSE(&cli, err, "--chunk", "0"), -1);
  CHECK_INT(PARSE(&cli, err, "--chunk", "16777217"), -1);
  CHECK_INT(PARSE(&cli, err, "--eol", "CRLF"), -1);
  CHECK_STR(err, "--eol wants crlf, lf, cr or mixed: CRLF");
  CHECK_INT(PARSE(&cli, err, "--body", "Length"), -1);
  CHECK_STR(err, "--body wants chunked, length or close: Length");
  CHECK_INT(PARSE(&cli, err, "--body"), -1);
  CHECK_STR(err, "unknown option or missing value: --body");
  CHECK_INT(PARSE(&cli, err, "--think-ms", "600001"), -1);
  CHECK_INT(PARSE(&cli, err, "--thoughts", "65"), -1);
  CHECK_INT(PARSE(&cli, err, "--seed", "18446744073709551616"), -1);
  CHECK_INT(PARSE(&cli, err, "--bogus", "x"), -1);
  CHECK_STR(err, "unknown option: --bogus");
  CHECK_INT(PARSE(&cli, err, "--cert", "c"), -1);
  CHECK_INT(PARSE(&cli, err, "--render", "--prompt", "p"), -1);
  CHECK_INT(PARSE(&cli, err, "--prompt", "p", "--out", "o"), -1);
  CHECK_INT(PARSE(&cli, err, "--reject-key", "1", "--reject-key", "2",
                  "--reject-key", "3", "--reject-key", "4", "--reject-key",
                  "5", "--reject-key", "6", "--reject-key", "7",
                  "--reject-key", "8", "--reject-key", "9", "--reject-key",
                  "10", "--reject-key", "11", "--reject-key", "12",
                  "--reject-key", "13", "--reject-key", "14", "--reject-key",
                  "15", "--reject-key", "16", "--reject-key", "17"),
            -1);
  CHECK(strstr(gf__sim_usage_text, "--reject-key K") != NULL);
  CHECK(strstr(gf__sim_usage_text, "gemflow-sim ready url=") != NULL);
  static const char *const documented[] = {
      "[[eol:lf|cr|crlf|mixed]]", "[[body:chunked|length|close]]", "[[bom]]",
      "[[sse-fields]]", "[[multiline]]", "[[nospace]]", "[[ping]]",
      "--body chunked|length|close", "--eol crlf|lf|cr|mixed", "[[pretty]]",
      "--pretty", "--api-key-file F", "GEMFLOW_SIM_API_KEY",
      "--passthrough-fields", "one \"data: \" line per event"};
  for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++)
    CHECK(strstr(gf__sim_usage_text, documented[i]) != NULL);
}

/* Every framing marker, old and new: none of them is in the picture. */
#define FOX                                                                    \
  "a fox [[eol:lf]][[eol:mixed]][[body:length]][[body:close]][[bom]]"          \
  "[[sse-fields]][[multiline]][[nospace]][[ping]][[body:chunked]]"

static void test_render_main(void) {
  char dir[] = "/tmp/gf-sim-args-XXXXXX", out[64];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(out, sizeof out, "%s/a.png", dir);
  CHECK_INT(gf__sim_main(ARGC("--render", "--prompt", FOX,
                              "--aspect", "21:9", "--seed", "9", "--out", out),
                         ARGV("--render", "--prompt", FOX,
                              "--aspect", "21:9", "--seed", "9", "--out", out)),
            0);
  FILE *f = fopen(out, "rb");
  gf__buf got, want;
  gf__buf_init(&got, 0);
  gf__buf_init(&want, 0);
  char b[65536];
  size_t n;
  while (f && (n = fread(b, 1, sizeof b, f)) > 0)
    gf__buf_append(&got, b, n);
  if (f)
    fclose(f);
  /* markers are not part of the picture; 21:9 at 1K is 1584x672 */
  CHECK_INT(gf__sim_png_encode("a fox ", 6, 9, 1584, 672, &want), 0);
  CHECK_MEM(got.data, got.len, want.data, want.len);
  gf__buf_free(&got);
  gf__buf_free(&want);
  unlink(out);
  /* exit status 2 for a bad value, 1 for an unwritable file */
  CHECK_INT(gf__sim_main(ARGC("--render", "--prompt", "p", "--size", "1k",
                              "--out", out),
                         ARGV("--render", "--prompt", "p", "--size", "1k",
                              "--out", out)),
            2);
  CHECK_INT(gf__sim_main(ARGC("--render", "--prompt", "p", "--out",
                              "/nonexistent/x.png"),
                         ARGV("--render", "--prompt", "p", "--out",
                              "/nonexistent/x.png")),
            1);
  CHECK_INT(gf__sim_main(ARGC("--chunk", "0"), ARGV("--chunk", "0")), 2);
  CHECK(access(out, F_OK) != 0);
  rmdir(dir);
}

/* The accepted key: the first line of --api-key-file, else the
 * environment's; never in an error message. */
static void test_load_key(void) {
  char dir[] = "/tmp/gf-sim-key-XXXXXX", path[64], key[GF_SIM_KEY_MAX],
       err[300];
  CHECK(mkdtemp(dir) != NULL);
  snprintf(path, sizeof path, "%s/key", dir);
  unsetenv(GF_SIM_ENV_KEY);
  CHECK_INT(gf__sim_load_key(NULL, key, err, sizeof err), 0);
  CHECK_STR(key, ""); /* none: any key */
  setenv(GF_SIM_ENV_KEY, " env-key-1\n", 1);
  CHECK_INT(gf__sim_load_key(NULL, key, err, sizeof err), 0);
  CHECK_STR(key, "env-key-1");
  FILE *f = fopen(path, "w");
  fputs("  file-key-2\r\nsecond line\n", f);
  fclose(f);
  CHECK_INT(gf__sim_load_key(path, key, err, sizeof err), 0);
  CHECK_STR(key, "file-key-2"); /* the file wins */
  f = fopen(path, "w");
  fputs("\n", f);
  fclose(f);
  CHECK_INT(gf__sim_load_key(path, key, err, sizeof err), -1);
  CHECK(strstr(err, "no key") != NULL);
  f = fopen(path, "w");
  for (int i = 0; i < GF_SIM_KEY_MAX + 10; i++)
    fputc('k', f);
  fclose(f);
  CHECK_INT(gf__sim_load_key(path, key, err, sizeof err), -1);
  CHECK(strstr(err, "kkkk") == NULL);
  unlink(path);
  CHECK_INT(gf__sim_load_key(path, key, err, sizeof err), -1);
  CHECK(strstr(err, "cannot read --api-key-file") != NULL);
  /* the program refuses to start without it (exit status 2) */
  CHECK_INT(gf__sim_main(ARGC("--api-key-file", path),
                         ARGV("--api-key-file", path)),
            2);
  unsetenv(GF_SIM_ENV_KEY);
  rmdir(dir);
}

TEST_MAIN(TEST(test_defaults), TEST(test_every_option),
          TEST(test_usage_errors), TEST(test_render_main), TEST(test_load_key))
