/* Private: the client and the generation. */
#ifndef GF_CLIENT_CLIENT_H
#define GF_CLIENT_CLIENT_H
#include <uv.h>

#include "client/sink.h"
#include "common/buf.h"
#include "conn/conn.h"
#include "conn/url.h"
#include "gemflow.h"
#include "gemini/gemini.h"
#include "http/http.h"
#include "sse/sse.h"
#include "tls/tls.h"

#define GF__READ_BUF (64 * 1024)
#define GF__ERROR_BODY_MAX (64 * 1024)

struct gf_client {
  uv_loop_t *loop;
  gf__url url;
  char *api_key;
  int key_in;
  int use_sse;
  uint64_t connect_timeout_ms, idle_timeout_ms;
  size_t max_event_bytes;
  void (*on_trace)(void *ud, const char *line);
  void *trace_ud;
  gf__tls_config *tls; /* NULL for http:// */
  char *read_buf;      /* one for every connection of this client */
  int live;            /* generations not yet done */
  int freeing;         /* gf_client_free called: free when live == 0 */
  struct gf_gen *gens; /* live generations, for gf_client_free */
};

/* BODY_SNIFF: a 2xx body whose first byte decides: '[' is the JSON-array
 * form whatever the Content-Type says, anything else body_next. */
enum { BODY_NONE, BODY_SNIFF, BODY_SSE, BODY_ARRAY, BODY_ERROR };

struct gf_gen {
  gf_client *client;
  struct gf_gen *next, *prev;
  gf_callbacks cbs;
  void *ud;
  char *model;
  gf__buf body, target;  /* the request, kept so an attempt can restart */

  gf__conn *conn;
  gf__http_resp *http;
  gf__sse *sse;
  gf__evdec *evdec;
  gf__sink sink;

  uint64_t t0;           /* uv_hrtime at gf_generate */
  gf_timings timings;
  int attempts;
  int http_status;
  int body_mode;
  int body_next;          /* the mode the headers chose */
  gf__buf errbody;       /* a non-2xx body, bounded */
  double retry_after_s;  /* from the Retry-After header */
  int transport_err;     /* how the connection ended */
  char transport_msg[200];
  int stop;              /* non-zero: stop feeding (the code to return) */
  int canceled;
  int finishing;         /* result decided, tearing down */
  int result;            /* final status */
  char msg[512];         /* library's explanation for the result */
  int done;              /* on_done has run */
  int sink_busy;         /* an fsync is running */
  int have_api_error;    /* api_error parsed from a non-2xx body */
  gf__api_error api_error;
  char content_type[64];
  int images_seen;
};

/* gen.c */
void gf__gen_fail(gf_gen *g, int err, const char *msg);
void gf__gen_complete(gf_gen *g);
double gf__gen_ms(const gf_gen *g);
void gf__trace(gf_gen *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* response.c: wires http -> sse/array -> evdec -> callbacks and sink */
int gf__response_init(gf_gen *g);
void gf__response_free(gf_gen *g);
int gf__response_feed(gf_gen *g, const char *p, size_t n);
/* The connection ended with transport status err (0 clean). */
void gf__response_end(gf_gen *g, int err, const char *msg);

/* client.c */
void gf__client_maybe_free(gf_client *c);

/* redact.c: the key never leaves the library */
void gf__redact(const char *key, char *s);
#endif
