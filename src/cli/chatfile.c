/* --continue FILE: the conversation kept in an earlier `generate --json`
 * output (its "chat" member), made a gf_chat again. */
#include "chatfile.h"

#include <errno.h>
#include <json-c/json.h>
#include <string.h>

#include "diag.h"

/* An --json output is small (images are referenced by path; reference
 * images are inlined, at most 14 of the service's ~20 MB). */
#define GF__CHATFILE_MAX (256u * 1024 * 1024)

static int gf__chat_error(const char *path, int err);

int gf__chatfile_load(const char *path, gf_chat **out) {
  *out = NULL;
  json_object *root = json_object_from_file(path);
  if (!root) {
    if (errno == ENOENT || errno == EACCES || errno == EISDIR)
      return gf__usage_error("--continue: cannot read %s: %s", path,
                             strerror(errno));
    return gf__usage_error("--continue: %s is not JSON (the output of "
                           "gemflow generate --json)", path);
  }
  json_object *chat = NULL;
  int rc = 0;
  if (!json_object_object_get_ex(root, "chat", &chat) ||
      !json_object_is_type(chat, json_type_object)) {
    rc = gf__usage_error("--continue: %s has no \"chat\": it is not the "
                         "--json output of a successful generate", path);
  } else {
    size_t n = 0;
    const char *text = json_object_to_json_string_length(
        chat, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    int err = text && n <= GF__CHATFILE_MAX ? gf_chat_from_json(text, n, out)
                                            : GF_ETOOBIG;
    if (err)
      rc = gf__chat_error(path, err);
  }
  json_object_put(root);
  return rc;
}

static int gf__chat_error(const char *path, int err) {
  switch (err) {
  case GF_EIO:
    return gf__usage_error("--continue: an image %s refers to cannot be "
                           "read (moved or deleted?)", path);
  case GF_EINVAL:
    return gf__usage_error("--continue: an image %s refers to has changed "
                           "since it was generated; the service needs it "
                           "as it was", path);
  case GF_ENOMEM:
    gf__diag_error("--continue: out of memory");
    return 1;
  default:
    return gf__usage_error("--continue: the \"chat\" in %s is not valid (%s)",
                           path, gf_strerror(err));
  }
}
