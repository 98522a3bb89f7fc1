/* The server: certificates, listeners on 127.0.0.1 and ::1 (one port),
 * start and stop. Connections live in conn.c. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gemflow.h"
#include "sim/server_int.h"

static const char *const gf__sim_cert_files[] = {"ca.pem", "server.pem",
                                                 "server.key"};

static int fail(gf__sim *s, int rc, const char *msg, const char **errmsg);
static int make_certs(gf__sim *s);
static int listen_all(gf__sim *s);
static void set_url(gf__sim *s);

int gf__sim_gzip_named(const char *name) {
  static const char *const names[] = {"auto", "never", "always"};
  for (int i = 0; i < 3; i++)
    if (!strcmp(name, names[i]))
      return i;
  return -1;
}

void gf__sim_opts_init(gf__sim_opts *o) {
  memset(o, 0, sizeof *o);
  o->framing.eol = "\r\n";
  o->framing.chunk = 16384;
  o->framing.thoughts = 3;
}

int gf__sim_start(gf__sim **out, uv_loop_t *loop, const gf__sim_opts *o,
                  const char **errmsg) {
  static char oom[] = "out of memory";
  *out = NULL;
  gf__sim *s = calloc(1, sizeof *s);
  if (!s) {
    if (errmsg)
      *errmsg = oom;
    return GF_ENOMEM;
  }
  /* a client that goes away mid-write must not kill the process */
  signal(SIGPIPE, SIG_IGN);
  gf__queue_init(&s->conns); /* before any fail(): it looks at the list */
  s->loop = loop;
  s->opts = *o;
  s->cfg.framing = o->framing;
  s->cfg.seed = o->seed;
  s->cfg.keys.accept = s->opts.api_key; /* the caller's, for s's life */
  s->cfg.keys.reject = s->opts.reject;
  s->cfg.keys.nreject = o->nreject;
  s->cfg.passthrough = o->passthrough;
  s->cfg.gzip = o->gzip;
  s->cfg.cache = gf__sim_cache_new(
      loop, o->cache_entries ? o->cache_entries : GF_SIM_CACHE_ENTRIES,
      o->cache_bytes ? o->cache_bytes : GF_SIM_CACHE_BYTES);
  s->cfg.tally = gf__sim_tally_new();
  if (!s->cfg.cache || !s->cfg.tally)
    return fail(s, GF_ENOMEM, "out of memory", errmsg);
  if (o->log_file && !(s->log = fopen(o->log_file, "a")))
    return fail(s, GF_EIO, "cannot open the --log file", errmsg);
  int rc = o->plain ? 0 : make_certs(s);
  if (rc)
    return fail(s, rc, NULL, errmsg);
  if ((rc = listen_all(s)))
    return fail(s, rc, NULL, errmsg);
  set_url(s);
  *out = s;
  return 0;
}

static void listener_closed(uv_handle_t *h) {
  gf__sim *s = h->data;
  s->open_listeners--;
  gf__sim_server_maybe_free(s);
}

static void close_listeners(gf__sim *s) {
  for (int i = 0; i < s->nlisten; i++)
    uv_close((uv_handle_t *)&s->listeners[i], listener_closed);
  s->nlisten = 0;
}

void gf__sim_stop(gf__sim *s) {
  if (!s || s->stopping)
    return;
  s->stopping = 1;
  close_listeners(s);
  gf__sim_conn_close_all(s);
  if (s->own_dir) {
    char path[PATH_MAX + 16];
    for (size_t i = 0; i < 3; i++) {
      snprintf(path, sizeof path, "%s/%s", s->dir, gf__sim_cert_files[i]);
      unlink(path);
    }
    rmdir(s->dir);
    s->own_dir = 0;
  }
  gf__sim_server_maybe_free(s);
}

/* Connections and listeners call this as they close: the last one frees
 * (the listeners' handles live in s). */
void gf__sim_server_maybe_free(gf__sim *s) {
  if (!s->stopping || !gf__queue_empty(&s->conns) || s->open_listeners)
    return;
  gf__sim_cache_free(s->cfg.cache); /* lives on while an image is made */
  gf__sim_tally_free(s->cfg.tally);
  gf__tls_config_free(s->tls_cfg);
  if (s->log)
    fclose(s->log);
  free(s);
}

int gf__sim_port(const gf__sim *s) { return s->port; }
const char *gf__sim_url(const gf__sim *s) { return s->url; }
const char *gf__sim_ca(const gf__sim *s) { return s->ca[0] ? s->ca : NULL; }

/* Undoes a start: s goes now, or once the loop has closed its listeners. */
static int fail(gf__sim *s, int rc, const char *msg, const char **errmsg) {
  static char last[sizeof s->errmsg]; /* errmsg must outlive s */
  if (msg)
    snprintf(s->errmsg, sizeof s->errmsg, "%s", msg);
  memcpy(last, s->errmsg, sizeof last);
  if (errmsg)
    *errmsg = last;
  s->stopping = 1;
  close_listeners(s);
  if (s->own_dir)
    rmdir(s->dir); /* only if empty: certificates may not have been made */
  gf__sim_server_maybe_free(s);
  return rc;
}

/* ---- certificates ---- */

static int is_loopback(const char *host) {
  return !host || !strcmp(host, "127.0.0.1") || !strcmp(host, "::1") ||
         !strcmp(host, "localhost");
}

static int make_certs(gf__sim *s) {
  const gf__sim_opts *o = &s->opts;
  const char *why = NULL;
  if (o->cert_file || o->key_file) {
    if (!o->cert_file || !o->key_file) {
      snprintf(s->errmsg, sizeof s->errmsg, "--cert and --key go together");
      return GF_EINVAL;
    }
    int rc = gf__tls_config_server(&s->tls_cfg, o->cert_file, o->key_file,
                                   &why);
    if (rc)
      snprintf(s->errmsg, sizeof s->errmsg, "cannot load --cert/--key: %s",
               why ? why : gf_strerror(rc));
    return rc;
  }
  if (o->dir) {
    if (mkdir(o->dir, 0700) && errno != EEXIST) {
      snprintf(s->errmsg, sizeof s->errmsg, "cannot make --dir %.200s: %s",
               o->dir, strerror(errno));
      return GF_EIO;
    }
    if (!realpath(o->dir, s->dir)) {
      snprintf(s->errmsg, sizeof s->errmsg, "bad --dir %.200s: %s", o->dir,
               strerror(errno));
      return GF_EIO;
    }
  } else {
    const char *tmp = getenv("TMPDIR");
    snprintf(s->dir, sizeof s->dir, "%s/gemflow-sim-XXXXXX",
             tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(s->dir)) {
      snprintf(s->errmsg, sizeof s->errmsg, "cannot make a temporary "
               "directory: %s", strerror(errno));
      return GF_EIO;
    }
    s->own_dir = 1;
  }
  const char *extra[1] = {o->host};
  int rc = gf__tls_make_test_certs(s->dir, extra, is_loopback(o->host) ? 0 : 1);
  if (rc) {
    snprintf(s->errmsg, sizeof s->errmsg, "cannot make test certificates in "
             "%.200s: %s", s->dir, gf_strerror(rc));
    return rc;
  }
  char cert[PATH_MAX + 16], key[PATH_MAX + 16];
  snprintf(s->ca, sizeof s->ca, "%s/ca.pem", s->dir);
  snprintf(cert, sizeof cert, "%s/server.pem", s->dir);
  snprintf(key, sizeof key, "%s/server.key", s->dir);
  rc = gf__tls_config_server(&s->tls_cfg, cert, key, &why);
  if (rc)
    snprintf(s->errmsg, sizeof s->errmsg, "cannot load the test certificate: "
             "%s", why ? why : gf_strerror(rc));
  return rc;
}

/* ---- listening ---- */

static void on_connection(uv_stream_t *server, int status) {
  gf__sim *s = server->data;
  if (status == 0 && !s->stopping)
    gf__sim_conn_accept(s, server);
}

static int listen_on(gf__sim *s, const struct sockaddr *addr) {
  uv_tcp_t *t = &s->listeners[s->nlisten];
  uv_tcp_init(s->loop, t);
  t->data = s;
  s->nlisten++;
  s->open_listeners++;
  int rc = uv_tcp_bind(t, addr,
                       addr->sa_family == AF_INET6 ? UV_TCP_IPV6ONLY : 0);
  if (!rc)
    rc = uv_listen((uv_stream_t *)t, 1024, on_connection);
  return rc;
}

static int listen_all(gf__sim *s) {
  const char *host = s->opts.host;
  struct sockaddr_storage a;
  int port = s->opts.port, rc;
  int def = !host || !strcmp(host, "localhost");
  if (def)
    host = "127.0.0.1";
  if (uv_ip4_addr(host, port, (struct sockaddr_in *)&a) &&
      uv_ip6_addr(host, port, (struct sockaddr_in6 *)&a)) {
    snprintf(s->errmsg, sizeof s->errmsg, "--host %.200s is not an IP address",
             host);
    return GF_EINVAL;
  }
  if ((rc = listen_on(s, (const struct sockaddr *)&a))) {
    snprintf(s->errmsg, sizeof s->errmsg, "cannot listen on %.200s port %d: %s",
             host, port, uv_strerror(rc));
    return GF_ECONNECT;
  }
  int len = sizeof a;
  uv_tcp_getsockname(&s->listeners[0], (struct sockaddr *)&a, &len);
  s->port = ntohs(a.ss_family == AF_INET6
                      ? ((struct sockaddr_in6 *)&a)->sin6_port
                      : ((struct sockaddr_in *)&a)->sin_port);
  if (def) { /* ::1 on the same port, when the machine has IPv6 */
    struct sockaddr_in6 a6;
    if (uv_ip6_addr("::1", s->port, &a6) == 0 &&
        listen_on(s, (const struct sockaddr *)&a6) != 0) {
      s->nlisten--; /* best effort: close the second slot's handle */
      uv_close((uv_handle_t *)&s->listeners[1], listener_closed);
    }
  }
  return 0;
}

static void set_url(gf__sim *s) {
  const char *host = s->opts.host;
  const char *scheme = s->opts.plain ? "http" : "https";
  if (!host || !strcmp(host, "localhost"))
    host = s->opts.plain ? "127.0.0.1" : "localhost";
  if (strchr(host, ':'))
    snprintf(s->url, sizeof s->url, "%s://[%s]:%d", scheme, host, s->port);
  else
    snprintf(s->url, sizeof s->url, "%s://%s:%d", scheme, host, s->port);
}
