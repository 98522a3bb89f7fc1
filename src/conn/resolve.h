/* A cancellable asynchronous name resolver on c-ares, driven by the
 * caller's libuv loop: c-ares's sockets are watched with uv_poll_t, its
 * timeouts with a uv_timer_t. Unlike getaddrinfo on libuv's thread pool, a
 * lookup in flight can be abandoned at once.
 *
 * The system's configuration is used (/etc/resolv.conf, /etc/nsswitch.conf
 * and /etc/hosts, read by each resolve: one c-ares channel per resolve,
 * which costs those reads and a fresh socket per lookup). An IPv4 or IPv6
 * literal resolves without any lookup.
 *
 * The callback never runs from gf__resolve_start; it runs once from the
 * loop, unless the resolve is canceled first. After it returns the
 * resolver frees itself (its handles close on their own). */
#ifndef GF_CONN_RESOLVE_H
#define GF_CONN_RESOLVE_H
#include <stddef.h>
#include <sys/socket.h>
#include <uv.h>

typedef struct gf__resolve gf__resolve;

/* status 0 (n >= 1), else GF_EDNS (no such name, no address, no answer
 * from DNS) or GF_ENOMEM, with n 0 and addrs NULL. addrs, port set: the
 * IPv6 answers first, then the IPv4 ones; valid during the call only.
 * ttl_s: the smallest TTL of DNS's answers, -1 when none was given (a
 * literal, /etc/hosts). */
typedef void (*gf__resolve_cb)(void *ud, int status,
                               const struct sockaddr_storage *addrs, size_t n,
                               int ttl_s);

/* 0, GF_ENOMEM or GF_EDNS (c-ares could not start); on failure no
 * callback follows and *out is not set. */
int gf__resolve_start(gf__resolve **out, uv_loop_t *loop, const char *host,
                      int port, gf__resolve_cb cb, void *ud);

/* For tests: as gf__resolve_start, but asking the DNS servers given as
 * c-ares's CSV ("127.0.0.1:5353,[::1]:53") instead of resolv.conf's. */
int gf__resolve_start_servers(gf__resolve **out, uv_loop_t *loop,
                              const char *host, int port, gf__resolve_cb cb,
                              void *ud, const char *servers);

/* Cancels: cb is not called after this returns; the resolver's handles
 * close on their own and free it later. Only before cb ran (not from
 * inside it). */
void gf__resolve_cancel(gf__resolve *r);
#endif
