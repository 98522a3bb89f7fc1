/* Option parsing for `gemflow generate`. getopt's own messages are off
 * (opterr = 0) so every usage error has the same "gemflow: ..." form. */
#include "opts.h"

#include <getopt.h>
#include <string.h>

#include "diag.h"

enum {
  GF__OPT_IMAGE_ONLY = 256,
  GF__OPT_SEARCH,
  GF__OPT_THOUGHTS,
  GF__OPT_JSON,
  GF__OPT_MODEL,
  GF__OPT_PASSTHROUGH,
  GF__OPT_VERSION,
  GF__OPT_CONTINUE,
};

static const struct option gf__long_opts[] = {
    {"out", required_argument, NULL, 'o'},
    {"aspect", required_argument, NULL, 'a'},
    {"size", required_argument, NULL, 's'},
    {"ref", required_argument, NULL, 'r'},
    {"image-only", no_argument, NULL, GF__OPT_IMAGE_ONLY},
    {"search", no_argument, NULL, GF__OPT_SEARCH},
    {"thoughts", no_argument, NULL, GF__OPT_THOUGHTS},
    {"json", no_argument, NULL, GF__OPT_JSON},
    {"verbose", no_argument, NULL, 'v'},
    {"model", required_argument, NULL, GF__OPT_MODEL},
    {"passthrough", no_argument, NULL, GF__OPT_PASSTHROUGH},
    {"continue", required_argument, NULL, GF__OPT_CONTINUE},
    GF__NETOPTS_LONG,
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, GF__OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int gf__opt_one(int c, const char *arg, gf__cli_opts *o);
static int gf__bad_option(int c, char **argv);

int gf__opts_parse(int argc, char **argv, gf__cli_opts *o) {
  memset(o, 0, sizeof *o);
  gf__netopts_init(&o->net);
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, ":o:a:s:r:vh", gf__long_opts, NULL)) !=
         -1) {
    int rc = (c == '?' || c == ':') ? gf__bad_option(c, argv)
                                    : gf__opt_one(c, optarg, o);
    if (rc)
      return rc;
  }
  if (o->help || o->version)
    return 0;
  if (o->nrefs > GF_MAX_REFS)
    return gf__usage_error("too many reference images: %d (at most %d)",
                           o->nrefs, GF_MAX_REFS);
  if (optind < argc)
    o->prompt = argv[optind++];
  if (optind < argc)
    return gf__usage_error("unexpected argument '%s' (quote the prompt as "
                           "one argument)",
                           argv[optind]);
  if (!o->prompt || !*o->prompt)
    return gf__usage_error("missing prompt: gemflow generate [options] "
                           "PROMPT (see --help)");
  return 0;
}

void gf__opts_usage(FILE *f) {
  fputs(
      "usage: gemflow generate [options] PROMPT\n"
      "\n"
      "Generates one image from PROMPT, streamed from the Gemini API, and\n"
      "prints the file's path.\n"
      "\n"
      "  -o, --out FILE        write the image to FILE (replaced atomically);\n"
      "                        a directory: the default name inside it.\n"
      "                        Default: ./gemflow-YYYYmmdd-HHMMSS.<ext>, with\n"
      "                        -1, -2, ... added rather than overwrite\n"
      "  -a, --aspect RATIO    aspect ratio (1:1 2:3 3:2 3:4 4:3 4:5 5:4 9:16\n"
      "                        16:9 21:9); the model picks one if not given\n"
      "  -s, --size SIZE       1K, 2K or 4K\n"
      "  -r, --ref FILE        reference image (png, jpeg, webp, heic, heif);\n"
      "                        repeatable, up to 14\n"
      "      --image-only      ask for the IMAGE modality only (default:\n"
      "                        TEXT and IMAGE)\n"
      "      --search          ground the generation with Google Search\n"
      "      --thoughts        stream the model's thinking to stderr\n"
      "      --json            print one JSON object with the result on "
      "stdout\n"
      "  -v, --verbose         request, response headers and timings on "
      "stderr\n"
      "      --model NAME      model (default " GF_DEFAULT_MODEL ")\n"
      "      --passthrough     send ratios and sizes the model table does "
      "not know\n"
      "      --continue FILE   the next turn of a conversation: FILE is the\n"
      "                        --json output of an earlier generate (its\n"
      "                        \"chat\"); the model edits its last image\n",
      f);
  gf__netopts_usage(f);
  fputs(
      "  -h, --help            this help\n"
      "      --version         print the version\n"
      "\n"
      "Exit status: 0 image written; 1 generation failed; 2 usage error\n"
      "(nothing sent); 130 interrupted.\n",
      f);
}

static int gf__opt_one(int c, const char *arg, gf__cli_opts *o) {
  switch (c) {
  case 'o': o->out = arg; break;
  case 'a': o->aspect = arg; break;
  case 's': o->size = arg; break;
  case 'r':
    if (o->nrefs < GF_MAX_REFS)
      o->refs[o->nrefs] = arg;
    o->nrefs++;
    break;
  case 'v': o->verbose = 1; break;
  case 'h': o->help = 1; break;
  case GF__OPT_IMAGE_ONLY: o->image_only = 1; break;
  case GF__OPT_SEARCH: o->search = 1; break;
  case GF__OPT_THOUGHTS: o->thoughts = 1; break;
  case GF__OPT_JSON: o->json = 1; break;
  case GF__OPT_MODEL: o->model = arg; break;
  case GF__OPT_PASSTHROUGH: o->passthrough = 1; break;
  case GF__OPT_VERSION: o->version = 1; break;
  case GF__OPT_CONTINUE: o->cont = arg; break;
  default: {
    int rc = gf__netopts_take(c, arg, &o->net);
    return rc == 1 ? gf__usage_error("unhandled option") : rc;
  }
  }
  return 0;
}

static int gf__bad_option(int c, char **argv) {
  const char *what = argv[optind - 1];
  if (c == ':')
    return gf__usage_error("option '%s' needs an argument", what);
  if (optopt && strncmp(what, "--", 2) != 0)
    return gf__usage_error("unknown option '-%c' (see --help)", optopt);
  /* Up to '=' only: "--api=KEY" (ambiguous, so unknown) must not print
   * the key. */
  int n = (int)strcspn(what, "=");
  return gf__usage_error("unknown option '%.*s' (see --help)", n, what);
}
