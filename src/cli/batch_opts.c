/* Option parsing for `gemflow batch`; the same "gemflow: ..." usage errors
 * as generate. */
#include "batch_opts.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "gemflow.h"

enum {
  GF__BO_IMAGE_ONLY = 256,
  GF__BO_SEARCH,
  GF__BO_PASSTHROUGH,
  GF__BO_MODEL,
  GF__BO_RPM,
  GF__BO_SHARD,
  GF__BO_NO_RESUME,
  GF__BO_DRY_RUN,
  GF__BO_MAX_COST,
  GF__BO_SAVE_THOUGHTS,
  GF__BO_JSON,
  GF__BO_QUIET,
};

static const struct option gf__batch_long[] = {
    {"out-dir", required_argument, NULL, 'o'},
    {"concurrency", required_argument, NULL, 'j'},
    {"aspect", required_argument, NULL, 'a'},
    {"size", required_argument, NULL, 's'},
    {"image-only", no_argument, NULL, GF__BO_IMAGE_ONLY},
    {"search", no_argument, NULL, GF__BO_SEARCH},
    {"passthrough", no_argument, NULL, GF__BO_PASSTHROUGH},
    {"model", required_argument, NULL, GF__BO_MODEL},
    GF__NETOPTS_LONG,
    {"rpm", required_argument, NULL, GF__BO_RPM},
    {"shard", required_argument, NULL, GF__BO_SHARD},
    {"no-resume", no_argument, NULL, GF__BO_NO_RESUME},
    {"dry-run", no_argument, NULL, GF__BO_DRY_RUN},
    {"max-cost", required_argument, NULL, GF__BO_MAX_COST},
    {"save-thoughts", no_argument, NULL, GF__BO_SAVE_THOUGHTS},
    {"json", no_argument, NULL, GF__BO_JSON},
    {"quiet", no_argument, NULL, GF__BO_QUIET},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int gf__batch_one(int c, const char *arg, gf__batch_opts *o);

int gf__batch_opts_parse(int argc, char **argv, gf__batch_opts *o) {
  memset(o, 0, sizeof *o);
  o->out_dir = "gemflow-out";
  o->concurrency = 16;
  gf__netopts_init(&o->net);
  o->max_cost = -1;
  opterr = 0;
  optind = 1;
  int c;
  while ((c = getopt_long(argc, argv, ":o:j:a:s:vh", gf__batch_long, NULL)) !=
         -1) {
    int rc;
    if (c == ':')
      rc = gf__usage_error("option '%s' needs an argument", argv[optind - 1]);
    else if (c == '?')
      rc = gf__usage_error("unknown option '%.*s' (see --help)",
                           (int)strcspn(argv[optind - 1], "="),
                           argv[optind - 1]);
    else
      rc = gf__batch_one(c, optarg, o);
    if (rc)
      return rc;
  }
  if (o->help)
    return 0;
  if (optind < argc)
    o->input = argv[optind++];
  if (optind < argc)
    return gf__usage_error("unexpected argument '%s' (one PROMPTS.jsonl)",
                           argv[optind]);
  if (!o->input || !*o->input)
    return gf__usage_error("missing input: gemflow batch [options] "
                           "PROMPTS.jsonl (see --help)");
  return 0;
}

static int gf__money(const char *arg, double *out) {
  char *end;
  double v = strtod(arg, &end);
  if (!*arg || *end || !(v >= 0 && v <= 1e9))
    return gf__usage_error("--max-cost takes an amount in USD (0 or more), "
                           "not '%s'", arg);
  *out = v;
  return 0;
}

static int gf__positive(const char *name, const char *arg, double max,
                        double *out) {
  char *end;
  double v = strtod(arg, &end);
  if (!*arg || *end || !(v > 0 && v <= max))
    return gf__usage_error("%s takes a number above 0 (at most %.0f), not "
                           "'%s'", name, max, arg);
  *out = v;
  return 0;
}

static int gf__batch_one(int c, const char *arg, gf__batch_opts *o) {
  double v;
  int rc = 0;
  switch (c) {
  case 'o': o->out_dir = arg; break;
  case 'j':
    rc = gf__positive("-j/--concurrency", arg, 100000, &v);
    if (!rc && v != (int)v)
      rc = gf__usage_error("-j/--concurrency takes a whole number, not '%s'",
                           arg);
    o->concurrency = (int)v;
    break;
  case 'a': o->aspect = arg; break;
  case 's': o->size = arg; break;
  case 'v': o->verbose = 1; break;
  case 'h': o->help = 1; break;
  case GF__BO_IMAGE_ONLY: o->image_only = 1; break;
  case GF__BO_SEARCH: o->search = 1; break;
  case GF__BO_PASSTHROUGH: o->passthrough = 1; break;
  case GF__BO_MODEL: o->model = arg; break;
  case GF__BO_RPM: rc = gf__positive("--rpm", arg, 1e6, &o->rpm); break;
  case GF__BO_SHARD: o->shard = arg; break;
  case GF__BO_NO_RESUME: o->no_resume = 1; break;
  case GF__BO_DRY_RUN: o->dry_run = 1; break;
  case GF__BO_MAX_COST:
    rc = gf__money(arg, &o->max_cost);
    break;
  case GF__BO_SAVE_THOUGHTS: o->save_thoughts = 1; break;
  case GF__BO_JSON: o->json = 1; break;
  case GF__BO_QUIET: o->quiet = 1; break;
  default:
    rc = gf__netopts_take(c, arg, &o->net);
    if (rc == 1)
      rc = gf__usage_error("unhandled option");
  }
  return rc;
}

void gf__batch_usage(FILE *f) {
  fputs(
      "usage: gemflow batch [options] PROMPTS.jsonl   (- reads stdin)\n"
      "\n"
      "Generates one image per line of PROMPTS.jsonl, many at once, into an\n"
      "output directory with a manifest (manifest.jsonl; with --shard K/N,\n"
      "manifest.K-of-N.jsonl, so that the shards may share the directory).\n"
      "Every line is checked before the first request. Running the same\n"
      "command again finishes only what is missing.\n"
      "\n"
      "Each line: {\"id\": \"cat-1\", \"prompt\": \"...\"} with optional\n"
      "aspect_ratio, image_size, refs (reference image paths, relative to\n"
      "the file's directory), image_only, search, out (a file name under\n"
      "the output directory), meta (copied into the manifest).\n"
      "\n"
      "  -o, --out-dir DIR     output directory (default ./gemflow-out)\n"
      "  -j, --concurrency N   generations at once (default 16); halved on\n"
      "                        429, grows back by one per success\n"
      "  -a, --aspect RATIO    default ratio for lines without one\n"
      "  -s, --size SIZE       default size (1K, 2K, 4K)\n"
      "      --image-only      ask for the IMAGE modality only\n"
      "      --search          ground generations with Google Search\n"
      "      --passthrough     send ratios and sizes the table does not know\n"
      "      --rpm N           at most N requests started per minute, retries\n"
      "                        included: the project's whole budget (each of\n"
      "                        N shards takes its share)\n"
      "      --shard K/N       only the ids whose FNV-1a hash mod N is K;\n"
      "                        'env' reads JOB_COMPLETION_INDEX and\n"
      "                        GEMFLOW_SHARD_COUNT, or the SLURM_ARRAY_TASK_*\n"
      "                        variables; merge the shards' manifests with\n"
      "                        gemflow merge-manifests DIR\n"
      "      --no-resume       generate every item again\n"
      "      --dry-run         check, apply resume and sharding, print the\n"
      "                        plan and estimated cost; send nothing\n"
      "      --max-cost USD    start no item once the estimate for started\n"
      "                        items would pass USD\n"
      "      --save-thoughts   write the thinking to DIR/<id>.thoughts.txt\n"
      "      --json            print a JSON summary on stdout\n"
      "      --quiet           no progress line and no summary on stderr\n"
      "  -v, --verbose         every request and response line on stderr\n"
      "      --model NAME      model (default " GF_DEFAULT_MODEL ")\n",
      f);
  gf__netopts_usage(f);
  fputs(
      "  -h, --help            this help\n"
      "\n"
      "Exit status: 0 every item ok; 1 some item failed or was not started;\n"
      "2 usage error or bad input line (nothing sent); 130 interrupted\n"
      "(what finished is kept; run again to finish the rest).\n",
      f);
}
