/* Private to the gemini layer: the request's fields, the model table, and
 * the event decoder's state (streaming JSON scanner + image stream). */
#ifndef GF_GEMINI_INT_H
#define GF_GEMINI_INT_H
#include <stddef.h>
#include <stdint.h>

#include "b64/b64.h"
#include "common/buf.h"
#include "gemini/gemini.h"

/* ---- request ---- */
typedef struct gf__ref {
  unsigned char *data;
  size_t len;
  char *mime;
} gf__ref;

struct gf_request {
  char *model; /* NULL: GF_DEFAULT_MODEL */
  char *prompt;
  char *aspect, *size;
  int passthrough;
  int modalities;
  int search;
  int nrefs;
  gf__ref refs[GF_MAX_REFS];
};

/* models.c: 0 when value is allowed for the model (unknown models are
 * checked against GF_DEFAULT_MODEL's table), GF_EINVAL otherwise. */
int gf__model_check_aspect(const char *model, const char *ratio,
                           int passthrough);
int gf__model_check_size(const char *model, const char *size, int passthrough);

/* apierror.c: fills e from the value of an "error" key (an object, or a
 * bare string a gateway sent). e must be zeroed first. 0 or GF_ENOMEM. */
struct json_object;
int gf__api_error_from_json(struct json_object *err, gf__api_error *e);
/* The whole of p[0..n) as one strict JSON value, whitespace around it
 * allowed. 0, GF_EJSON or GF_ENOMEM; *out is the caller's to put. */
int gf__json_parse(const char *p, size_t n, struct json_object **out);

/* build.c, for chat_json.c too: a JSON string of s (escaped as json-c
 * does), and of p[0..n) in base64. */
int gf__json_put_str(gf__buf *b, const char *s);
int gf__json_put_b64(gf__buf *b, const unsigned char *p, size_t n);

/* ---- event decoder ---- */
#define GF__JS_MAX_DEPTH 64 /* nesting inside one response object, at most */
#define GF__JS_DEFAULT_DEPTH 32
#define GF__CAP_MAX 128     /* keys and mime types we look at */
#define GF__IMG_OUT (GF__IMG_BLOCK - 16) /* decoded bytes per on_image_data */
#define GF__SNIFF_LEN 12 /* decoded bytes that tell png, jpeg, webp, heif apart */
#define GF__RAW_MAX (64 * 1024)
#define GF__EVENT_DEFAULT (4u * 1024 * 1024)

/* What a container is, from where it stands: only the path to an image
 * part's inlineData is told apart, everything else is OTHER. */
enum gf__jkind {
  GF__JK_OTHER,
  GF__JK_TOPARR, /* the body's array (JSON-array mode) */
  GF__JK_ROOT,   /* a response object: one event */
  GF__JK_CANDS,
  GF__JK_CAND,
  GF__JK_CONTENT,
  GF__JK_PARTS,
  GF__JK_PART,
  GF__JK_INLINE
};

enum gf__jkey {
  GF__KEY_OTHER,
  GF__KEY_CANDIDATES,
  GF__KEY_CONTENT,
  GF__KEY_PARTS,
  GF__KEY_INLINE,
  GF__KEY_DATA,
  GF__KEY_MIME,
  GF__KEY_THOUGHT
};

enum gf__jstr { GF__STR_PLAIN, GF__STR_KEY, GF__STR_MIME, GF__STR_DATA };

typedef struct gf__jframe {
  uint8_t kind, is_obj, key;
} gf__jframe;

/* The image part being read (parts never nest, so one is enough). */
typedef struct gf__part {
  int thought;
  int mime_ok; /* mime holds a usable mimeType */
  char mime[GF__CAP_MAX];
  int have_data;       /* a data string was seen in this part */
  int begun;           /* on_image_begin ran */
  int mime_at_start;   /* mimeType known when the data string began */
  const char *sniffed; /* what the first bytes said */
  uint64_t bytes;
} gf__part;

struct gf__evdec {
  gf__ev_cbs cbs;
  void *ud;
  int mode; /* 0 not yet, 1 SSE events, 2 JSON array */
  int err;  /* sticky */
  gf__gem_summary sum;

  /* scanner */
  int state, sub; /* sub: number state, literal index, \u digit count */
  const char *lit;
  unsigned uhex;
  int str_kind, str_is_key;
  int depth;
  gf__jframe stack[GF__JS_MAX_DEPTH + 1];
  int max_depth; /* at most GF__JS_MAX_DEPTH */
  int top_objects; /* bare top-level objects seen (array mode) */
  char cap[GF__CAP_MAX];
  size_t cap_len;
  int cap_bad;

  /* the event's bytes, the image data string left out */
  gf__buf ev;
  int copying;
  const char *cp; /* the piece being scanned, and where copying resumes */
  size_t mark;

  /* the image */
  gf__part part;
  gf__b64dec b64;
  unsigned char *out; /* GF__IMG_BLOCK bytes, while held */
  size_t out_len;
  gf__blocks *blocks; /* where out is borrowed from; NULL: kept, malloc'd */
  unsigned char hold[GF__SNIFF_LEN]; /* decoded bytes kept between feeds */
  size_t hold_len;                   /* while out is given back */

  gf__buf raw; /* raw lines (an error object written without "data:") */

  /* an SSE event that starts with '[': only "[DONE]" is allowed there */
  char sentinel[8];
  size_t sentinel_len;
  int in_sentinel;
  int ev_fed; /* bytes of the current SSE event have been fed */
};

/* jscan.c: scans p[0..n) of the current mode's input. */
int gf__jscan_feed(gf__evdec *d, const char *p, size_t n);
void gf__jscan_reset(gf__evdec *d);
int gf__jscan_idle(const gf__evdec *d);     /* nothing but whitespace yet */
int gf__jscan_complete(const gf__evdec *d); /* top-level value(s) closed */

/* imgstream.c: the inlineData part being streamed. */
void gf__img_part_start(gf__evdec *d);
int gf__img_data_start(gf__evdec *d);
int gf__img_data_run(gf__evdec *d, const char *p, size_t n);
int gf__img_data_char(gf__evdec *d, unsigned code);
int gf__img_data_end(gf__evdec *d);
int gf__img_flush(gf__evdec *d, int final);
int gf__img_part_end(gf__evdec *d);
void gf__img_release(gf__evdec *d);

/* jscan_run.c: how many of p[0..n) are plain string characters (no '"',
 * '\\' or control character); the AVX2 one looks 32 at a time and stops
 * at the last whole 32 (the caller finishes), both are exact. */
size_t gf__js_plain_run(const char *p, size_t n);
size_t gf__js_plain_run_avx2(const char *p, size_t n);

/* evjson.c: the gathered event, read with json-c. */
int gf__ev_process(gf__evdec *d);
#endif
