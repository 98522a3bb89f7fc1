/* `gemflow generate`: checks everything that can be checked offline, then
 * hands the request to the run loop. */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "chatfile.h"
#include "cli.h"
#include "diag.h"
#include "key.h"
#include "opts.h"
#include "outpath.h"
#include "request.h"
#include "run.h"

static int gf__check_ca_file(const char *path);
static int gf__generate_chat(const gf__cli_opts *o, gf_chat **chat);

int gf__cmd_generate(int argc, char **argv) {
  gf__cli_opts o;
  int rc = gf__opts_parse(argc, argv, &o);
  if (rc)
    return rc;
  if (o.help) {
    gf__opts_usage(stdout);
    return 0;
  }
  if (o.version) {
    gf__print_version(stdout);
    return 0;
  }
  gf_request *req = NULL;
  rc = gf__request_build(&o, &req);
  if (rc)
    return rc;
  gf__out_spec out;
  char key[GF__KEY_MAX + 1] = "";
  gf_chat *chat = NULL;
  rc = gf__generate_chat(&o, &chat);
  if (!rc)
    rc = gf__out_setup(&o, time(NULL), &out);
  if (!rc)
    rc = gf__check_ca_file(o.net.ca_file);
  if (!rc)
    rc = gf__key_load(o.net.key_file,
                      gf__netopts_key_vars(&o.net), key);
  if (!rc) {
    gf__diag_set_secret(key);
    out.gen.chat = chat;
    rc = gf__run_generate(&o, key, req, &out.gen);
    gf__diag_set_secret(NULL);
  }
  gf__key_wipe(key, sizeof key);
  gf_request_free(req);
  gf_chat_free(chat);
  return rc;
}

/* A conversation when one goes on (--continue) or may go on later (--json
 * prints it). */
static int gf__generate_chat(const gf__cli_opts *o, gf_chat **chat) {
  *chat = NULL;
  if (o->cont)
    return gf__chatfile_load(o->cont, chat);
  if (o->json && !(*chat = gf_chat_new())) {
    gf__diag_error("out of memory");
    return 1;
  }
  return 0;
}

static int gf__check_ca_file(const char *path) {
  if (!path)
    return 0;
  if (access(path, R_OK) != 0)
    return gf__usage_error("cannot read the CA file %s: %s", path,
                           strerror(errno));
  return 0;
}
