/* libFuzzer target for the simulator's parsers and planner. The input is
 * "<target>\n<body>": request validation (query, JSON shape, base64 of
 * references) must answer 0 or a known error; the prompt's markers are
 * parsed; for a valid request the response is planned (markers included)
 * and produced with stand-in images, piece sizes chosen by the input: the
 * bytes must not depend on the piece size, and production must end. The
 * Content-Length a plan announces is what it produces when it ends well,
 * and no less when a connection fault cuts it. Words in the target pick
 * the key policy (one valid key or any) and --passthrough-fields; model
 * turns' thoughtSignatures are checked (a failure is a 400).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/apierr.h"
#include "sim/image.h"
#include "sim/dims.h"
#include "sim/events.h"
#include "sim/markers.h"
#include "sim/picture.h"
#include "sim/plan.h"
#include "sim/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void produce(gf__sim_plan *plan, gf__sim_img **imgs, size_t max,
                    gf__buf *out, int *end) {
  gf__sim_prod p;
  gf__sim_prod_init(&p, plan);
  for (int k = 0; k < GF_SIM_SLOTS; k++)
    p.imgs[k] = imgs[k];
  for (long guard = 0;; guard++) {
    if (guard > 100000000)
      abort(); /* it must end */
    unsigned ms = 0;
    int slot = 0;
    int r = gf__sim_prod_next(&p, out, max, &ms, &slot);
    if (r == GF_SIM_MORE || r == GF_SIM_PAUSE)
      continue;
    if (r == GF_SIM_WAIT)
      abort(); /* every image is ready */
    *end = r;
    return;
  }
}

static void plan_and_produce(const gf__sim_req *req, unsigned choice) {
  gf__sim_marks m;
  gf__buf stripped;
  gf__buf_init(&stripped, 0);
  if (gf__sim_marks_parse(req->prompt, req->plen, &m, &stripped) ||
      gf__buf_append(&stripped, "", 0)) {
    gf__buf_free(&stripped);
    return;
  }
  if (stripped.len > req->plen)
    abort();
  gf__sim_plan_in in;
  memset(&in, 0, sizeof in);
  in.req = req;
  in.prompt = stripped.data;
  in.plen = stripped.len;
  in.framing.eol = "\r\n";
  in.framing.chunk = 16384;
  in.framing.thoughts = 3;
  gf__sim_marks_apply(&m, req->sse, &in.framing);
  in.faults = m.faults;
  in.ctx = (gf__sim_ev_ctx){"gemini-3-pro-image-preview",
                            "2025-11-25T10:37:00.000000Z",
                            "AAAAAAAAAAAAAAAAAAAAAA"};
  gf__sim_plan plan;
  if (gf__sim_plan_build(&plan, &in) == 0) {
    static char b64[] = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElE";
    gf__sim_img imgs[GF_SIM_SLOTS], *ptr[GF_SIM_SLOTS];
    for (int k = 0; k < GF_SIM_SLOTS; k++) {
      memset(&imgs[k], 0, sizeof imgs[k]);
      imgs[k].b64 = b64;
      imgs[k].b64_len = (size_t)(k + 1) * 16; /* different lengths */
      ptr[k] = plan.slots[k].used ? &imgs[k] : NULL;
    }
    gf__buf a, b;
    gf__buf_init(&a, 0);
    gf__buf_init(&b, 0);
    int ea = 0, eb = 0;
    produce(&plan, ptr, 16384, &a, &ea);
    produce(&plan, ptr, 1 + choice % 97, &b, &eb);
    if (ea != eb || a.len != b.len || memcmp(a.data, b.data, a.len))
      abort();
    if (ea != GF_SIM_END && ea != GF_SIM_RESET && ea != GF_SIM_EOF &&
        ea != GF_SIM_CLOSE && ea != GF_SIM_STALL)
      abort();
    uint64_t len = 0;
    if (gf__sim_plan_length(&plan, ptr, &len) ||
        (ea == GF_SIM_END ? len != a.len : len < a.len))
      abort();
    gf__buf_free(&a);
    gf__buf_free(&b);
  }
  gf__sim_plan_free(&plan);
  gf__buf_free(&stripped);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *p = (const char *)data;
  const char *nl = memchr(p, '\n', size);
  size_t tlen = nl ? (size_t)(nl - p) : 0;
  char *target = malloc(tlen + 1);
  if (!target)
    return 0;
  memcpy(target, p, tlen);
  target[tlen] = '\0';
  const char *body = nl ? nl + 1 : p;
  size_t n = size - (size_t)(body - p);
  /* words in the target (a query parameter the simulator ignores) set the
   * server's options: fuzz-strict makes "good-key" the one valid key (so
   * other keys get the 400 of a bad key), fuzz-lenient is
   * --passthrough-fields; "bad-key" is always reported as leaked */
  static const char *const reject[] = {"bad-key"};
  gf__sim_keys keys = {strstr(target, "fuzz-strict") ? "good-key" : NULL,
                       reject, 1};
  gf__sim_req r;
  gf__sim_err e;
  gf__sim_req_init(&r);
  r.lenient = strstr(target, "fuzz-lenient") != NULL;
  memset(&e, 0, sizeof e);
  int rc = gf__sim_req_validate(&r, "POST", target, NULL, body, n, &keys, 0,
                                &e);
  if (rc == 0) {
    if (!r.prompt || r.w <= 0 || r.h <= 0 || r.nrefs > GF_SIM_MAX_REFS ||
        r.sig_fail || r.turns < 1 ||
        strcmp(gf__sim_req_signatures(&r), r.sig_checked ? "ok" : "none"))
      abort();
    r.w = r.h = 8; /* the stand-in images do not care */
    plan_and_produce(&r, size ? data[0] : 0);
  } else {
    static const int known[] = {400, 403, 404, 405, 413, 500};
    int ok = 0;
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
      ok |= e.status == known[i];
    if (rc != -1 || !ok || !e.api_status || !e.message[0])
      abort();
    /* a signature failure is a 400 and says so in the log */
    if (r.sig_fail && (e.status != 400 ||
                       !strcmp(gf__sim_req_signatures(&r), "ok")))
      abort();
    gf__buf out;
    gf__buf_init(&out, 0);
    if (gf__sim_err_json(&e, size & 1, &out))
      abort();
    gf__buf_free(&out);
  }
  /* the markers of any text, not only of valid prompts */
  gf__sim_marks m;
  gf__buf s;
  gf__buf_init(&s, 0);
  if (gf__sim_marks_parse(p, size, &m, &s) == 0 && s.len > size)
    abort();
  gf__buf_free(&s);
  gf__sim_req_free(&r);
  free(target);
  return 0;
}
