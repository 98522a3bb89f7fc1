/* A producer of gzip bodies on top of the plain one. */
#include "sim/zprod.h"

#include <string.h>

#include "gemflow.h"

int gf__sim_zprod_init(gf__sim_zprod *z, gf__sim_prod *prod) {
  memset(z, 0, sizeof *z);
  z->prod = prod;
  gf__buf_init(&z->plain, 0);
  return gf__sim_gz_init(&z->gz);
}

void gf__sim_zprod_free(gf__sim_zprod *z) {
  gf__sim_gz_free(&z->gz);
  gf__buf_free(&z->plain);
}

int gf__sim_zprod_next(gf__sim_zprod *z, gf__buf *out, size_t max,
                       unsigned *ms, int *slot) {
  gf__buf_reset(&z->plain);
  int r = gf__sim_prod_next(z->prod, &z->plain, max, ms, slot);
  if (r < 0)
    return r;
  int flush = r == GF_SIM_MORE && !z->prod->step_done ? Z_NO_FLUSH
              : r == GF_SIM_END                       ? Z_FINISH
                                                      : Z_SYNC_FLUSH;
  if (z->ended) /* the producer repeats its END: nothing more to write */
    return r;
  int rc = gf__sim_gz_put(&z->gz, z->plain.data, z->plain.len, flush, out);
  if (rc)
    return rc;
  z->ended = flush == Z_FINISH;
  return r;
}

int gf__sim_zplan_length(const gf__sim_plan *plan,
                         struct gf__sim_img *const imgs[GF_SIM_SLOTS],
                         size_t max, uint64_t *len) {
  uint64_t plain_total;
  int rc = gf__sim_plan_length(plan, imgs, &plain_total);
  if (rc)
    return rc;
  gf__sim_prod p;
  gf__sim_prod_init(&p, plan);
  for (int k = 0; k < GF_SIM_SLOTS; k++)
    p.imgs[k] = imgs[k];
  gf__sim_zprod z;
  gf__buf out;
  gf__buf_init(&out, 0);
  uint64_t n = 0;
  if (!(rc = gf__sim_zprod_init(&z, &p))) {
    for (;;) {
      unsigned ms = 0;
      int slot = 0;
      gf__buf_reset(&out);
      int r = gf__sim_zprod_next(&z, &out, max, &ms, &slot);
      n += out.len;
      if (r == GF_SIM_MORE || r == GF_SIM_PAUSE)
        continue;
      if (r == GF_SIM_END)
        *len = n;
      else if (r == GF_SIM_RESET || r == GF_SIM_EOF || r == GF_SIM_CLOSE ||
               r == GF_SIM_STALL)
        *len = n + (plain_total - p.body_bytes);
      else
        rc = r < 0 ? r : GF_EINVAL; /* WAIT: an image is not ready */
      break;
    }
  }
  gf__sim_zprod_free(&z);
  gf__buf_free(&out);
  return rc;
}
