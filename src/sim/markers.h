/* Per-request markers in the prompt text: "[[eol:lf]]", "[[chunk:7]]",
 * "[[fault:429]]", ... They change how this one response is framed or
 * which fault it carries. Recognised markers are cut out of the prompt the
 * picture is drawn from, so that framing never changes the image; unknown
 * or malformed ones stay in as plain text. */
#ifndef GF_SIM_MARKERS_H
#define GF_SIM_MARKERS_H
#include <stddef.h>

struct gf__buf;

enum {
  GF_SIM_F_429 = 1u << 0,
  GF_SIM_F_503 = 1u << 1,
  GF_SIM_F_500 = 1u << 2,
  GF_SIM_F_RESET = 1u << 3,
  GF_SIM_F_EOF = 1u << 4,
  GF_SIM_F_TRUNCATE = 1u << 5,
  GF_SIM_F_MIDSTREAM = 1u << 6,
  GF_SIM_F_ERROR_EVENT = 1u << 7,
  GF_SIM_F_BADJSON = 1u << 8,
  GF_SIM_F_SAFETY = 1u << 9,
  GF_SIM_F_BLOCK = 1u << 10,
  GF_SIM_F_SLOW = 1u << 11,
  GF_SIM_F_THOUGHT_IMAGE = 1u << 12,
  GF_SIM_F_THOUGHT_ONLY = 1u << 13,
  GF_SIM_F_TEXT = 1u << 14,
  GF_SIM_F_MIME_AFTER = 1u << 15,
};

#define GF_SIM_CHUNK_MAX (16u * 1024 * 1024)
#define GF_SIM_THINK_MAX 600000L
#define GF_SIM_THOUGHTS_MAX 64

typedef struct gf__sim_marks {
  const char *eol;  /* "\r\n", "\n", "\r"; NULL: not given */
  long chunk;       /* 1..GF_SIM_CHUNK_MAX; 0: not given */
  long think_ms;    /* 0..GF_SIM_THINK_MAX; -1: not given */
  long thoughts;    /* 0..GF_SIM_THOUGHTS_MAX; -1: not given */
  int comments;     /* [[comments]] */
  int array;        /* [[array]] */
  unsigned faults;  /* GF_SIM_F_* */
} gf__sim_marks;

/* Reads the markers of p[0..n). When stripped is not NULL, the prompt
 * without the recognised markers is appended to it. 0 or GF_ENOMEM. */
int gf__sim_marks_parse(const char *p, size_t n, gf__sim_marks *m,
                        struct gf__buf *stripped);
/* "eol:lf" style name -> eol string, NULL if unknown ("crlf", "lf", "cr"). */
const char *gf__sim_eol_named(const char *name, size_t n);
/* Fault names ("429,reset") of the bits, in table order, into out; "" for
 * none. */
int gf__sim_fault_names(unsigned faults, struct gf__buf *out);
#endif
