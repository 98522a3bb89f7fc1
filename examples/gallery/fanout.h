/* SSE fan-out: one generation's events, framed once by the project's SSE
 * writer (gf__sse_write_event), kept in a bounded log and sent to every
 * connection watching it. A tab that connects late (or reconnects, as
 * EventSource does) gets the log first, so it never misses the start.
 *
 * Back-pressure: when a watcher's unsent bytes pass GAL_FEED_HIGH the feed
 * reports "congested" (the job pauses its generation: the library stops
 * reading the service's socket) and "clear" once every watcher is back
 * under GAL_FEED_LOW. So a slow tab holds at most about GAL_FEED_HIGH plus
 * one read's worth of events, whatever the generation sends. */
#ifndef GAL_FANOUT_H
#define GAL_FANOUT_H
#include <stddef.h>

#include "common/buf.h"
#include "common/queue.h"
#include "server.h"

#define GAL_FEED_HIGH (64 * 1024)
#define GAL_FEED_LOW (16 * 1024)
#define GAL_FEED_LOG_MAX (1024 * 1024)

typedef struct gal_feed gal_feed;
/* congested 1: some watcher is over the bound; 0: all are clear again. */
typedef void (*gal_feed_pressure_cb)(gal_feed *f, int congested, void *ud);

struct gal_feed {
  gf__buf log;      /* every event so far, framed */
  gf__queue subs;   /* gal_sub */
  int nsubs, ncongested, ended;
  gal_feed_pressure_cb on_pressure;
  void *ud;
};

void gal_feed_init(gal_feed *f, gal_feed_pressure_cb cb, void *ud);
/* Ends every watcher's stream and frees the log. */
void gal_feed_free(gal_feed *f);
/* One event (data: one JSON text, no CR). GF_EINVAL/GF_ETOOBIG/GF_ENOMEM:
 * not sent (the log is full or the data cannot be framed). */
int gal_feed_publish(gal_feed *f, const char *data, size_t n);
/* A comment line to the watchers (not logged): keeps idle streams alive
 * through proxies while the service thinks. */
void gal_feed_ping(gal_feed *f);
/* The last event (data as for publish; never refused for the log's size,
 * so that a watcher always learns how it ended), then the watchers'
 * streams end; later ones get the log and end at once. */
void gal_feed_end(gal_feed *f, const char *data, size_t n);
/* Opens c's event stream and replays the log. 0 or an error (c closed). */
int gal_feed_watch(gal_feed *f, gal_conn *c);
#endif
