/* gemflow-gallery: a web page where a person generates and refines images,
 * served from the same libuv loop that runs the generations.
 *
 * Without --service or --base-url it starts gemflow-sim in this process
 * (on the same loop, over TLS with its own test CA) and needs no key. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "chats.h"
#include "client.h"
#include "diag.h"
#include "jobs.h"
#include "key.h"
#include "netopts.h"
#include "routes.h"
#include "sim/sim.h"

/* The simulator takes any key but a rejected one; it is no secret. */
#define GAL_SIM_KEY "gallery-in-process-simulator"

typedef struct gal_opts {
  gf__netopts net;
  char host[64];
  int port;
  const char *sim_log;
  long sim_think_ms;
  int sim_plain;
  size_t max_upload;
} gal_opts;

static gal_app app;
static gf__sim *sim;
static uv_signal_t sig_int, sig_term;
static char key[GF__KEY_MAX + 1];

/* ---- options ---- */

static void usage(FILE *f) {
  fputs("usage: gemflow-gallery [options]\n"
        "A web page for generating and refining images with gemflow.\n"
        "  --listen HOST:PORT    where to serve the page (default\n"
        "                        127.0.0.1:8080; port 0: a free one)\n"
        "  --max-upload BYTES    one reference image (default 8 MiB)\n"
        "Without --service or --base-url, gemflow-sim runs in this process:\n"
        "  --sim-log FILE        its request log (JSON lines)\n"
        "  --sim-think MS        its pause after each thought (to watch)\n"
        "  --sim-plain           plain http to it instead of TLS\n"
        "Against a real service (the key from its environment variable,\n"
        "as for `gemflow generate`; never on the command line):\n",
        f);
  gf__netopts_usage(f);
}

static int parse_listen(const char *arg, gal_opts *o) {
  const char *colon = strrchr(arg, ':');
  const char *h = arg, *he = colon;
  if (colon && arg[0] == '[' && colon > arg && colon[-1] == ']') {
    h = arg + 1; /* [::1]:8080 */
    he = colon - 1;
  }
  char *end;
  long port = colon ? strtol(colon + 1, &end, 10) : -1;
  if (!colon || he == h || (size_t)(he - h) >= sizeof o->host ||
      !colon[1] || *end || port < 0 || port > 65535)
    return gf__usage_error("--listen takes HOST:PORT, not '%s'", arg);
  memcpy(o->host, h, (size_t)(he - h));
  o->host[he - h] = '\0';
  o->port = (int)port;
  return 0;
}

static int parse_number(const char *name, const char *arg, long max,
                        long *out) {
  char *end;
  long v = strtol(arg, &end, 10);
  if (!*arg || *end || v < 0 || v > max)
    return gf__usage_error("%s takes 0..%ld, not '%s'", name, max, arg);
  *out = v;
  return 0;
}

enum { O_LISTEN = 0x500, O_SIM_LOG, O_SIM_THINK, O_SIM_PLAIN, O_UPLOAD };

static int take(int c, const char *arg, gal_opts *o) {
  long v;
  switch (c) {
  case O_LISTEN: return parse_listen(arg, o);
  case O_SIM_LOG: o->sim_log = arg; return 0;
  case O_SIM_PLAIN: o->sim_plain = 1; return 0;
  case O_SIM_THINK:
    return parse_number("--sim-think", arg, 600000, &o->sim_think_ms);
  case O_UPLOAD: {
    int rc = parse_number("--max-upload", arg, 64L << 20, &v);
    o->max_upload = (size_t)v;
    return rc;
  }
  default: {
    int rc = gf__netopts_take(c, arg, &o->net);
    return rc == 1 ? gf__usage_error("unknown option") : rc;
  }
  }
}

/* 0 to go on, else the exit status. */
static int parse(int argc, char **argv, gal_opts *o) {
  static const struct option longs[] = {
      {"listen", required_argument, NULL, O_LISTEN},
      {"sim-log", required_argument, NULL, O_SIM_LOG},
      {"sim-think", required_argument, NULL, O_SIM_THINK},
      {"sim-plain", no_argument, NULL, O_SIM_PLAIN},
      {"max-upload", required_argument, NULL, O_UPLOAD},
      {"help", no_argument, NULL, 'h'},
      GF__NETOPTS_LONG,
      {NULL, 0, NULL, 0}};
  gf__netopts_init(&o->net);
  snprintf(o->host, sizeof o->host, "127.0.0.1");
  o->port = 8080;
  o->sim_think_ms = -1;
  o->max_upload = GAL_DEFAULT_UPLOAD;
  int c, rc;
  while ((c = getopt_long(argc, argv, "h", longs, NULL)) != -1) {
    if (c == 'h') {
      usage(stdout);
      return -1;
    }
    if (c == '?')
      return 2;
    if ((rc = take(c, optarg, o)))
      return rc;
  }
  if (optind < argc)
    return gf__usage_error("unexpected argument '%s'", argv[optind]);
  return 0;
}

/* ---- the backend ---- */

static int start_sim(const gal_opts *o) {
  gf__sim_opts so;
  gf__sim_opts_init(&so);
  so.host = "127.0.0.1";
  so.plain = o->sim_plain;
  so.log_file = o->sim_log;
  if (o->sim_think_ms >= 0)
    so.framing.think_ms = (unsigned)o->sim_think_ms;
  const char *err = NULL;
  int rc = gf__sim_start(&sim, app.loop, &so, &err);
  if (rc) {
    gf__diag_error("cannot start the simulator: %s", err ? err : "");
    return 1;
  }
  gf_client_options co;
  gf_client_options_init(&co);
  co.base_url = gf__sim_url(sim);
  co.ca_file = gf__sim_ca(sim);
  co.api_key = GAL_SIM_KEY;
  co.max_image_bytes = app.max_image;
  if ((rc = gf_client_new(app.loop, &co, &app.client))) {
    gf__diag_error("cannot create the client: %s", gf_strerror(rc));
    return 1;
  }
  app.backend = "gemflow-sim (in process)";
  return 0;
}

static int start_service(const gal_opts *o) {
  int rc = gf__key_load(o->net.key_file, gf__netopts_key_vars(&o->net), key);
  if (rc)
    return rc;
  gf__diag_set_secret(key);
  gf__client_args a = {.net = &o->net, .key = key};
  if ((rc = gf__client_create(app.loop, &a, &app.client)))
    return rc;
  const char *url = gf__netopts_base_url(&o->net);
  app.backend = url ? url : gf_service_base_url(o->net.service);
  return 0;
}

/* ---- Host names we answer to ---- */

static void add_host(const char *name, int port) {
  if (app.nhosts < (int)(sizeof app.hosts / sizeof app.hosts[0]))
    snprintf(app.hosts[app.nhosts++], sizeof app.hosts[0], "%s:%d", name,
             port);
}

static void set_hosts(const char *host, int port) {
  if (!strcmp(host, "0.0.0.0") || !strcmp(host, "::")) {
    app.any_host = 1;
    fprintf(stderr, "gemflow-gallery: listening on every interface: anyone "
                    "who can reach this machine can generate images\n");
    return;
  }
  int v6 = strchr(host, ':') != NULL;
  char name[80];
  snprintf(name, sizeof name, v6 ? "[%s]" : "%s", host);
  add_host(name, port);
  if (!strcmp(host, "127.0.0.1") || !strcmp(host, "::1"))
    add_host("localhost", port);
}

/* ---- lifetime ---- */

static void on_sweep(uv_timer_t *t) {
  uint64_t now = uv_now(app.loop);
  gal_jobs_sweep(&app, now);
  gal_chats_sweep(&app, now);
}

static void on_client_closed(gf_client *client) {
  /* every on_done has run: nothing refers to the jobs any more */
  gal_jobs_free(&app);
  gal_chats_free(&app);
  gal_store_free(&app.store);
  gf__sim_stop(sim);
  sim = NULL;
  uv_close((uv_handle_t *)&sig_int, NULL);
  uv_close((uv_handle_t *)&sig_term, NULL);
  uv_close((uv_handle_t *)&app.sweep, NULL);
}

static void shut_down(void) {
  if (app.stopping)
    return;
  app.stopping = 1;
  gal_server_stop(app.server);
  app.server = NULL;
  uv_timer_stop(&app.sweep);
  if (app.client) /* cancels the generations: each gets its on_done */
    gf_client_close(app.client, on_client_closed);
  else
    on_client_closed(NULL);
}

static void on_signal(uv_signal_t *s, int signum) {
  if (app.stopping) {
    /* a second Ctrl-C: the person does not want to wait */
    _exit(128 + signum);
  }
  fprintf(stderr, "gemflow-gallery: stopping\n");
  shut_down();
}

static int serve(const gal_opts *o) {
  static const gal_routes routes = {gal_route_body_limit, gal_route};
  const char *err = NULL;
  int rc = gal_server_start(&app.server, app.loop, o->host, o->port, &routes,
                            &app, &err);
  if (rc) {
    gf__diag_error("--listen %s:%d: %s (%s)", o->host, o->port, err,
                   uv_strerror(rc));
    return 1;
  }
  int port = gal_server_port(app.server);
  set_hosts(o->host, port);
  /* the first Host we answer to (wildcard: loopback reaches it too) */
  char where[96];
  if (app.any_host)
    snprintf(where, sizeof where, "%s:%d",
             strchr(o->host, ':') ? "[::1]" : "127.0.0.1", port);
  else
    snprintf(where, sizeof where, "%s", app.hosts[0]);
  printf("gemflow-gallery ready url=http://%s/ backend=%s\n", where,
         app.backend);
  fflush(stdout);
  return 0;
}

static void app_init(uv_loop_t *loop, const gal_opts *o) {
  app.loop = loop;
  app.max_upload = o->max_upload;
  app.max_image = 128u << 20;
  gal_store_init(&app.store, GAL_STORE_BYTES, GAL_STORE_COUNT);
  gf__queue_init(&app.jobs);
  gf__queue_init(&app.chats);
  uv_timer_init(loop, &app.sweep);
  uv_signal_init(loop, &sig_int);
  uv_signal_init(loop, &sig_term);
}

int main(int argc, char **argv) {
  gal_opts o;
  int rc = parse(argc, argv, &o);
  if (rc)
    return rc < 0 ? 0 : rc;
  signal(SIGPIPE, SIG_IGN); /* a tab that goes away mid-write */
  uv_loop_t loop;
  uv_loop_init(&loop);
  app_init(&loop, &o);
  int external = o.net.service || o.net.base_url;
  rc = external ? start_service(&o) : start_sim(&o);
  if (!rc)
    rc = serve(&o);
  if (rc) {
    shut_down();
  } else {
    uv_timer_start(&app.sweep, on_sweep, GAL_SWEEP_MS, GAL_SWEEP_MS);
    uv_signal_start(&sig_int, on_signal, SIGINT);
    uv_signal_start(&sig_term, on_signal, SIGTERM);
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  int closed = uv_loop_close(&loop);
  gf__key_wipe(key, sizeof key);
  if (!rc && closed)
    fprintf(stderr, "gemflow-gallery: handles left open at exit\n");
  return rc ? rc : closed ? 1 : 0;
}
