/* --render: the PNG the server would serve, written to a file (through a
 * temporary name, renamed when complete). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "gemflow.h"
#include "sim/dims.h"
#include "sim/markers.h"
#include "sim/png.h"
#include "sim/sim.h"

static int write_file(const char *path, const gf__buf *png) {
  size_t n = strlen(path) + 16;
  char *tmp = malloc(n);
  if (!tmp)
    return GF_ENOMEM;
  snprintf(tmp, n, "%s.tmp%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  int ok = f && fwrite(png->data, 1, png->len, f) == png->len;
  if (f)
    ok = fclose(f) == 0 && ok;
  ok = ok && rename(tmp, path) == 0;
  if (!ok)
    unlink(tmp);
  free(tmp);
  return ok ? 0 : GF_EIO;
}

int gf__sim_render(const char *prompt, const char *aspect, const char *size,
                   uint64_t seed, const char *out_path, const char **errmsg) {
  int w, h, rc = gf__sim_dims(aspect ? aspect : "1:1", size ? size : "1K", &w,
                               &h);
  if (rc) {
    *errmsg = rc == -1 ? "unknown --aspect (one of " GF_SIM_ASPECTS ")"
                       : "unknown --size (one of " GF_SIM_SIZES ")";
    return GF_EINVAL;
  }
  gf__sim_marks m;
  gf__buf stripped, png;
  gf__buf_init(&stripped, 0);
  gf__buf_init(&png, 0);
  rc = gf__sim_marks_parse(prompt, strlen(prompt), &m, &stripped);
  if (!rc)
    rc = gf__buf_append(&stripped, "", 0);
  if (!rc)
    rc = gf__sim_png_encode(stripped.data, stripped.len, seed, w, h, &png);
  if (!rc && (rc = write_file(out_path, &png)))
    *errmsg = "cannot write --out";
  else if (rc)
    *errmsg = gf_strerror(rc);
  gf__buf_free(&stripped);
  gf__buf_free(&png);
  return rc;
}
