/* Serialising request heads (srv_write.c: response heads). Everything a caller passes is
 * checked before a byte is written, so that a stray CR or LF can never
 * split a header into two (header injection), and on error the output
 * buffer is left as it was. */
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "gemflow.h"
#include "http/http.h"

static int is_token(const char *s);
static int is_visible(const char *s);

int gf__http_write_request(gf__buf *out, const char *method, const char *target,
                           const char *host, const gf__http_header *hdrs,
                           size_t nhdrs, uint64_t content_length) {
  if (!method || !target || !host || !is_token(method) || !is_visible(target) ||
      !is_visible(host) || gf__http_check_headers(hdrs, nhdrs, 0))
    return GF_EINVAL;
  size_t mark = out->len;
  int rc = gf__buf_printf(out, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target,
                          host);
  if (!rc)
    rc = gf__http_put_headers(out, hdrs, nhdrs);
  /* a bodiless GET or HEAD says nothing about a body (RFC 9110 8.6) */
  int bodiless = content_length == 0 &&
                 (!strcmp(method, "GET") || !strcmp(method, "HEAD"));
  if (!rc && !bodiless)
    rc = gf__buf_printf(out, "Content-Length: %" PRIu64 "\r\n", content_length);
  if (!rc)
    rc = gf__buf_append(out, "\r\n", 2);
  if (rc)
    gf__buf_truncate(out, mark);
  return rc;
}

/* ---- checks ---- */

/* tchar of RFC 9110 5.6.2 */
static int is_tchar(unsigned char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
      (c >= 'A' && c <= 'Z'))
    return 1;
  return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static int is_token(const char *s) {
  if (!*s)
    return 0;
  for (; *s; s++)
    if (!is_tchar((unsigned char)*s))
      return 0;
  return 1;
}

/* Non-empty, no space, no control character: a target or a host. */
static int is_visible(const char *s) {
  if (!*s)
    return 0;
  for (; *s; s++)
    if ((unsigned char)*s <= 0x20 || *s == 0x7f)
      return 0;
  return 1;
}

/* field-value: visible characters, obs-text, space and tab */
static int is_field_value(const char *s) {
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c < 0x20 && c != '\t') || c == 0x7f)
      return 0;
  }
  return 1;
}

/* The framing headers are ours to write: a second Content-Length or a
 * Transfer-Encoding from a caller would make the message ambiguous. */
static int is_ours(const char *name, int allow_host) {
  return !strcasecmp(name, "Content-Length") ||
         !strcasecmp(name, "Transfer-Encoding") ||
         (!allow_host && !strcasecmp(name, "Host"));
}

int gf__http_check_headers(const gf__http_header *hdrs, size_t n,
                         int allow_host) {
  if (n && !hdrs)
    return GF_EINVAL;
  for (size_t i = 0; i < n; i++) {
    const char *name = hdrs[i].name, *value = hdrs[i].value;
    if (!name || !value || !is_token(name) || !is_field_value(value) ||
        is_ours(name, allow_host))
      return GF_EINVAL;
  }
  return 0;
}

int gf__http_put_headers(gf__buf *out, const gf__http_header *hdrs, size_t n) {
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++)
    rc = gf__buf_printf(out, "%s: %s\r\n", hdrs[i].name, hdrs[i].value);
  return rc;
}
