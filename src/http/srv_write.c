/* Serialising response heads and chunks: the simulator's and the examples'
 * side, never in the shipped library. Checked as write.c checks requests. */
#include <inttypes.h>
#include <string.h>

#include "gemflow.h"
#include "http/http.h"

int gf__http_write_response_head(gf__buf *out, int status,
                                 const gf__http_header *hdrs, size_t nhdrs,
                                 int64_t content_length) {
  if (status < 100 || status > 999 || gf__http_check_headers(hdrs, nhdrs, 1))
    return GF_EINVAL;
  size_t mark = out->len;
  int rc = gf__buf_printf(out, "HTTP/1.1 %d %s\r\n", status,
                          gf__http_reason(status));
  if (!rc)
    rc = gf__http_put_headers(out, hdrs, nhdrs);
  int bodiless = status / 100 == 1 || status == 204 || status == 304;
  if (!rc && !bodiless) {
    if (content_length < 0)
      rc = gf__buf_printf(out, "Transfer-Encoding: chunked\r\n");
    else
      rc = gf__buf_printf(out, "Content-Length: %" PRId64 "\r\n",
                          content_length);
  }
  if (!rc)
    rc = gf__buf_append(out, "\r\n", 2);
  if (rc)
    gf__buf_truncate(out, mark);
  return rc;
}

int gf__http_write_chunk(gf__buf *out, const char *p, size_t n) {
  if (n == 0)
    return gf__buf_append(out, "0\r\n\r\n", 5);
  size_t mark = out->len;
  int rc = gf__buf_printf(out, "%zx\r\n", n);
  if (!rc)
    rc = gf__buf_append(out, p, n);
  if (!rc)
    rc = gf__buf_append(out, "\r\n", 2);
  if (rc)
    gf__buf_truncate(out, mark);
  return rc;
}
