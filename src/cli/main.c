/* gemflow: the command-line program. Dispatches to a subcommand. */
#include <signal.h>
#include <string.h>

#include "batch.h"
#include "cli.h"
#include "fdlimit.h"
#include "harden.h"
#include "merge.h"
#include "gemflow.h"


static void gf__usage(FILE *f) {
  fputs("usage: gemflow <command> [options]\n"
        "\n"
        "commands:\n"
        "  generate [options] PROMPT   generate one image "
        "(gemflow generate --help)\n"
        "  batch [options] FILE.jsonl  generate many images, resumable "
        "(gemflow batch --help)\n"
        "  merge-manifests DIR...      merge the manifests of shards\n"
        "\n"
        "  gemflow --help | --version\n",
        f);
}


int main(int argc, char **argv) {
  gf__harden_process(); /* before the key is anywhere in memory */
  gf__fdlimit_raise();  /* thousands of streams need as many sockets */
  /* A closed stdout or stderr is an error to report, not a reason to die. */
  signal(SIGPIPE, SIG_IGN);
  const char *cmd = argc > 1 ? argv[1] : NULL;
  if (!cmd) {
    gf__usage(stderr);
    return 2;
  }
  if (strcmp(cmd, "generate") == 0)
    return gf__cmd_generate(argc - 1, argv + 1);
  if (strcmp(cmd, "batch") == 0)
    return gf__cmd_batch(argc - 1, argv + 1);
  if (strcmp(cmd, "merge-manifests") == 0)
    return gf__cmd_merge_manifests(argc - 1, argv + 1);
  if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 ||
      strcmp(cmd, "help") == 0) {
    gf__usage(stdout);
    return 0;
  }
  if (strcmp(cmd, "--version") == 0) {
    gf__print_version(stdout);
    return 0;
  }
  fprintf(stderr, "gemflow: unknown command '%s'\n", cmd);
  gf__usage(stderr);
  return 2;
}
