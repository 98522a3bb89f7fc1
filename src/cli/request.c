/* Request building. Everything the user can get wrong is found here, before
 * a connection is opened: a paid request is never sent to learn that a
 * ratio was misspelt. */
#include "request.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag.h"

static int gf__set_basics(gf_request *req, const gf__cli_opts *o);
static int gf__set_checked(gf_request *req, const gf__cli_opts *o,
                           const char *what, const char *value,
                           int (*set)(gf_request *, const char *));
static int gf__add_ref(gf_request *req, const char *path);

int gf__request_build(const gf__cli_opts *o, gf_request **out) {
  *out = NULL;
  gf_request *req = gf_request_new();
  if (!req) {
    gf__diag_error("out of memory");
    return 1;
  }
  int rc = gf__set_basics(req, o);
  gf_request_set_passthrough(req, o->passthrough); /* before the checks */
  gf_request_set_search(req, o->search);
  if (!rc)
    rc = gf__set_checked(req, o, "aspect ratio", o->aspect,
                         gf_request_set_aspect);
  if (!rc)
    rc = gf__set_checked(req, o, "size", o->size, gf_request_set_size);
  for (int i = 0; !rc && i < o->nrefs; i++)
    rc = gf__add_ref(req, o->refs[i]);
  if (rc) {
    gf_request_free(req);
    return rc;
  }
  *out = req;
  return 0;
}

/* Model, prompt, modalities: GF_EINVAL is the user's input, anything else
 * the machine's. */
static int gf__set_basics(gf_request *req, const gf__cli_opts *o) {
  int err = gf_request_set_model(req, o->model);
  if (err == GF_EINVAL)
    return gf__usage_error("invalid model name '%s'", o->model);
  if (!err) {
    err = gf_request_set_prompt(req, o->prompt);
    if (err == GF_EINVAL)
      return gf__usage_error("the prompt is not valid UTF-8");
  }
  if (!err)
    err = gf_request_set_modalities(
        req, o->image_only ? GF_MOD_IMAGE : GF_MOD_TEXT_IMAGE);
  if (err) {
    gf__diag_error("cannot build the request: %s", gf_strerror(err));
    return 1;
  }
  return 0;
}

static int gf__set_checked(gf_request *req, const gf__cli_opts *o,
                           const char *what, const char *value,
                           int (*set)(gf_request *, const char *)) {
  if (!value)
    return 0;
  int err = set(req, value);
  if (err == 0)
    return 0;
  if (err == GF_ENOMEM) {
    gf__diag_error("out of memory");
    return 1;
  }
  char m[GF__EXPLAIN_MAX];
  gf__explain_value(m, sizeof m, what, value, o->model, o->passthrough);
  return gf__usage_error("%s", m);
}

static int gf__add_ref(gf_request *req, const char *path) {
  int err = gf_request_add_ref_file(req, path);
  if (err == 0)
    return 0;
  if (err == GF_ENOMEM) {
    gf__diag_error("out of memory");
    return 1;
  }
  char m[GF__EXPLAIN_MAX];
  gf__explain_ref(m, sizeof m, err, path);
  return gf__usage_error("%s", m);
}

void gf__explain_value(char *out, size_t cap, const char *what,
                       const char *value, const char *model, int passthrough) {
  if (!model)
    model = GF_DEFAULT_MODEL;
  const char *valid = strcmp(what, "size") == 0 ? gf_model_sizes(model)
                                                : gf_model_aspects(model);
  if (passthrough) /* even unchecked, a value must fit in the request */
    snprintf(out, cap, "invalid %s '%s'", what, value);
  else if (!valid)
    snprintf(out, cap, "model %s has no table of valid values: cannot check "
             "%s '%s' (--passthrough sends it as is)", model, what, value);
  else
    snprintf(out, cap, "invalid %s '%s' for %s; valid: %s (--passthrough "
             "sends other values as is)", what, value, model, valid);
}

void gf__explain_ref(char *out, size_t cap, int code, const char *path) {
  if (code == GF_EUNSUPPORTED) {
    snprintf(out, cap, "reference %s: not a png, jpeg, webp, heic or heif "
             "image", path);
    return;
  }
  if (code != GF_EIO) {
    snprintf(out, cap, "reference %s: %s", path, gf_strerror(code));
    return;
  }
  /* The library says only "could not read": find out why for the user. */
  struct stat st;
  int fd = open(path, O_RDONLY);
  const char *why = fd < 0 ? strerror(errno)
                    : (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
                        ? "is a directory"
                        : gf_strerror(code);
  if (fd >= 0)
    close(fd);
  snprintf(out, cap, "cannot read reference %s: %s", path, why);
}
