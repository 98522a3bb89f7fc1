/* The body's bytes around the response objects: SSE events with the
 * framing variants (comments, event/id/retry fields, several data lines,
 * no space after "data:", junk lines between events, a leading BOM) and
 * the line ends, which [[eol:mixed]] cycles CRLF, LF, CR over the whole
 * body. A plan writes every line of one body through one gf__sim_fw, in
 * body order, so that the cycle runs on from step to step. */
#ifndef GF_SIM_FRAME_H
#define GF_SIM_FRAME_H
#include <stddef.h>

struct gf__buf;
struct gf__sim_framing;

#define GF_SIM_BOM "\xef\xbb\xbf"
#define GF_SIM_KEEPALIVE ": keep-alive"
#define GF_SIM_RETRY_MS 3000

typedef struct gf__sim_fw {
  const struct gf__sim_framing *f;
  unsigned long eols; /* line ends handed out */
  unsigned events;    /* SSE events written: the next one's id - 1 */
  int items;          /* events and raw blocks written (junk goes between) */
  int started;        /* the BOM has had its chance */
} gf__sim_fw;

void gf__sim_fw_init(gf__sim_fw *w, const struct gf__sim_framing *f);
/* The next line end: the framing's, or the next one of the mixed cycle. */
const char *gf__sim_fw_eol(gf__sim_fw *w);
/* Before an SSE event or a block of raw lines: the BOM when nothing was
 * written yet ([[bom]]), the junk lines when something was ([[ping]]). */
int gf__sim_fw_begin(gf__sim_fw *w, struct gf__buf *out);
/* One whole SSE event for json[0..n): begin, an optional keep-alive
 * comment, the data lines (one per line of json; with multiline also cut
 * after '{', ',' and ':' outside strings) with comments between them, the
 * fields of [[sse-fields]], and the blank line. json must not hold a CR
 * (GF_EINVAL). 0, GF_EINVAL or the buffer's error. */
int gf__sim_fw_event(gf__sim_fw *w, struct gf__buf *out, const char *json,
                     size_t n);
#endif
