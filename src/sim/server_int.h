/* Private to the server files (server.c, conn.c): the server and its
 * connections. */
#ifndef GF_SIM_SERVER_INT_H
#define GF_SIM_SERVER_INT_H
#include <limits.h>
#include <stdio.h>

#include <uv.h>

#include "common/queue.h"
#include "sim/job.h"
#include "sim/sim.h"
#include "tls/tls.h"

typedef struct gf__sim_conn gf__sim_conn;

struct gf__sim {
  uv_loop_t *loop;
  gf__sim_opts opts;
  gf__sim_cfg cfg;
  gf__tls_config *tls_cfg; /* NULL with plain */
  uv_tcp_t listeners[2];
  int nlisten, open_listeners;
  gf__queue conns; /* gf__sim_conn.node */
  FILE *log;
  int port;
  int stopping;
  int own_dir; /* the certificate directory is ours to remove */
  char url[320], ca[PATH_MAX + 16], dir[PATH_MAX];
  char errmsg[300];
  char rbuf[64 * 1024]; /* one read buffer for every connection */
};

/* Takes the connection waiting on server. */
void gf__sim_conn_accept(gf__sim *s, uv_stream_t *server);
/* Closes every connection at once (stop). */
void gf__sim_conn_close_all(gf__sim *s);
/* A connection's handles have all closed: it is gone from s->conns. */
void gf__sim_server_maybe_free(gf__sim *s);
#endif
