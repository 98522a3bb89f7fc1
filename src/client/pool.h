/* Private: the client's idle connections. A connection whose response
 * ended as its framing said, with keep-alive and nothing after it, waits
 * here for the client's next request (most recent first), reading so that
 * a close by the server is seen at once, until keep_alive_ms pass. */
#ifndef GF_CLIENT_POOL_H
#define GF_CLIENT_POOL_H
#include "conn/conn.h"
#include "gemflow.h"

/* Keeps conn (taken: the caller forgets it), or closes it when it cannot
 * be kept (not reusable, the client closing, pooling off, no memory). */
void gf__pool_put(gf_client *c, gf__conn *conn);
/* The most recent idle connection, taken out (the caller rebinds it), or
 * NULL. */
gf__conn *gf__pool_take(gf_client *c);
/* Closes every idle connection (the client is closing). */
void gf__pool_close_all(gf_client *c);
#endif
