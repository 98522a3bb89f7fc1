/* Idle connections. A pooled connection belongs to its entry: the entry's
 * callbacks close it on any byte (a server may not speak unasked), on its
 * end and on the idle timeout, and free the entry once it has closed. A
 * connection that cannot be kept is closed with the client as its owner.
 * Either way the client counts it open until it has closed, and waits for
 * that before it goes. */
#include "client/pool.h"

#include <stdlib.h>

#include "client/client.h"

typedef struct gf__idle {
  gf__queue node; /* in the client's idle list; unlinked once closing */
  gf_client *client;
  gf__conn *conn;
} gf__idle;

static const gf__conn_cbs idle_cbs, orphan_cbs;

void gf__pool_put(gf_client *c, gf__conn *conn) {
  gf__idle *e = NULL;
  if (c->keep_alive && !c->freeing && gf__conn_reusable(conn))
    e = malloc(sizeof *e);
  if (!e) {
    gf__conn_set_owner(conn, &orphan_cbs, c);
    gf__conn_close(conn);
    return;
  }
  e->client = c;
  e->conn = conn;
  gf__queue_insert_head(&c->idle, &e->node);
  gf__conn_rebind(conn, &idle_cbs, e, c->keep_alive_ms, 0);
  /* like a Node agent's idle socket: uv_run returns when only kept
   * connections are left (they still close on time while it runs) */
  gf__conn_keep_loop(conn, 0);
  gf__trace(c, "* connection kept for the next request");
  gf__client_dial_next(c); /* someone in line may take it */
}

gf__conn *gf__pool_take(gf_client *c) {
  gf__queue *q = gf__queue_head(&c->idle);
  if (!q)
    return NULL;
  gf__idle *e = GF__QUEUE_DATA(q, gf__idle, node);
  gf__queue_remove(q);
  gf__conn *conn = e->conn;
  free(e);
  gf__conn_keep_loop(conn, 1);
  return conn;
}

void gf__pool_close_all(gf_client *c) {
  gf__queue *q;
  while ((q = gf__queue_head(&c->idle))) {
    gf__idle *e = GF__QUEUE_DATA(q, gf__idle, node);
    gf__queue_remove(q);
    gf__queue_init(q); /* unlinked: idle_drop knows */
    gf__conn_close(e->conn);
  }
}

/* ---- an idle connection's callbacks ------------------------------------- */

static void idle_drop(gf__idle *e) {
  if (!gf__queue_empty(&e->node)) {
    gf__queue_remove(&e->node);
    gf__queue_init(&e->node);
  }
  gf__conn_close(e->conn);
}

static int idle_data(void *ud, const char *p, size_t n) {
  idle_drop(ud); /* bytes nobody asked for: the stream is not ours */
  return 1;
}

static void idle_end(void *ud, int err, const char *msg) { idle_drop(ud); }

static void idle_closed(void *ud) {
  gf__idle *e = ud;
  gf_client *c = e->client;
  free(e);
  gf__client_conn_gone(c);
}

static void none_connected(void *ud) {}

static const gf__conn_cbs idle_cbs = {none_connected, idle_data, idle_end,
                                      idle_closed, NULL};

/* ---- a connection closed with the client as its owner ------------------- */

static int orphan_data(void *ud, const char *p, size_t n) { return 1; }
static void orphan_end(void *ud, int err, const char *msg) {}
static void orphan_closed(void *ud) { gf__client_conn_gone(ud); }

static const gf__conn_cbs orphan_cbs = {none_connected, orphan_data,
                                        orphan_end, orphan_closed, NULL};
