/* Google's error answer: an HTTP status and the body
 * {"error": {"code": 400, "message": "...", "status": "INVALID_ARGUMENT",
 *  "details": [...]}}, with the details the service uses: ErrorInfo (reason
 * "API_KEY_INVALID"), LocalizedMessage, RetryInfo and BadRequest field
 * violations. */
#ifndef GF_SIM_APIERR_H
#define GF_SIM_APIERR_H

struct gf__buf;

#define GF_SIM_ERRMSG_MAX 600

typedef struct gf__sim_err {
  int status;              /* HTTP status; 0: no error */
  const char *api_status;  /* "INVALID_ARGUMENT", ... */
  char message[GF_SIM_ERRMSG_MAX];
  const char *reason;      /* ErrorInfo reason, NULL for none */
  int localized;           /* a LocalizedMessage (en-US) repeats message */
  int violation;           /* a BadRequest field violation: field (left out
                              when "": the service names none for an unknown
                              top-level key) and the message */
  char field[200];
  const char *retry_delay; /* RetryInfo retryDelay ("1.5s"), NULL for none */
  int retry_after;         /* Retry-After header (seconds), -1 for none */
  int close;               /* the connection must close after the answer */
} gf__sim_err;

/* Sets status, api_status and the message; clears the rest. Returns -1, so
 * that validation code can "return gf__sim_err_set(...)". */
int gf__sim_err_set(gf__sim_err *e, int status, const char *api_status,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* As gf__sim_err_set, for a 400 INVALID_ARGUMENT with a BadRequest field
 * violation naming field: a path in the service's style, proto field names
 * in snake_case ("generation_config.image_config"), or "" for none. */
int gf__sim_err_field(gf__sim_err *e, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends the error JSON; pretty: multi-line with two-space indents (as
 * the service writes its error bodies), else one line. 0 or GF_ENOMEM. */
int gf__sim_err_json(const gf__sim_err *e, int pretty, struct gf__buf *out);
#endif
