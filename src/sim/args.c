#include "sim/args.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/markers.h"

const char gf__sim_usage_text[] =
    "usage: gemflow-sim [options]\n"
    "       gemflow-sim --render --prompt P [--aspect R] [--size S] [--seed N]"
    " --out FILE\n"
    "\n"
    "A local stand-in for the Gemini image service: POST\n"
    "/v1beta/models/gemini-3-pro-image-preview:streamGenerateContent[?alt=sse]\n"
    "streams thought events, a PNG image event and a usage event. By default\n"
    "it answers as the service does, so that any client can use it: with\n"
    "alt=sse one \"data: \" line per event, CRLF line ends, a chunked body;\n"
    "without it one JSON array. It checks requests as the service does\n"
    "(unknown fields, also inside generationConfig and imageConfig, are a\n"
    "400) and API keys: none is a 403; any non-empty key is valid unless one\n"
    "is set (--api-key-file, GEMFLOW_SIM_API_KEY), then any other is a 400\n"
    "API_KEY_INVALID. The final image (and a text part before it) carry a\n"
    "thoughtSignature; a model turn sent back (multi-turn editing) must carry\n"
    "them unchanged, or the request is a 400. Unusual framings are asked for\n"
    "with the options and markers below.\n"
    "\n"
    "  --host ADDR       listen on this IP address only (default: 127.0.0.1\n"
    "                    and ::1)\n"
    "  --port N          port; 0 (the default) picks a free one\n"
    "  --cert F --key F  serve this PEM certificate and key instead of a\n"
    "                    test CA made at start\n"
    "  --dir DIR         where the test CA (ca.pem) and certificate go\n"
    "                    (default: a new temporary directory, removed at exit)\n"
    "  --plain           plain HTTP, no TLS\n"
    "  --api-key-file F  the one valid API key is the first line of F\n"
    "                    (else $GEMFLOW_SIM_API_KEY; neither: any non-empty\n"
    "                    key); never printed or logged\n"
    "  --reject-key K    answer 403 PERMISSION_DENIED to key K, as the service\n"
    "                    does a key reported as leaked (repeatable)\n"
    "  --passthrough-fields  let unknown fields inside generationConfig (and\n"
    "                    its imageConfig, thinkingConfig) through, for fields\n"
    "                    newer than the simulator\n"
    "  --eol crlf|lf|cr|mixed  line end of the event stream (default crlf;\n"
    "                    mixed: CRLF, LF, CR in turn, line after line)\n"
    "  --chunk N         HTTP chunk size in bytes, 1..16777216 (default 16384);\n"
    "                    the TLS record size when the body is not chunked\n"
    "  --body chunked|length|close  how a 200 body ends: last chunk (the\n"
    "                    default), Content-Length, or the server's close\n"
    "  --comments        \": keep-alive\" comment lines between and inside events\n"
    "  --pretty          the second thought event pretty-printed, over several\n"
    "                    data: lines\n"
    "  --think-ms N      pause after each thought event, ms (default 0)\n"
    "  --thoughts N      thought events per response, 0..64 (default 3)\n"
    "  --array           always answer with a JSON array (as without alt=sse)\n"
    "  --gzip=auto|never|always  gzip the response bodies (error answers\n"
    "                    too; Content-Encoding: gzip, deflate level 1, each\n"
    "                    event flushed as it is written): auto (the default)\n"
    "                    when the request's Accept-Encoding accepts gzip\n"
    "                    (\"gzip\", \"x-gzip\" or \"*\" with a q-value above 0),\n"
    "                    never, or always. Chunk sizes count compressed bytes;\n"
    "                    faults happen at the same place of the plain body\n"
    "  --seed N          picture seed (default 0; generationConfig.seed wins)\n"
    "  --log FILE        append one JSON line per request (never the key; it\n"
    "                    says key_from, turns and signatures)\n"
    "  --render          write the PNG served for --prompt/--aspect/--size/\n"
    "                    --seed to --out, and exit\n"
    "  --help, --version\n"
    "\n"
    "When ready it prints one line on stdout:\n"
    "  gemflow-sim ready url=https://localhost:PORT ca=/abs/path/ca.pem\n"
    "(url=http://127.0.0.1:PORT and no ca= with --plain). SIGINT or SIGTERM\n"
    "stop it (exit 0).\n"
    "\n"
    "Markers in the prompt change one response (all off by default):\n"
    "[[eol:lf|cr|crlf|mixed]] [[chunk:N]] [[body:chunked|length|close]]\n"
    "[[comments]] [[array]] [[pretty]] [[think:MS]] [[thoughts:N]]; for SSE\n"
    "also [[bom]] (a UTF-8 BOM first), [[sse-fields]] (event, id and retry\n"
    "lines), [[multiline]] (each JSON object over several data: lines),\n"
    "[[nospace]] (\"data:{\"), [[ping]] (junk lines between events); and\n"
    "[[fault:NAME]]. Markers are not part of the picture's prompt.\n"
    "\n"
    "Faults that answer instead of the stream (the first in this order):\n"
    "  429 503 500   the service's error JSON (429 and 503 with retry hints)\n"
    "  502 504       a gateway's, as error JSON (UNAVAILABLE,\n"
    "                DEADLINE_EXCEEDED)\n"
    "  3xx           307 to https://elsewhere.example/... (Location), HTML\n"
    "  html200       200, Content-Type text/html, a sign-in page\n"
    "on the head of any answer:\n"
    "  1xx           a 103 Early Hints first; 1xx-flood: 100 of them\n"
    "  bigheaders    a 20 KiB header (X-Sim-Padding)\n"
    "in the 200 stream:\n"
    "  reset         TCP reset\n"
    "  eof           FIN without close_notify\n"
    "  close         close_notify and FIN (the HTTP body still cut short,\n"
    "                unless body:close)\n"
    "  truncate      the body ends properly after the thoughts\n"
    "  midstream     an error object (503) as raw lines without data:\n"
    "  error-event   the same as an SSE event\n"
    "  stall         nothing after the first thought; the connection stays\n"
    "                open\n"
    "  drip          short thoughts in 25 pieces 100 ms apart (~2.5 s), then\n"
    "                the image at full pace\n"
    "  badjson safety block slow thought-image thought-only text mime-after\n"
    "[[at:STAGE]] says where reset, eof, close, midstream and error-event\n"
    "happen: head (before the status line: reset eof close), headers (inside\n"
    "the headers: reset eof close), between (after the first thought: all),\n"
    "image (after half the image's base64: all but error-event), usage\n"
    "(after the image, before the finish: all). A stage that does not apply\n"
    "to each of them given, or with none given, stays plain text. Without\n"
    "it: reset, midstream and error-event after the thoughts, eof and close\n"
    "inside the image. Of several connection faults reset wins, then eof,\n"
    "then close. With body:length the Content-Length announces the whole\n"
    "answer, so reset, eof and close cut it short; with body:close, eof\n"
    "closes without close_notify.\n"
    "\n"
    "For retry tests: [[times:N]] (1..1000) limits the prompt's faults to\n"
    "its first N requests (same prompt text, markers included, byte for\n"
    "byte, counted since the server started; the first 65536 such prompts\n"
    "are counted, later new ones fault every time); then it gets the normal\n"
    "answer. [[retry-delay:MS]] (0..600000) and [[retry-after:S]]\n"
    "(0..86400) set the retry hints of 429 and 503, which by default carry\n"
    "RetryInfo retryDelay \"1.5s\" and Retry-After: 2; given either, only\n"
    "the given ones are sent (retryDelay as seconds, \"0.3s\"). retry-delay\n"
    "also puts a RetryInfo in the 503 error object of error-event and\n"
    "midstream.\n";

static int bad(char *err, size_t errlen, const char *what, const char *arg) {
  snprintf(err, errlen, "%s: %s", what, arg ? arg : "(missing)");
  return -1;
}

/* Decimal, no sign, no junk, in [0, max]. */
static int number(const char *s, unsigned long long max,
                  unsigned long long *out) {
  if (!s || !*s || strspn(s, "0123456789") != strlen(s) || strlen(s) > 20)
    return -1;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (*end || errno || v > max)
    return -1;
  *out = v;
  return 0;
}

int gf__sim_parse_args(int argc, char **argv, gf__sim_cli *cli, char *err,
                       size_t errlen) {
  memset(cli, 0, sizeof *cli);
  gf__sim_opts_init(&cli->opts);
  gf__sim_opts *o = &cli->opts;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    unsigned long long n;
    int takes = 1;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
      cli->help = 1, takes = 0;
    } else if (!strcmp(a, "--version")) {
      cli->version = 1, takes = 0;
    } else if (!strcmp(a, "--plain")) {
      o->plain = 1, takes = 0;
    } else if (!strcmp(a, "--comments")) {
      o->framing.comments = 1, takes = 0;
    } else if (!strcmp(a, "--array")) {
      o->framing.array = 1, takes = 0;
    } else if (!strcmp(a, "--pretty")) {
      o->framing.pretty = 1, takes = 0;
    } else if (!strcmp(a, "--passthrough-fields")) {
      o->passthrough = 1, takes = 0;
    } else if (!strcmp(a, "--render")) {
      cli->render = 1, takes = 0;
    } else if (!strncmp(a, "--gzip=", 7)) {
      if ((o->gzip = gf__sim_gzip_named(a + 7)) < 0)
        return bad(err, errlen, "--gzip wants auto, never or always", a + 7);
      takes = 0;
    } else if (!v) {
      return bad(err, errlen, "unknown option or missing value", a);
    } else if (!strcmp(a, "--host")) {
      o->host = v;
    } else if (!strcmp(a, "--port")) {
      if (number(v, 65535, &n))
        return bad(err, errlen, "--port wants 0..65535", v);
      o->port = (int)n;
    } else if (!strcmp(a, "--cert")) {
      o->cert_file = v;
    } else if (!strcmp(a, "--key")) {
      o->key_file = v;
    } else if (!strcmp(a, "--dir")) {
      o->dir = v;
    } else if (!strcmp(a, "--gzip")) {
      if ((o->gzip = gf__sim_gzip_named(v)) < 0)
        return bad(err, errlen, "--gzip wants auto, never or always", v);
    } else if (!strcmp(a, "--eol")) {
      if (!(o->framing.eol = gf__sim_eol_named(v, strlen(v))))
        return bad(err, errlen, "--eol wants crlf, lf, cr or mixed", v);
    } else if (!strcmp(a, "--body")) {
      if ((o->framing.body = gf__sim_body_named(v, strlen(v))) < 0)
        return bad(err, errlen, "--body wants chunked, length or close", v);
    } else if (!strcmp(a, "--chunk")) {
      if (number(v, GF_SIM_CHUNK_MAX, &n) || n == 0)
        return bad(err, errlen, "--chunk wants 1..16777216", v);
      o->framing.chunk = (size_t)n;
    } else if (!strcmp(a, "--think-ms")) {
      if (number(v, GF_SIM_THINK_MAX, &n))
        return bad(err, errlen, "--think-ms wants 0..600000", v);
      o->framing.think_ms = (unsigned)n;
    } else if (!strcmp(a, "--thoughts")) {
      if (number(v, GF_SIM_THOUGHTS_MAX, &n))
        return bad(err, errlen, "--thoughts wants 0..64", v);
      o->framing.thoughts = (int)n;
    } else if (!strcmp(a, "--seed")) {
      if (number(v, ~0ull, &n))
        return bad(err, errlen, "--seed wants a number", v);
      o->seed = n;
    } else if (!strcmp(a, "--reject-key")) {
      if (o->nreject == GF_SIM_MAX_REJECT)
        return bad(err, errlen, "too many --reject-key", v);
      o->reject[o->nreject++] = v;
    } else if (!strcmp(a, "--api-key-file")) {
      cli->api_key_file = v;
    } else if (!strcmp(a, "--log")) {
      o->log_file = v;
    } else if (!strcmp(a, "--prompt")) {
      cli->prompt = v;
    } else if (!strcmp(a, "--aspect")) {
      cli->aspect = v;
    } else if (!strcmp(a, "--size")) {
      cli->size = v;
    } else if (!strcmp(a, "--out")) {
      cli->out = v;
    } else {
      return bad(err, errlen, "unknown option", a);
    }
    i += takes;
  }
  if (cli->help || cli->version)
    return 0;
  if (cli->render && (!cli->prompt || !cli->out))
    return bad(err, errlen, "--render needs --prompt and --out", NULL);
  if (!cli->render && (cli->prompt || cli->aspect || cli->size || cli->out))
    return bad(err, errlen, "--prompt, --aspect, --size and --out go with",
               "--render");
  if (!!o->cert_file != !!o->key_file)
    return bad(err, errlen, "--cert and --key go together", NULL);
  return 0;
}
