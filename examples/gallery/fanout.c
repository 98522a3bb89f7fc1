/* SSE fan-out to the tabs watching one generation. */
#include "fanout.h"

#include <stdlib.h>

#include "gemflow.h"
#include "sse/sse.h"

typedef struct gal_sub {
  gf__queue node;
  gal_feed *feed;
  gal_conn *conn;
  int congested;
} gal_sub;

void gal_feed_init(gal_feed *f, gal_feed_pressure_cb cb, void *ud) {
  gf__buf_init(&f->log, GAL_FEED_LOG_MAX);
  gf__queue_init(&f->subs);
  f->nsubs = f->ncongested = f->ended = 0;
  f->on_pressure = cb;
  f->ud = ud;
}

static void set_congested(gal_sub *s, int on) {
  gal_feed *f = s->feed;
  if (s->congested == on)
    return;
  s->congested = on;
  f->ncongested += on ? 1 : -1;
  /* only the first congested watcher and the last clear one matter */
  if (f->on_pressure && f->ncongested == (on ? 1 : 0))
    f->on_pressure(f, on, f->ud);
}

static void drop(gal_sub *s) {
  set_congested(s, 0);
  gf__queue_remove(&s->node);
  s->feed->nsubs--;
  free(s);
}

static void sub_written(gal_conn *c, void *ud) {
  gal_sub *s = ud;
  if (s->congested && gal_conn_queued(c) <= GAL_FEED_LOW)
    set_congested(s, 0);
}

static void sub_closed(gal_conn *c, void *ud) { drop(ud); }

/* Sends framed bytes to one watcher and notes whether it keeps up. Non-zero
 * when its connection closed instead (sub_closed has freed s). */
static int send_to(gal_sub *s, const char *p, size_t n) {
  int rc = gal_stream_send(s->conn, p, n);
  if (!rc && !s->congested && gal_conn_queued(s->conn) > GAL_FEED_HIGH)
    set_congested(s, 1);
  return rc;
}

/* Every watcher, also when one of them goes away while being sent to. */
static void send_all(gal_feed *f, const char *p, size_t n) {
  gf__queue pending, *q;
  gf__queue_init(&pending);
  while ((q = gf__queue_head(&f->subs))) {
    gf__queue_remove(q);
    gf__queue_insert_tail(&pending, q);
  }
  while ((q = gf__queue_head(&pending))) {
    gf__queue_remove(q);
    gf__queue_insert_tail(&f->subs, q);
    send_to(GF__QUEUE_DATA(q, gal_sub, node), p, n);
  }
}

int gal_feed_publish(gal_feed *f, const char *data, size_t n) {
  if (f->ended)
    return GF_EINVAL;
  size_t start = f->log.len;
  int rc = gf__sse_write_event(&f->log, data, n, NULL);
  if (rc)
    return rc;
  send_all(f, f->log.data + start, f->log.len - start);
  return 0;
}

void gal_feed_ping(gal_feed *f) {
  gf__buf b;
  gf__buf_init(&b, 64);
  if (!f->ended && gf__sse_write_comment(&b, " ping", 5, NULL) == 0)
    send_all(f, b.data, b.len);
  gf__buf_free(&b);
}

static void end_all(gal_feed *f) {
  gf__queue *q;
  while ((q = gf__queue_head(&f->subs))) {
    gal_sub *s = GF__QUEUE_DATA(q, gal_sub, node);
    gal_conn *c = s->conn;
    drop(s);
    gal_stream_end(c); /* drops the hooks: sub_closed will not run */
  }
}

void gal_feed_end(gal_feed *f, const char *data, size_t n) {
  f->log.limit = 0;
  gal_feed_publish(f, data, n);
  f->ended = 1;
  end_all(f);
}

void gal_feed_free(gal_feed *f) {
  end_all(f);
  gf__buf_free(&f->log);
}

int gal_feed_watch(gal_feed *f, gal_conn *c) {
  gal_sub *s = calloc(1, sizeof *s);
  if (!s)
    return GF_ENOMEM;
  s->feed = f;
  s->conn = c;
  gal_conn_hooks h = {sub_written, sub_closed, s};
  int rc = gal_stream_open(c, &h);
  if (rc) {
    free(s);
    return rc;
  }
  gf__queue_insert_tail(&f->subs, &s->node);
  f->nsubs++;
  if (f->log.len && send_to(s, f->log.data, f->log.len))
    return 0; /* gone already: nothing more to do */
  if (f->ended) {
    drop(s);
    gal_stream_end(c);
  }
  return 0;
}
