#include "sim/plan.h"

#include <stdlib.h>
#include <string.h>

#include "gemflow.h"
#include "sim/apierr.h"
#include "sim/dims.h"
#include "sim/frame.h"
#include "sim/image.h"
#include "sim/markers.h"
#include "sim/picture.h"
#include "sim/request.h"
#include "sim/sig.h"

/* Where the image's base64 goes while its event is framed: control bytes,
 * which JSON text never holds raw. */
#define B64_MARK "\x01gf-sim-b64\x01"

/* Where the stream's faults happen: the stages of [[at:STAGE]] that the
 * plan places, and ST_THOUGHTS (after the last thought), which only the
 * defaults use. */
enum {
  ST_NONE = -1,
  ST_BETWEEN = GF_SIM_AT_BETWEEN,
  ST_IMAGE = GF_SIM_AT_IMAGE,
  ST_USAGE = GF_SIM_AT_USAGE,
  ST_THOUGHTS = GF_SIM_AT_USAGE + 1,
};

typedef struct gf__plan_b {
  gf__sim_plan *p;
  const gf__sim_plan_in *in;
  const gf__sim_framing *f;
  gf__sim_fw fw;
  int virt; /* past a connection fault: only counted in Content-Length */
  int rc;   /* sticky */
  int conn_kind; /* GF_SIM_STEP_RESET, _EOF, _CLOSE, _STALL; -1: none */
  int conn_at;   /* its stage (ST_*); ST_NONE once placed */
  int err_at;    /* the error object's stage; ST_NONE: none */
} gf__plan_b;

static gf__sim_step *add_step(gf__plan_b *b, gf__sim_step_kind kind);
static gf__sim_step *add_event(gf__plan_b *b, const gf__buf *json);
static void add_error(gf__plan_b *b);
static void add_image(gf__plan_b *b, int slot, int thought, int final);
static void add_pause(gf__plan_b *b, unsigned ms);
static void add_thought(gf__plan_b *b, int i);
static void add_usage(gf__plan_b *b, const char *reason);
static void close_array(gf__plan_b *b);
static int past_fault(gf__plan_b *b, gf__sim_step_kind kind);
static void put_s(gf__plan_b *b, gf__buf *out, const char *s);
static int stage(gf__plan_b *b, int st);
static void place_faults(gf__plan_b *b);
static void drip_pieces(gf__sim_plan *p);

/* The steps; returns as soon as the body ends. */
static void build(gf__plan_b *b) {
  const gf__sim_plan_in *in = b->in;
  const gf__sim_req *r = in->req;
  gf__sim_plan *p = b->p;
  unsigned fl = in->faults;
  if (fl & GF_SIM_F_BLOCK) {
    gf__buf ev;
    gf__buf_init(&ev, 0);
    gf__sim_usage u = {r->prompt_tokens, 0, 0, GF_SIM_REF_TOKENS * r->nrefs, 0};
    b->rc = gf__sim_ev_block(&ev, &in->ctx, "SAFETY", &u);
    add_event(b, &ev);
    gf__buf_free(&ev);
    close_array(b);
    add_step(b, GF_SIM_STEP_END);
    return;
  }
  int interim = fl & GF_SIM_F_THOUGHT_IMAGE ? 2 : 0;
  for (int k = 1; k <= interim; k++)
    p->slots[k] = (gf__sim_slot){r->seed ^ gf__sim_mix64((uint64_t)k),
                                 r->w / 2, r->h / 2, 0};
  int shown = 0;
  for (int i = 0; i < b->f->thoughts; i++) {
    add_thought(b, i);
    if (i == 0 && stage(b, ST_BETWEEN))
      return;
    if (shown < interim)
      add_image(b, 1 + shown++, 1, 0);
    add_pause(b, b->f->think_ms);
  }
  if (b->f->thoughts == 0 && stage(b, ST_BETWEEN))
    return;
  while (shown < interim)
    add_image(b, 1 + shown++, 1, 0);
  if (stage(b, ST_THOUGHTS))
    return;
  gf__buf ev;
  gf__buf_init(&ev, 0);
  if (fl & GF_SIM_F_BADJSON) {
    if (!b->rc)
      b->rc = gf__sim_ev_badjson(&ev, &in->ctx);
    add_event(b, &ev);
    gf__buf_reset(&ev);
  }
  if (fl & GF_SIM_F_TEXT) {
    /* the first part after the thoughts: signed, as the service does */
    static const char said[] = "Here is the image you asked for — rendered "
                               "in a soft, painterly style.";
    char sig[GF_SIM_SIG_LEN + 1];
    gf__sim_sig_text(said, sizeof said - 1, sig);
    if (!b->rc)
      b->rc = gf__sim_ev_text(&ev, &in->ctx, said, sig);
    add_event(b, &ev);
    gf__buf_reset(&ev);
  }
  gf__buf_free(&ev);
  const char *reason = "STOP";
  if (fl & GF_SIM_F_SAFETY) {
    reason = "IMAGE_SAFETY"; /* no image: nothing happens at its stage */
  } else {
    int thought = fl & GF_SIM_F_THOUGHT_ONLY   ? 1
                  : fl & GF_SIM_F_MIME_AFTER ? 0
                                             : GF_SIM_THOUGHT_NONE;
    add_image(b, 0, thought, 1);
    if (stage(b, ST_IMAGE))
      return;
  }
  if (stage(b, ST_USAGE))
    return;
  add_usage(b, reason);
  close_array(b);
  add_step(b, GF_SIM_STEP_END);
}

int gf__sim_plan_build(gf__sim_plan *p, const gf__sim_plan_in *in) {
  memset(p, 0, sizeof *p);
  gf__plan_b b = {p, in, &in->framing, {0}, 0, 0, -1, ST_NONE, ST_NONE};
  gf__sim_fw_init(&b.fw, b.f);
  const gf__sim_req *r = in->req;
  p->slots[0] = (gf__sim_slot){r->seed, r->w, r->h, 0};
  place_faults(&b);
  build(&b);
  drip_pieces(p);
  return b.rc;
}

/* The stage of each fault of the stream: [[at:]]'s, or its default. */
static void place_faults(gf__plan_b *b) {
  unsigned fl = b->in->faults, conn = gf__sim_conn_fault(fl);
  int at = b->f->at >= GF_SIM_AT_BETWEEN ? b->f->at : ST_NONE;
  if (conn) {
    b->conn_kind = conn == GF_SIM_F_RESET ? GF_SIM_STEP_RESET
                   : conn == GF_SIM_F_EOF ? GF_SIM_STEP_EOF
                                          : GF_SIM_STEP_CLOSE;
    b->conn_at = at != ST_NONE ? at
                 : conn == GF_SIM_F_RESET ? ST_THOUGHTS
                                          : ST_IMAGE;
  } else if (fl & GF_SIM_F_STALL) {
    b->conn_kind = GF_SIM_STEP_STALL;
    b->conn_at = ST_BETWEEN;
  }
  if (fl & (GF_SIM_F_MIDSTREAM | GF_SIM_F_ERROR_EVENT))
    b->err_at = at != ST_NONE ? at : ST_THOUGHTS;
}

/* The faults that happen at stage st, if any (a connection fault first):
 * 1 when the body ends here. */
static int stage(gf__plan_b *b, int st) {
  if (b->conn_at == st) {
    b->conn_at = ST_NONE;
    if (!past_fault(b, (gf__sim_step_kind)b->conn_kind))
      return 1;
  }
  if (st == ST_THOUGHTS && (b->in->faults & GF_SIM_F_TRUNCATE)) {
    add_step(b, GF_SIM_STEP_END); /* a proper end, but nothing more */
    return 1;
  }
  if (b->err_at != st)
    return 0;
  if (st == ST_IMAGE && !b->f->array) /* the cut data line ends */
    put_s(b, &add_step(b, GF_SIM_STEP_BYTES)->head, gf__sim_fw_eol(&b->fw));
  add_error(b);
  close_array(b);
  add_step(b, GF_SIM_STEP_END);
  return 1;
}

/* [[fault:drip]]: the drip steps' bytes in GF_SIM_DRIP_PIECES pieces. */
static void drip_pieces(gf__sim_plan *p) {
  size_t total = 0;
  for (size_t i = 0; i < p->n; i++)
    if (p->steps[i].drip)
      total += p->steps[i].head.len;
  p->drip_piece = (total + GF_SIM_DRIP_PIECES - 1) / GF_SIM_DRIP_PIECES;
  if (!p->drip_piece)
    p->drip_piece = 1;
}

void gf__sim_plan_free(gf__sim_plan *p) {
  for (size_t i = 0; i < p->n; i++) {
    gf__buf_free(&p->steps[i].head);
    gf__buf_free(&p->steps[i].tail);
  }
  free(p->steps);
  memset(p, 0, sizeof *p);
}

/* ---- building ---- */

static gf__sim_step *add_step(gf__plan_b *b, gf__sim_step_kind kind) {
  static gf__sim_step scratch; /* absorbs writes after a failure */
  gf__sim_plan *p = b->p;
  if (b->rc)
    return memset(&scratch, 0, sizeof scratch);
  if (p->n == p->cap) {
    size_t cap = p->cap ? 2 * p->cap : 16;
    gf__sim_step *s = realloc(p->steps, cap * sizeof *s);
    if (!s) {
      b->rc = GF_ENOMEM;
      return memset(&scratch, 0, sizeof scratch);
    }
    p->steps = s;
    p->cap = cap;
  }
  gf__sim_step *s = &p->steps[p->n++];
  memset(s, 0, sizeof *s);
  s->kind = kind;
  gf__buf_init(&s->head, 0);
  gf__buf_init(&s->tail, 0);
  return s;
}

static void put(gf__plan_b *b, gf__buf *out, const char *s, size_t n) {
  if (!b->rc)
    b->rc = gf__buf_append(out, s, n);
}

static void put_s(gf__plan_b *b, gf__buf *out, const char *s) {
  put(b, out, s, strlen(s));
}

/* A connection fault ends the body here. With a Content-Length the plan
 * goes on, never to be produced: the header announces the whole answer, so
 * that the client sees the body cut short. 0 when the plan ends here. */
static int past_fault(gf__plan_b *b, gf__sim_step_kind kind) {
  add_step(b, kind);
  if (b->f->body != GF_SIM_BODY_LENGTH)
    return 0;
  b->virt = 1;
  return 1;
}

/* What goes before an array element: the "[" or a separator. */
static void array_prefix(gf__plan_b *b, gf__buf *out) {
  if (b->p->events == 0) {
    put_s(b, out, "[");
  } else {
    put_s(b, out, gf__sim_fw_eol(&b->fw));
    put_s(b, out, ",");
  }
}

static gf__sim_step *add_event(gf__plan_b *b, const gf__buf *json) {
  gf__sim_step *s = add_step(b, GF_SIM_STEP_BYTES);
  if (b->rc)
    return s;
  if (b->f->array) {
    array_prefix(b, &s->head);
    put(b, &s->head, json->data, json->len);
  } else {
    b->rc = gf__sim_fw_event(&b->fw, &s->head, json->data, json->len);
  }
  b->p->events++;
  return s;
}

/* The thought texts; with [[fault:drip]] short ones, dripped. */
static void add_thought(gf__plan_b *b, int i) {
  const gf__sim_plan_in *in = b->in;
  int drip = (in->faults & GF_SIM_F_DRIP) != 0;
  gf__buf text, ev;
  gf__buf_init(&text, 0);
  gf__buf_init(&ev, 0);
  if (!b->rc)
    b->rc = drip ? gf__buf_printf(&text, "Thinking, step %d.", i + 1)
                 : gf__sim_thought_text(&text, i, in->prompt, in->plen);
  /* [[pretty]]: the second thought over several lines */
  if (!b->rc)
    b->rc = gf__sim_ev_thought(&ev, &in->ctx, text.data,
                               b->f->pretty && i == 1);
  add_event(b, &ev)->drip = drip;
  gf__buf_free(&text);
  gf__buf_free(&ev);
}

/* The pretty-printed error object a gateway writes into a 200 stream
 * without "data:" (in array mode: as one more element). */
static void add_raw_error(gf__plan_b *b) {
  gf__sim_err e;
  gf__buf js;
  gf__buf_init(&js, 0);
  gf__sim_err_set(&e, 503, "UNAVAILABLE",
                  "The model is overloaded. Please try again later.");
  e.retry_delay = b->in->retry_delay;
  if (!b->rc)
    b->rc = gf__sim_err_json(&e, 1, &js);
  gf__sim_step *s = add_step(b, GF_SIM_STEP_BYTES);
  if (b->f->array) {
    array_prefix(b, &s->head);
    b->p->events++;
  } else if (!b->rc) {
    b->rc = gf__sim_fw_begin(&b->fw, &s->head);
  }
  for (size_t i = 0; !b->rc && i < js.len; i++) {
    if (js.data[i] == '\n')
      put_s(b, &s->head, gf__sim_fw_eol(&b->fw));
    else
      put(b, &s->head, &js.data[i], 1);
  }
  if (!b->f->array)
    put_s(b, &s->head, gf__sim_fw_eol(&b->fw));
  gf__buf_free(&js);
}

/* The error object of midstream (raw lines) or error-event (an event). */
static void add_error(gf__plan_b *b) {
  if (b->f->array || (b->in->faults & GF_SIM_F_MIDSTREAM)) {
    add_raw_error(b);
    return;
  }
  gf__sim_err e;
  gf__buf ev;
  gf__buf_init(&ev, 0);
  gf__sim_err_set(&e, 503, "UNAVAILABLE",
                  "The model is overloaded. Please try again later.");
  e.retry_delay = b->in->retry_delay;
  if (!b->rc)
    b->rc = gf__sim_err_json(&e, 0, &ev);
  add_event(b, &ev);
  gf__buf_free(&ev);
}

/* The image event around its data string: head up to the string's opening
 * quote, tail from its closing quote, the framing included. */
static void image_event(gf__plan_b *b, gf__sim_step *s, gf__buf *h,
                        gf__buf *t) {
  if (b->f->array) {
    array_prefix(b, &s->head);
    put(b, &s->head, h->data, h->len);
    put(b, &s->tail, t->data, t->len);
    return;
  }
  /* framed whole, the data string stood in for by a mark: each variant
   * (lines cut, fields between) then falls into head or tail by itself */
  gf__buf ev, framed;
  gf__buf_init(&ev, 0);
  gf__buf_init(&framed, 0);
  put(b, &ev, h->data, h->len);
  put_s(b, &ev, B64_MARK);
  put(b, &ev, t->data, t->len);
  if (!b->rc)
    b->rc = gf__sim_fw_event(&b->fw, &framed, ev.data, ev.len);
  const char *at = b->rc ? NULL : strstr(framed.data, B64_MARK);
  if (!b->rc && !at)
    b->rc = GF_EINVAL;
  if (at) {
    size_t pre = (size_t)(at - framed.data), ml = strlen(B64_MARK);
    put(b, &s->head, framed.data, pre);
    put(b, &s->tail, at + ml, framed.len - pre - ml);
  }
  gf__buf_free(&ev);
  gf__buf_free(&framed);
}

/* An image event; the final image is signed: its signature, which depends
 * on the image's bytes, is written when the bytes go out (the image is
 * made after the plan). */
static void add_image(gf__plan_b *b, int slot, int thought, int final) {
  const gf__sim_plan_in *in = b->in;
  unsigned fl = in->faults;
  gf__sim_step *s = add_step(b, GF_SIM_STEP_IMAGE);
  if (b->rc)
    return;
  s->slot = slot;
  b->p->slots[slot].used = 1;
  s->slow = final && (fl & GF_SIM_F_SLOW);
  if (final && !b->virt)
    s->cut = b->conn_at == ST_IMAGE  ? GF_SIM_CUT_FAULT
             : b->err_at == ST_IMAGE ? GF_SIM_CUT_SENT
                                     : GF_SIM_CUT_NONE;
  gf__buf h, t;
  gf__buf_init(&h, 0);
  gf__buf_init(&t, 0);
  b->rc = gf__sim_ev_image(&h, &t, &in->ctx, "image/png", thought,
                           final && (fl & GF_SIM_F_MIME_AFTER),
                           final ? GF_SIM_SIG_PLACEHOLDER : NULL);
  image_event(b, s, &h, &t);
  const char *at = final && !b->rc && s->tail.len
                       ? strstr(s->tail.data, GF_SIM_SIG_PLACEHOLDER)
                       : NULL;
  if (final && !b->rc && !at)
    b->rc = GF_EINVAL;
  if (at) {
    s->sig = 1;
    s->sig_at = (size_t)(at - s->tail.data);
  }
  b->p->events++;
  gf__buf_free(&h);
  gf__buf_free(&t);
  if (final && !b->virt)
    b->p->serves_result = 1;
}

static void add_pause(gf__plan_b *b, unsigned ms) {
  if (ms)
    add_step(b, GF_SIM_STEP_DELAY)->ms = ms;
}

static void add_usage(gf__plan_b *b, const char *reason) {
  const gf__sim_req *r = b->in->req;
  int ok = strcmp(reason, "STOP") == 0;
  gf__sim_usage u = {r->prompt_tokens,
                     ok ? gf__sim_candidate_tokens(r->size) : 0,
                     80 + 64 * b->f->thoughts, GF_SIM_REF_TOKENS * r->nrefs, 0};
  gf__buf ev;
  gf__buf_init(&ev, 0);
  if (!b->rc)
    b->rc = gf__sim_ev_finish(&ev, &b->in->ctx, reason, &u);
  add_event(b, &ev);
  gf__buf_free(&ev);
}

static void close_array(gf__plan_b *b) {
  if (b->f->array)
    put_s(b, &add_step(b, GF_SIM_STEP_BYTES)->head, "]");
}

int gf__sim_plan_length(const gf__sim_plan *p,
                        struct gf__sim_img *const imgs[GF_SIM_SLOTS],
                        uint64_t *len) {
  uint64_t n = 0;
  for (size_t i = 0; i < p->n; i++) {
    const gf__sim_step *s = &p->steps[i];
    n += s->head.len;
    if (s->kind != GF_SIM_STEP_IMAGE)
      continue;
    const gf__sim_img *img = imgs[s->slot];
    if (!img || img->status != 0)
      return GF_EINVAL;
    n += s->cut == GF_SIM_CUT_SENT ? img->b64_len / 2
                                   : img->b64_len + s->tail.len;
  }
  *len = n;
  return 0;
}

/* ---- producing ---- */

void gf__sim_prod_init(gf__sim_prod *p, const gf__sim_plan *plan) {
  memset(p, 0, sizeof *p);
  p->plan = plan;
}

/* The tail bytes [off, off + n) just appended at out->data + at: the
 * signature's place in them gets the image's signature. */
static void put_signature(const gf__sim_step *s, const gf__sim_img *img,
                          gf__buf *out, size_t at, uint64_t off, size_t n) {
  char sig[GF_SIM_SIG_LEN + 1];
  uint64_t lo = off > s->sig_at ? off : s->sig_at;
  uint64_t hi = off + n < s->sig_at + GF_SIM_SIG_LEN ? off + n
                                                     : s->sig_at + GF_SIM_SIG_LEN;
  if (!s->sig || lo >= hi)
    return;
  gf__sim_sig_image(img->sha, sig);
  for (uint64_t k = lo; k < hi; k++)
    out->data[at + (k - off)] = sig[k - s->sig_at];
}

/* Appends up to max bytes of the image step at offset p->off. */
static size_t image_bytes(gf__sim_prod *p, const gf__sim_step *s,
                          const gf__sim_img *img, gf__buf *out, size_t max,
                          uint64_t total) {
  uint64_t dlen = s->cut ? img->b64_len / 2 : img->b64_len;
  struct {
    const char *p;
    uint64_t n;
  } seg[3] = {{s->head.data, s->head.len}, {img->b64, dlen},
              {s->tail.data, s->cut ? 0 : s->tail.len}};
  uint64_t off = p->off, want = total - off < max ? total - off : max;
  size_t done = 0;
  for (int i = 0; i < 3 && done < want; i++) {
    if (off >= seg[i].n) {
      off -= seg[i].n;
      continue;
    }
    size_t take = (size_t)(seg[i].n - off < want - done ? seg[i].n - off
                                                          : want - done);
    size_t at = out->len;
    if (gf__buf_append(out, seg[i].p + off, take))
      break;
    if (i == 2)
      put_signature(s, img, out, at, off, take);
    done += take;
    off = 0;
  }
  return done;
}

int gf__sim_prod_next(gf__sim_prod *p, gf__buf *out, size_t max, unsigned *ms,
                      int *slot) {
  p->step_done = 0;
  for (;;) {
    if (p->step >= p->plan->n)
      return GF_SIM_END;
    const gf__sim_step *s = &p->plan->steps[p->step];
    if (p->pause_due && s->kind != GF_SIM_STEP_END) {
      *ms = p->pause_due;
      p->pause_due = 0;
      return GF_SIM_PAUSE;
    }
    switch (s->kind) {
    case GF_SIM_STEP_BYTES: {
      size_t left = (size_t)(s->head.len - p->off);
      size_t take = left < max ? left : max;
      size_t piece = p->plan->drip_piece;
      if (s->drip && piece - p->drip_bytes % piece < take)
        take = (size_t)(piece - p->drip_bytes % piece);
      if (take && gf__buf_append(out, s->head.data + p->off, take))
        return GF_ENOMEM;
      p->off += take;
      p->body_bytes += take;
      if (s->drip && (p->drip_bytes += take) % piece == 0)
        p->pause_due = GF_SIM_DRIP_MS;
      if (p->off == s->head.len) {
        p->step++;
        p->off = 0;
        p->step_done = take > 0;
      }
      if (take)
        return GF_SIM_MORE;
      continue;
    }
    case GF_SIM_STEP_DELAY:
      p->step++;
      p->off = 0;
      *ms = s->ms;
      return GF_SIM_PAUSE;
    case GF_SIM_STEP_END:
      return GF_SIM_END;
    case GF_SIM_STEP_RESET:
      return GF_SIM_RESET;
    case GF_SIM_STEP_EOF:
      return GF_SIM_EOF;
    case GF_SIM_STEP_CLOSE:
      return GF_SIM_CLOSE;
    case GF_SIM_STEP_STALL:
      return GF_SIM_STALL;
    case GF_SIM_STEP_IMAGE: {
      const gf__sim_img *img = p->imgs[s->slot];
      if (!img || img->status != 0) {
        *slot = s->slot;
        return GF_SIM_WAIT;
      }
      uint64_t dlen = s->cut ? img->b64_len / 2 : img->b64_len;
      uint64_t total = s->head.len + dlen + (s->cut ? 0 : s->tail.len);
      if (p->off >= total) {
        p->step++;
        p->off = 0;
        continue;
      }
      size_t lim = max;
      uint64_t piece = (total + GF_SIM_SLOW_PIECES - 1) / GF_SIM_SLOW_PIECES;
      if (s->slow && piece - p->off % piece < lim)
        lim = (size_t)(piece - p->off % piece);
      size_t got = image_bytes(p, s, img, out, lim, total);
      if (!got)
        return GF_ENOMEM;
      p->off += got;
      p->body_bytes += got;
      p->step_done = p->off == total;
      if (s->slow && p->off % piece == 0 && p->off < total)
        p->pause_due = GF_SIM_SLOW_MS;
      return GF_SIM_MORE;
    }
    }
    return GF_SIM_END;
  }
}
