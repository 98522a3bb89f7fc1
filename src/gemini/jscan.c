/* The streaming JSON scanner under the event decoder.
 *
 * It validates JSON byte by byte as it arrives, with a small stack that
 * knows only what each open container is (the path candidates[].content.
 * parts[].inlineData and nothing else) and the key it is at. Any key order
 * works because nothing is inferred from order: a part's thought flag and
 * mimeType are recorded whenever they come, and used at the part's end.
 *
 * Every byte of a response object is copied to d->ev for json-c, except the
 * characters of an image part's "data" string, which go to the base64
 * stream instead (the copy gets ""). Copying is done in runs: d->mark is
 * where the pending run starts in the piece being scanned. The copy's limit
 * is enforced at the byte that would pass it, whatever the split points,
 * so that the first error in byte order is the one reported. */
#include <string.h>

#include "gemini/gemini_int.h"

enum gf__js_state {
  GF__JS_TOP,      /* before (or between, in array mode) top-level values */
  GF__JS_TOP_DONE, /* only whitespace may follow */
  GF__JS_VALUE,
  GF__JS_VALUE_OR_CLOSE, /* after '[' */
  GF__JS_KEY_OR_CLOSE,   /* after '{' */
  GF__JS_KEY,            /* after ',' in an object */
  GF__JS_COLON,
  GF__JS_AFTER, /* after a value in a container: ',' or its close */
  GF__JS_STRING,
  GF__JS_ESC,
  GF__JS_UHEX,
  GF__JS_NUMBER,
  GF__JS_LITERAL
};

/* Number states; the ones marked end may be followed by a delimiter. */
enum gf__num {
  GF__N_MINUS,
  GF__N_ZERO, /* end */
  GF__N_INT,  /* end */
  GF__N_DOT,
  GF__N_FRAC, /* end */
  GF__N_EXP,
  GF__N_EXP_SIGN,
  GF__N_EXP_DIGITS /* end */
};

static size_t gf__js_step(gf__evdec *d, const char *p, size_t i, size_t end);
static void gf__js_struct(gf__evdec *d, size_t i, char c);
static void gf__js_top(gf__evdec *d, size_t i, char c);
static void gf__js_value(gf__evdec *d, size_t i, char c);
static void gf__js_open(gf__evdec *d, size_t i, int kind, int is_obj);
static void gf__js_close(gf__evdec *d, size_t i, int is_obj);
static void gf__js_key_start(gf__evdec *d);
static void gf__js_str_start(gf__evdec *d, size_t i, int kind);
static size_t gf__js_string(gf__evdec *d, const char *p, size_t i, size_t end);
static void gf__js_string_end(gf__evdec *d, size_t i);
static void gf__js_escape(gf__evdec *d, char c);
static void gf__js_uhex(gf__evdec *d, char c);
static void gf__js_str_char(gf__evdec *d, unsigned code);
static size_t gf__js_number(gf__evdec *d, const char *p, size_t i, size_t end);
static void gf__js_literal(gf__evdec *d, char c);
static void gf__js_value_done(gf__evdec *d);
static void gf__js_capture(gf__evdec *d, const char *p, size_t n);
static int gf__js_key_id(const gf__evdec *d);
static int gf__js_child(int parent, int key, int is_obj);
static void gf__js_copy(gf__evdec *d, size_t upto);
static void gf__js_fail(gf__evdec *d, int err);

int gf__jscan_feed(gf__evdec *d, const char *p, size_t n) {
  size_t i = 0;
  d->cp = p;
  d->mark = 0;
  while (i < n && !d->err) {
    size_t end = n;
    if (d->copying) {
      size_t room = d->ev.limit - d->ev.len;
      if (i - d->mark >= room) {
        gf__js_fail(d, GF_ETOOBIG);
        break;
      }
      if (room < n - d->mark)
        end = d->mark + room;
    }
    i = gf__js_step(d, p, i, end);
  }
  if (!d->err && d->copying)
    gf__js_copy(d, n);
  /* decoded image bytes go out at the end of every piece, not later */
  if (!d->err && d->str_kind == GF__STR_DATA && d->state >= GF__JS_STRING &&
      d->state <= GF__JS_UHEX) {
    int rc = gf__img_flush(d, 0);
    if (rc)
      gf__js_fail(d, rc);
  }
  d->cp = NULL;
  return d->err;
}

void gf__jscan_reset(gf__evdec *d) {
  d->state = GF__JS_TOP;
  d->depth = 0;
  d->copying = 0;
  d->top_objects = 0;
  d->str_kind = GF__STR_PLAIN;
  gf__buf_reset(&d->ev);
}

int gf__jscan_idle(const gf__evdec *d) {
  return d->state == GF__JS_TOP && d->top_objects == 0;
}

int gf__jscan_complete(const gf__evdec *d) {
  return d->state == GF__JS_TOP_DONE ||
         (d->mode == 2 && d->state == GF__JS_TOP);
}

/* Processes at least one byte of p[i..end) (or, for a number, ends it
 * without taking the delimiter) and returns where it stopped. */
static size_t gf__js_step(gf__evdec *d, const char *p, size_t i, size_t end) {
  switch (d->state) {
  case GF__JS_STRING:
    return gf__js_string(d, p, i, end);
  case GF__JS_ESC:
    gf__js_escape(d, p[i]);
    return i + 1;
  case GF__JS_UHEX:
    gf__js_uhex(d, p[i]);
    return i + 1;
  case GF__JS_NUMBER:
    return gf__js_number(d, p, i, end);
  case GF__JS_LITERAL:
    gf__js_literal(d, p[i]);
    return i + 1;
  default:
    break;
  }
  while (i < end &&
         (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
    i++;
  if (i == end)
    return i;
  gf__js_struct(d, i, p[i]);
  return i + 1;
}

/* One character that is not whitespace, outside strings and scalars. */
static void gf__js_struct(gf__evdec *d, size_t i, char c) {
  gf__jframe *fr = d->depth ? &d->stack[d->depth - 1] : NULL;
  switch (d->state) {
  case GF__JS_TOP:
    gf__js_top(d, i, c);
    return;
  case GF__JS_VALUE:
    gf__js_value(d, i, c);
    return;
  case GF__JS_VALUE_OR_CLOSE:
    if (c == ']')
      gf__js_close(d, i, 0);
    else
      gf__js_value(d, i, c);
    return;
  case GF__JS_KEY_OR_CLOSE:
  case GF__JS_KEY:
    if (c == '"')
      gf__js_key_start(d);
    else if (c == '}' && d->state == GF__JS_KEY_OR_CLOSE)
      gf__js_close(d, i, 1);
    else
      gf__js_fail(d, GF_EJSON);
    return;
  case GF__JS_COLON:
    if (c == ':')
      d->state = GF__JS_VALUE;
    else
      gf__js_fail(d, GF_EJSON);
    return;
  case GF__JS_AFTER:
    if (c == ',')
      d->state = fr->is_obj ? GF__JS_KEY : GF__JS_VALUE;
    else if (c == '}' || c == ']')
      gf__js_close(d, i, c == '}');
    else
      gf__js_fail(d, GF_EJSON);
    return;
  default: /* GF__JS_TOP_DONE */
    gf__js_fail(d, GF_EJSON);
  }
}

/* SSE mode: one object per event. Array mode: "[" objects "]", or bare
 * objects one after the other. */
static void gf__js_top(gf__evdec *d, size_t i, char c) {
  if (c == '{')
    gf__js_open(d, i, GF__JK_ROOT, 1);
  else if (c == '[' && d->mode == 2 && d->top_objects == 0)
    gf__js_open(d, i, GF__JK_TOPARR, 0);
  else
    gf__js_fail(d, GF_EJSON);
}

static void gf__js_value(gf__evdec *d, size_t i, char c) {
  gf__jframe *fr = &d->stack[d->depth - 1];
  if (fr->kind == GF__JK_TOPARR) { /* the array holds response objects */
    if (c == '{')
      gf__js_open(d, i, GF__JK_ROOT, 1);
    else
      gf__js_fail(d, GF_EJSON);
    return;
  }
  int key = fr->is_obj ? fr->key : GF__KEY_OTHER;
  int in_inline = fr->kind == GF__JK_INLINE;
  if (fr->kind == GF__JK_PART && key == GF__KEY_THOUGHT)
    d->part.thought = 0; /* only a literal true makes it 1 */
  switch (c) {
  case '{':
  case '[':
    gf__js_open(d, i, gf__js_child(fr->kind, key, c == '{'), c == '{');
    return;
  case '"':
    gf__js_str_start(d, i,
                     in_inline && key == GF__KEY_DATA   ? GF__STR_DATA
                     : in_inline && key == GF__KEY_MIME ? GF__STR_MIME
                                                        : GF__STR_PLAIN);
    return;
  case 't':
  case 'f':
  case 'n':
    d->lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
    d->sub = 1;
    d->state = GF__JS_LITERAL;
    return;
  case '-':
    d->sub = GF__N_MINUS;
    d->state = GF__JS_NUMBER;
    return;
  default:
    if (c >= '0' && c <= '9') {
      d->sub = c == '0' ? GF__N_ZERO : GF__N_INT;
      d->state = GF__JS_NUMBER;
    } else {
      gf__js_fail(d, GF_EJSON);
    }
  }
}

static void gf__js_open(gf__evdec *d, size_t i, int kind, int is_obj) {
  /* nesting counts from the response object, the body's array aside */
  int outer = d->depth && d->stack[0].kind == GF__JK_TOPARR;
  if (d->depth - outer >= d->max_depth) {
    gf__js_fail(d, GF_EJSON);
    return;
  }
  if (kind == GF__JK_ROOT) { /* a response object starts: an event */
    gf__buf_reset(&d->ev);
    d->copying = 1;
    d->mark = i;
  } else if (kind == GF__JK_PART) {
    gf__img_part_start(d);
  }
  d->stack[d->depth++] = (gf__jframe){(uint8_t)kind, (uint8_t)is_obj, 0};
  d->state = is_obj ? GF__JS_KEY_OR_CLOSE : GF__JS_VALUE_OR_CLOSE;
}

static void gf__js_close(gf__evdec *d, size_t i, int is_obj) {
  gf__jframe *fr = &d->stack[d->depth - 1];
  if (fr->is_obj != is_obj) {
    gf__js_fail(d, GF_EJSON);
    return;
  }
  int kind = fr->kind, rc = 0;
  d->depth--;
  d->state = d->depth ? GF__JS_AFTER : GF__JS_TOP_DONE;
  if (kind == GF__JK_PART) {
    rc = gf__img_part_end(d);
  } else if (kind == GF__JK_ROOT) {
    gf__js_copy(d, i + 1);
    d->copying = 0;
    if (d->err || d->mode != 2)
      return; /* SSE: read at the event's end */
    rc = gf__ev_process(d);
    gf__buf_reset(&d->ev);
    if (d->depth == 0) { /* bare objects: more may follow */
      d->top_objects++;
      d->state = GF__JS_TOP;
    }
  }
  if (rc)
    gf__js_fail(d, rc);
}

static void gf__js_key_start(gf__evdec *d) {
  /* keys are only looked at in objects on the image path */
  gf__js_str_start(d, 0,
                   d->stack[d->depth - 1].kind >= GF__JK_ROOT ? GF__STR_KEY
                                                              : GF__STR_PLAIN);
  d->str_is_key = 1;
}

static void gf__js_str_start(gf__evdec *d, size_t i, int kind) {
  d->str_kind = kind;
  d->str_is_key = 0;
  d->cap_len = 0;
  d->cap_bad = 0;
  d->state = GF__JS_STRING;
  if (kind == GF__STR_DATA) { /* copy up to the opening quote, then stream */
    gf__js_copy(d, i + 1);
    d->copying = 0;
    int rc = d->err ? 0 : gf__img_data_start(d);
    if (rc)
      gf__js_fail(d, rc);
  }
}

/* The characters of a string: whole runs between quotes and escapes. */
static size_t gf__js_string(gf__evdec *d, const char *p, size_t i, size_t end) {
  size_t run = gf__js_plain_run(p + i, end - i);
  if (run) {
    if (d->str_kind == GF__STR_DATA) {
      int rc = gf__img_data_run(d, p + i, run);
      if (rc) {
        gf__js_fail(d, rc);
        return end;
      }
    } else if (d->str_kind != GF__STR_PLAIN) {
      gf__js_capture(d, p + i, run);
    }
    i += run;
  }
  if (i == end)
    return i;
  if (p[i] == '"')
    gf__js_string_end(d, i);
  else if (p[i] == '\\')
    d->state = GF__JS_ESC;
  else /* a raw control character */
    gf__js_fail(d, GF_EJSON);
  return i + 1;
}

static void gf__js_string_end(gf__evdec *d, size_t i) {
  int kind = d->str_kind;
  d->str_kind = GF__STR_PLAIN;
  if (kind == GF__STR_DATA) { /* the closing quote is copied again */
    d->copying = 1;
    d->mark = i;
    int rc = gf__img_data_end(d);
    if (rc) {
      gf__js_fail(d, rc);
      return;
    }
  }
  if (d->str_is_key) {
    d->stack[d->depth - 1].key =
        (uint8_t)(kind == GF__STR_KEY ? gf__js_key_id(d) : GF__KEY_OTHER);
    d->state = GF__JS_COLON;
    return;
  }
  if (kind == GF__STR_MIME) {
    d->part.mime_ok = !d->cap_bad;
    if (!d->cap_bad) {
      memcpy(d->part.mime, d->cap, d->cap_len);
      d->part.mime[d->cap_len] = '\0';
    }
  }
  gf__js_value_done(d);
}

static void gf__js_escape(gf__evdec *d, char c) {
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  const char *at = c ? strchr(from, c) : NULL;
  d->state = GF__JS_STRING;
  if (at) {
    gf__js_str_char(d, (unsigned char)to[at - from]);
  } else if (c == 'u') {
    d->uhex = 0;
    d->sub = 0;
    d->state = GF__JS_UHEX;
  } else {
    gf__js_fail(d, GF_EJSON);
  }
}

static void gf__js_uhex(gf__evdec *d, char c) {
  unsigned v;
  if (c >= '0' && c <= '9')
    v = (unsigned)(c - '0');
  else if (c >= 'a' && c <= 'f')
    v = (unsigned)(c - 'a' + 10);
  else if (c >= 'A' && c <= 'F')
    v = (unsigned)(c - 'A' + 10);
  else {
    gf__js_fail(d, GF_EJSON);
    return;
  }
  d->uhex = d->uhex << 4 | v;
  if (++d->sub == 4) {
    d->state = GF__JS_STRING;
    gf__js_str_char(d, d->uhex);
  }
}

/* An escaped character (a UTF-16 code unit for \u). */
static void gf__js_str_char(gf__evdec *d, unsigned code) {
  if (d->str_kind == GF__STR_DATA) {
    int rc = gf__img_data_char(d, code);
    if (rc)
      gf__js_fail(d, rc);
  } else if (d->str_kind != GF__STR_PLAIN) {
    char c = (char)code;
    /* no key or mime type we look for has these */
    if (code == 0 || code >= 0x80)
      d->cap_bad = 1;
    else
      gf__js_capture(d, &c, 1);
  }
}

static size_t gf__js_number(gf__evdec *d, const char *p, size_t i, size_t end) {
  for (; i < end; i++) {
    char c = p[i];
    int digit = c >= '0' && c <= '9', s = d->sub, e = c == 'e' || c == 'E';
    if (s == GF__N_MINUS || s == GF__N_DOT || s == GF__N_EXP_SIGN) {
      if (c == '0' && s == GF__N_MINUS)
        s = GF__N_ZERO;
      else if (digit)
        s = s == GF__N_MINUS ? GF__N_INT
            : s == GF__N_DOT ? GF__N_FRAC
                             : GF__N_EXP_DIGITS;
      else
        s = -1;
    } else if (s == GF__N_EXP) {
      s = c == '+' || c == '-' ? GF__N_EXP_SIGN : digit ? GF__N_EXP_DIGITS : -1;
    } else if (digit && s != GF__N_ZERO) {
      /* more digits */
    } else if (c == '.' && (s == GF__N_ZERO || s == GF__N_INT)) {
      s = GF__N_DOT;
    } else if (e && s != GF__N_EXP_DIGITS) {
      s = GF__N_EXP;
    } else { /* a delimiter (checked by the next state) ends it */
      gf__js_value_done(d);
      return i;
    }
    if (s < 0) {
      gf__js_fail(d, GF_EJSON);
      return i + 1;
    }
    d->sub = s;
  }
  return i;
}

static void gf__js_literal(gf__evdec *d, char c) {
  if (c != d->lit[d->sub]) {
    gf__js_fail(d, GF_EJSON);
    return;
  }
  if (d->lit[++d->sub])
    return;
  gf__jframe *fr = &d->stack[d->depth - 1];
  if (fr->kind == GF__JK_PART && fr->key == GF__KEY_THOUGHT)
    d->part.thought = d->lit[0] == 't';
  gf__js_value_done(d);
}

static void gf__js_value_done(gf__evdec *d) { d->state = GF__JS_AFTER; }

static void gf__js_capture(gf__evdec *d, const char *p, size_t n) {
  if (d->cap_bad || n >= GF__CAP_MAX - d->cap_len) {
    d->cap_bad = 1;
    return;
  }
  memcpy(d->cap + d->cap_len, p, n);
  d->cap_len += n;
}

static int gf__js_key_id(const gf__evdec *d) {
  static const struct {
    const char *name;
    int id;
  } keys[] = {
      {"candidates", GF__KEY_CANDIDATES}, {"content", GF__KEY_CONTENT},
      {"parts", GF__KEY_PARTS},           {"inlineData", GF__KEY_INLINE},
      {"inline_data", GF__KEY_INLINE},    {"data", GF__KEY_DATA},
      {"mimeType", GF__KEY_MIME},         {"mime_type", GF__KEY_MIME},
      {"thought", GF__KEY_THOUGHT},
  };
  if (d->cap_bad)
    return GF__KEY_OTHER;
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (strlen(keys[i].name) == d->cap_len &&
        memcmp(keys[i].name, d->cap, d->cap_len) == 0)
      return keys[i].id;
  return GF__KEY_OTHER;
}

/* The kind of a container opened under parent at key. */
static int gf__js_child(int parent, int key, int is_obj) {
  if (is_obj) {
    if (parent == GF__JK_CANDS)
      return GF__JK_CAND;
    if (parent == GF__JK_CAND && key == GF__KEY_CONTENT)
      return GF__JK_CONTENT;
    if (parent == GF__JK_PARTS)
      return GF__JK_PART;
    if (parent == GF__JK_PART && key == GF__KEY_INLINE)
      return GF__JK_INLINE;
  } else {
    if (parent == GF__JK_ROOT && key == GF__KEY_CANDIDATES)
      return GF__JK_CANDS;
    if (parent == GF__JK_CONTENT && key == GF__KEY_PARTS)
      return GF__JK_PARTS;
  }
  return GF__JK_OTHER;
}

/* Appends the pending run cp[mark..upto) to the event's copy. */
static void gf__js_copy(gf__evdec *d, size_t upto) {
  if (upto > d->mark && !d->err) {
    int rc = gf__buf_append(&d->ev, d->cp + d->mark, upto - d->mark);
    if (rc)
      gf__js_fail(d, rc);
  }
  d->mark = upto;
}

static void gf__js_fail(gf__evdec *d, int err) {
  if (!d->err)
    d->err = err;
}

