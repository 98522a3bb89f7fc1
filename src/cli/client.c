/* Client creation shared by generate and batch. */
#include "client.h"

#include <stdlib.h>

#include "diag.h"

static uint64_t gf__ms(double s) { return (uint64_t)(s * 1000 + 0.5); }

int gf__client_create(uv_loop_t *loop, const gf__client_args *a,
                      gf_client **out) {
  const gf__netopts *n = a->net;
  gf_client_options co;
  gf_client_options_init(&co);
  co.service = n->service;
  co.base_url = gf__netopts_base_url(n);
  co.api_key = a->key;
  co.key_in = n->key_in;
  co.ca_file = n->ca_file;
  co.on_trace = a->on_trace;
  co.trace_ud = a->trace_ud;
  co.max_attempts = n->max_attempts;
  co.retry_max_delay_ms = gf__ms(n->retry_max_delay_s);
  if (co.retry_initial_ms > co.retry_max_delay_ms)
    co.retry_initial_ms = co.retry_max_delay_ms;
  co.connect_timeout_ms = gf__ms(n->connect_timeout_s);
  co.idle_timeout_ms = gf__ms(n->idle_timeout_s);
  co.attempt_timeout_ms = gf__ms(n->timeout_s);
  co.requests_per_minute = a->rpm;
  co.resolve = n->resolve[0] ? n->resolve : NULL;
  co.proxy = gf__netopts_proxy(n, &co.no_proxy);
  co.compressed = n->compressed;
  co.aead = n->aead;
  *out = NULL;
  int err = gf_client_new(loop, &co, out);
  if (err == 0)
    return 0;
  *out = NULL;
  /* Refused options are usage errors: nothing has been sent. */
  if (err == GF_EURL)
    return gf__usage_error("invalid base URL '%s'",
                           co.base_url ? co.base_url : "(default)");
  if (err == GF_EINSECURE)
    return gf__usage_error("refusing to send the API key over plain http to "
                           "%s: use https, or http only to a loopback "
                           "address (127.0.0.1, ::1, localhost)",
                           co.base_url);
  if (err == GF_ECAFILE)
    return gf__usage_error("cannot load the CA bundle %s",
                           n->ca_file ? n->ca_file : "(the system's)");
  if (err == GF_EINVAL)
    return gf__usage_error("invalid client options (--service, --resolve, "
                           "or the proxy variables)");
  gf__diag_error("cannot create the client: %s", gf_strerror(err));
  return 1;
}
