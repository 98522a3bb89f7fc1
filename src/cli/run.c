/* One generation on a private libuv loop. Everything the user sees of a
 * finished generation is printed from on_done, while the result's pointers
 * are valid. */
#include "run.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "client.h"
#include "diag.h"
#include "report.h"

/* The model's text kept for --json: bounded, whatever the server sends. */
#define GF__TEXT_MAX (1u << 20)

typedef struct gf__run {
  const gf__cli_opts *o;
  uv_loop_t loop;
  uv_signal_t sig[2];
  int nsig;            /* signal handles started */
  uv_timer_t later;    /* frees the client after on_done has returned */
  gf_client *client;
  gf_gen *gen;         /* NULL once on_done ran */
  int signum;          /* the signal that canceled the generation, or 0 */
  int exit_code;
  int stream_kind;     /* what stderr's open stream line holds: 0, 1 thought,
                          2 model text */
  int thought_nl;      /* trailing newlines of the last thought part (0-2) */
  char *text;
  size_t text_len;
  gf_chat *chat;       /* the conversation, printed with --json */
} gf__run;

static int gf__run_start(gf__run *r, const char *key, const gf_request *req,
                         const gf_gen_options *gen_opts);
static int gf__client_open(gf__run *r, const char *key);
static void gf__finish(gf__run *r, const gf_result *res);
static void gf__teardown(gf__run *r);
static void gf__on_later(uv_timer_t *t);
static void gf__on_signal(uv_signal_t *h, int signum);
static void gf__on_trace(const char *line, void *ud);
static void gf__on_thought(gf_gen *g, const char *t, size_t n, void *ud);
static void gf__on_text(gf_gen *g, const char *t, size_t n, void *ud);
static void gf__on_done(gf_gen *g, const gf_result *res, void *ud);

int gf__run_generate(const gf__cli_opts *o, const char *key,
                     const gf_request *req, const gf_gen_options *gen_opts) {
  gf__run r;
  memset(&r, 0, sizeof r);
  r.o = o;
  r.chat = gen_opts ? gen_opts->chat : NULL;
  int err = uv_loop_init(&r.loop);
  if (err) {
    gf__diag_error("cannot start the event loop: %s", uv_strerror(err));
    return 1;
  }
  int rc = gf__run_start(&r, key, req, gen_opts);
  if (rc == 0) {
    uv_run(&r.loop, UV_RUN_DEFAULT);
    rc = r.exit_code;
  } else {
    gf__teardown(&r);
    uv_run(&r.loop, UV_RUN_DEFAULT);
  }
  if (uv_loop_close(&r.loop) != 0)
    gf__diag_error("warning: event loop still busy at exit");
  free(r.text);
  return rc;
}

/* 0 with r->client set; else the exit code, after saying why. */
static int gf__client_open(gf__run *r, const char *key) {
  const gf__cli_opts *o = r->o;
  gf__client_args a = {&o->net, key, 0, o->verbose ? gf__on_trace : NULL,
                       r};
  return gf__client_create(&r->loop, &a, &r->client);
}

/* 0 when the generation runs (its on_done sets the exit code); else the
 * exit code, after the failure was reported. */
static int gf__run_start(gf__run *r, const char *key, const gf_request *req,
                         const gf_gen_options *gen_opts) {
  int rc = gf__client_open(r, key);
  if (rc)
    return rc;
  static const int signums[2] = {SIGINT, SIGTERM};
  for (int i = 0; i < 2; i++) {
    uv_signal_init(&r->loop, &r->sig[i]);
    r->sig[i].data = r;
    r->nsig++;
    uv_signal_start(&r->sig[i], gf__on_signal, signums[i]);
  }
  gf_callbacks cbs;
  gf_callbacks_init(&cbs);
  cbs.on_thought = gf__on_thought;
  cbs.on_text = gf__on_text;
  cbs.on_done = gf__on_done;
  int err = gf_generate(r->client, req, gen_opts, &cbs, r, &r->gen);
  if (err) {
    /* Reported like any failed generation, so --json still prints one
     * object. */
    gf_result res;
    memset(&res, 0, sizeof res);
    res.status = err;
    res.retry_after_s = -1;
    static const gf_usage no_usage;
    static const gf_timings unreached = {-1, -1, -1, -1, -1, -1};
    res.usage = &no_usage;
    res.timings = &unreached;
    r->gen = NULL;
    gf__finish(r, &res);
    return r->exit_code ? r->exit_code : 1;
  }
  return 0;
}

static void gf__finish(gf__run *r, const gf_result *res) {
  const gf__cli_opts *o = r->o;
  gf__diag_break();
  r->stream_kind = 0;
  if (o->verbose)
    gf__report_verbose(res);
  if (o->json) {
    /* scrubbed as every server text is: the key never reaches stdout */
    char *chat = res->status == GF_OK && r->chat ? gf_chat_to_json(r->chat)
                                                 : NULL;
    char *clean = chat ? gf__scrub_dup(chat) : NULL;
    gf__report_json(stdout, res, r->text, r->text_len, clean);
    free(clean);
    gf_free(chat);
  }
  if (res->status == GF_OK) {
    if (!o->json)
      printf("%s\n", res->file ? res->file : "");
    r->exit_code = 0;
  } else if (r->signum && res->status == GF_ECANCELED) {
    gf__diag_error("interrupted: generation canceled, no file written");
    r->exit_code = 128 + r->signum;
  } else {
    gf__report_failure(res);
    r->exit_code = 1;
  }
  if (fflush(stdout) != 0 || ferror(stdout)) {
    gf__diag_error("cannot write the result to stdout");
    if (r->exit_code == 0)
      r->exit_code = 1;
  }
}

/* Closes the signal handles and frees the client, so that the loop ends. */
static void gf__teardown(gf__run *r) {
  for (int i = 0; i < r->nsig; i++)
    uv_close((uv_handle_t *)&r->sig[i], NULL);
  r->nsig = 0;
  if (r->client)
    gf_client_free(r->client);
  r->client = NULL;
}

static void gf__on_signal(uv_signal_t *h, int signum) {
  gf__run *r = h->data;
  if (!r->gen)
    return;
  if (r->signum) {
    /* A second signal: the user does not want to wait for the cleanup. */
    static const char msg[] = "\ngemflow: interrupted again, exiting now\n";
    ssize_t ignored = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)ignored;
    _exit(128 + signum);
  }
  r->signum = signum;
  gf_cancel(r->gen);
}

static void gf__on_trace(const char *line, void *ud) {
  gf__run *r = ud;
  r->stream_kind = 0;
  gf__diag_line(line);
}

static void gf__on_thought(gf_gen *g, const char *t, size_t n, void *ud) {
  gf__run *r = ud;
  if (!r->o->thoughts)
    return;
  /* Each call is one thought part, a paragraph of its own: parts are kept
   * apart by a blank line; the bytes of a part are written as they came. */
  if (r->stream_kind == 1) {
    for (int i = r->thought_nl; i < 2; i++)
      gf__diag_stream("\n", 1);
  } else {
    gf__diag_break();
  }
  r->stream_kind = 1;
  gf__diag_stream(t, n);
  r->thought_nl = 0;
  while (r->thought_nl < 2 && (size_t)r->thought_nl < n &&
         t[n - 1 - r->thought_nl] == '\n')
    r->thought_nl++;
}

static void gf__on_text(gf_gen *g, const char *t, size_t n, void *ud) {
  gf__run *r = ud;
  if (r->o->json) {
    size_t room = GF__TEXT_MAX - r->text_len;
    if (n > room)
      n = room;
    char *grown = n ? realloc(r->text, r->text_len + n + 1) : r->text;
    if (!grown)
      return;
    memcpy(grown + r->text_len, t, n);
    r->text = grown;
    r->text_len += n;
    r->text[r->text_len] = '\0';
    return;
  }
  if (r->stream_kind != 2) {
    gf__diag_break();
    gf__diag_stream("model: ", 7);
  }
  r->stream_kind = 2;
  gf__diag_stream(t, n);
}

static void gf__on_done(gf_gen *g, const gf_result *res, void *ud) {
  gf__run *r = ud;
  r->gen = NULL;
  gf__finish(r, res);
  /* The contract allows gf_client_free from here; freeing on the next loop
   * turn instead keeps the CLI off the library's trickiest path. */
  if (uv_timer_init(&r->loop, &r->later) == 0) {
    r->later.data = r;
    uv_timer_start(&r->later, gf__on_later, 0, 0);
  } else {
    gf__teardown(r);
  }
}

static void gf__on_later(uv_timer_t *t) {
  gf__run *r = t->data;
  uv_close((uv_handle_t *)t, NULL);
  gf__teardown(r);
}
