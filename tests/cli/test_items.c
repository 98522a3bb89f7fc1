/* The batch input: JSONL files written into a temporary directory and
 * loaded, with stderr captured to see which line each fault is put on. */
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "items.h"
#include "test.h"

/* 1x1 PNGs, red and blue. */
static const unsigned char gf_t_red[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00"
    "\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00"
    "\x0c\x49\x44\x41\x54\x78\x9c\x63\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9"
    "\xfe\x92\xef\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";
static const unsigned char gf_t_blue[] =
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00"
    "\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00"
    "\x0c\x49\x44\x41\x54\x78\x9c\x63\x60\x60\xf8\x0f\x00\x01\x03\x01\x00\x08"
    "\x89\xc2\xec\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60\x82";
#define GF_T_PNG_LEN 69

static char dir[64];     /* this run's temporary directory */
static char input[128];  /* dir/in.jsonl */
static char err[65536];  /* what the last load printed on stderr */
static const gf__item_defaults no_defaults = {0};

/* dir/name (subdirectories made as needed) with n bytes of p. */
static void put(const char *name, const void *p, size_t n) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  for (char *s = path + strlen(dir) + 1; (s = strchr(s, '/')); s++) {
    *s = '\0';
    mkdir(path, 0700);
    *s = '/';
  }
  FILE *f = fopen(path, "wb");
  CHECK(f != NULL);
  if (!f)
    return;
  fwrite(p, 1, n, f);
  fclose(f);
}

static void put_text(const char *name, const char *text) {
  put(name, text, strlen(text));
}

/* gf__items_load with stderr captured in err. */
static int load_path(const char *path, const gf__item_defaults *d,
                     gf__items *items) {
  char errfile[128];
  snprintf(errfile, sizeof errfile, "%s/stderr", dir);
  fflush(stderr);
  int saved = dup(2);
  int fd = open(errfile, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  dup2(fd, 2);
  close(fd);
  int rc = gf__items_load(path, d, items);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  FILE *f = fopen(errfile, "rb");
  size_t n = f ? fread(err, 1, sizeof err - 1, f) : 0;
  err[n] = '\0';
  if (f)
    fclose(f);
  return rc;
}

/* Writes text as dir/in.jsonl and loads it. */
static int load_text(const char *text, const gf__item_defaults *d,
                     gf__items *items) {
  put_text("in.jsonl", text);
  return load_path(input, d, items);
}

/* Whether err holds the formatted text. */
static int err_has(const char *fmt, ...) {
  char want[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(want, sizeof want, fmt, ap);
  va_end(ap);
  if (strstr(err, want))
    return 1;
  fprintf(stderr, "  stderr lacks \"%s\"; it was:\n%s", want, err);
  return 0;
}

static size_t count_lines(const char *s) {
  size_t n = 0;
  for (; *s; s++)
    n += *s == '\n';
  return n;
}

static void teardown(void);

/* The temporary directory, made once for whichever tests run, with two
 * reference images and a text file in it. */
static void fixture(void) {
  if (dir[0])
    return;
  snprintf(dir, sizeof dir, "/tmp/gf-items-XXXXXX");
  if (!mkdtemp(dir)) {
    perror("mkdtemp");
    exit(1);
  }
  snprintf(input, sizeof input, "%s/in.jsonl", dir);
  put("img/red.png", gf_t_red, GF_T_PNG_LEN);
  put("img/blue.png", gf_t_blue, GF_T_PNG_LEN);
  put_text("notes.txt", "hello\n");
  atexit(teardown);
}

static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0)
    fprintf(stderr, "could not remove %s\n", dir);
}

static void test_every_field(void) {
  fixture();
  gf__items items;
  int rc = load_text(
      "{\"id\":\"cat-1\",\"prompt\":\"a cat\",\"aspect_ratio\":\"16:9\","
      "\"image_size\":\"2K\",\"refs\":[\"img/red.png\",\"img/blue.png\"],"
      "\"image_only\":true,\"search\":false,\"out\":\"covers/hero.png\","
      "\"meta\":{\"n\":1}}\n"
      "{\"prompt\":\"a dog\",\"id\":\"dog_2.v\"}\n",
      &no_defaults, &items);
  CHECK_INT(rc, 0);
  CHECK_STR(err, "");
  CHECK_INT(items.n, 2);
  if (items.n != 2)
    return;
  gf__item *a = &items.v[0], *b = &items.v[1];
  CHECK_INT(a->line, 1);
  CHECK_STR(a->id, "cat-1");
  CHECK_STR(a->prompt, "a cat");
  CHECK_STR(a->aspect, "16:9");
  CHECK_STR(a->size, "2K");
  CHECK_INT(a->nrefs, 2);
  char want[256];
  snprintf(want, sizeof want, "%s/img/red.png", dir);
  CHECK_STR(a->refs[0], want);
  snprintf(want, sizeof want, "%s/img/blue.png", dir);
  CHECK_STR(a->refs[1], want);
  CHECK_INT(a->image_only, 1);
  CHECK_INT(a->search, 0);
  CHECK_STR(a->out, "covers/hero.png");
  CHECK_STR(a->meta, "{\"n\":1}");

  CHECK_INT(b->line, 2);
  CHECK_STR(b->id, "dog_2.v");
  CHECK(!b->aspect && !b->size && !b->out && !b->meta && b->nrefs == 0);
  CHECK_INT(b->image_only, -1);
  CHECK_INT(b->search, -1);

  /* the kept digest is the one of the request the run will send */
  int e = 0;
  gf_request *req = gf__item_request(a, &no_defaults, &e);
  CHECK(req != NULL);
  unsigned char d[32];
  CHECK_INT(gf_request_digest(req, d), 0);
  CHECK_MEM(d, 32, a->digest, 32);
  gf_request_free(req);
  gf__items_free(&items);
  CHECK_INT(items.n, 0);
}

static void test_null_is_not_given(void) {
  fixture();
  gf__items items;
  int rc = load_text("{\"id\":\"a\",\"prompt\":\"p\",\"aspect_ratio\":null,"
                     "\"image_size\":null,\"refs\":null,\"image_only\":null,"
                     "\"search\":null,\"out\":null,\"meta\":null}\n",
                     &no_defaults, &items);
  CHECK_INT(rc, 0);
  if (rc)
    return;
  CHECK(!items.v[0].aspect && !items.v[0].size && !items.v[0].out);
  CHECK_INT(items.v[0].image_only, -1);
  CHECK_STR(items.v[0].meta, "null");
  gf__items_free(&items);
}

/* One bad line (line 3, after a good line and a comment): exit 2 and the
 * message on that line. */
static void bad_line(const char *line, const char *message) {
  char text[4096];
  snprintf(text, sizeof text,
           "{\"id\":\"one\",\"prompt\":\"p\",\"out\":\"o.png\"}\n# note\n%s\n",
           line);
  gf__items items;
  int rc = load_text(text, &no_defaults, &items);
  if (rc != 2)
    fprintf(stderr, "  line: %s\n", line);
  CHECK_INT(rc, 2);
  CHECK_INT(items.n, 0);
  CHECK(err_has("gemflow: %s:3: %s", input, message));
  CHECK_INT(count_lines(err), 1);
}

static void test_each_error(void) {
  fixture();
  bad_line("{\"id\":", "invalid JSON");
  bad_line("{\"id\":\"a\",\"prompt\":\"p\"} x", "invalid JSON near column");
  CHECK(err_has("unexpected character"));
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",}", "invalid JSON");
  bad_line("{\"id\":\"a\",\"prompt\":\"caf\xe9\"}", "invalid JSON near column");
  CHECK(err_has("invalid utf-8"));
  bad_line("[1,2]", "not a JSON object");
  bad_line("42", "not a JSON object");
  bad_line("{\"prompt\":\"p\"}", "missing 'id'");
  bad_line("{\"id\":\"a\"}", "missing 'prompt'");
  bad_line("{\"id\":\"a\",\"prompt\":\"\"}", "empty 'prompt'");
  bad_line("{\"id\":\"a\",\"prompt\":7}", "'prompt' must be a string");
  bad_line("{\"id\":\"a\",\"prompt\":\"x\\u0000y\"}",
           "'prompt' contains a NUL character");
  bad_line("{\"id\":3,\"prompt\":\"p\"}", "'id' must be a string");
  bad_line("{\"id\":\"one\",\"prompt\":\"p\"}",
           "duplicate id 'one' (first on line 1)");
  bad_line("{\"id\":\"two\",\"prompt\":\"p\",\"out\":\"o.png\"}",
           "duplicate out 'o.png' (first on line 1)");
  const char *bad_ids[] = {"",  "a b",    ".",       "..", ".hidden",
                           "é", "a/b",    "a\\\\b",  "x\\n"};
  for (size_t i = 0; i < sizeof bad_ids / sizeof *bad_ids; i++) {
    char line[256];
    snprintf(line, sizeof line, "{\"id\":\"%s\",\"prompt\":\"p\"}", bad_ids[i]);
    bad_line(line, "invalid id");
  }
  char line[512], id[130];
  memset(id, 'x', 129);
  id[129] = '\0';
  snprintf(line, sizeof line, "{\"id\":\"%s\",\"prompt\":\"p\"}", id);
  bad_line(line, "invalid id");
  id[128] = '\0'; /* 128 is still fine */
  snprintf(line, sizeof line, "{\"id\":\"%s\",\"prompt\":\"p\"}", id);
  gf__items items;
  CHECK_INT(load_text(line, &no_defaults, &items), 0);
  gf__items_free(&items);

  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"aspect\":\"16:9\"}",
           "unknown key 'aspect' (known: id, prompt, aspect_ratio");
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"aspect_ratio\":\"7:3\"}",
           "invalid aspect ratio '7:3' for gemini-3-pro-image-preview; valid: "
           "1:1 2:3 3:2 3:4 4:3 4:5 5:4 9:16 16:9 21:9");
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"image_size\":\"1k\"}",
           "invalid size '1k' for gemini-3-pro-image-preview; valid: 1K 2K 4K");
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"aspect_ratio\":1}",
           "'aspect_ratio' must be a string");
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"image_only\":\"yes\"}",
           "'image_only' must be true or false");
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"search\":1}",
           "'search' must be true or false");

  char want[512];
  snprintf(want, sizeof want,
           "cannot read reference %s/nope.png: No such file or directory",
           dir);
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"refs\":[\"nope.png\"]}", want);
  snprintf(want, sizeof want, "cannot read reference %s/img: is a directory",
           dir);
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"refs\":[\"img\"]}", want);
  snprintf(want, sizeof want,
           "reference %s/notes.txt: not a png, jpeg, webp, heic or heif image",
           dir);
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"refs\":[\"notes.txt\"]}", want);
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"refs\":\"img/red.png\"}",
           "'refs' must be an array of file names");
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"refs\":[1]}",
           "'refs' must be an array of file names");
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"refs\":[\"img/red.png\",null]}",
           "'refs' must be an array of file names");
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"refs\":[\"\"]}",
           "empty file name in 'refs'");
  char refs[400] = ""; /* 15 names: 224 bytes */
  for (int i = 0; i < 15; i++)
    strcat(refs, i ? ",\"img/red.png\"" : "\"img/red.png\"");
  snprintf(line, sizeof line, "{\"id\":\"a\",\"prompt\":\"p\",\"refs\":[%s]}",
           refs);
  bad_line(line, "too many reference images: 15 (at most 14)");

  const char *bad_outs[] = {"",     "/tmp/x.png", "a//b.png", "a/./b.png",
                            "../x", "a/../b",     "x/",       "a\\tb",
                            "."};
  for (size_t i = 0; i < sizeof bad_outs / sizeof *bad_outs; i++) {
    snprintf(line, sizeof line, "{\"id\":\"a\",\"prompt\":\"p\",\"out\":\"%s\"}",
             bad_outs[i]);
    bad_line(line, "invalid out");
  }
  bad_line("{\"id\":\"a\",\"prompt\":\"p\",\"meta\":{\"x\":[NaN]}}",
           "'meta' holds NaN or Infinity");
}

static void test_raw_bytes_in_line(void) {
  fixture();
  gf__items items;
  static const char nul[] = "{\"id\":\"a\",\"prompt\":\"p\"}\n{\"id\":\"b\0\"}\n";
  put("in.jsonl", nul, sizeof nul - 1);
  CHECK_INT(load_path(input, &no_defaults, &items), 2);
  CHECK(err_has("in.jsonl:2: line contains a NUL byte"));

  /* 1 MiB is allowed; one byte more is an error for that line only */
  size_t max = GF__ITEM_LINE_MAX;
  char *big = malloc(2 * max + 200);
  int n = sprintf(big, "{\"id\":\"a\",\"prompt\":\"");
  memset(big + n, 'x', max - (size_t)n - 2);
  n = (int)max - 2;
  n += sprintf(big + n, "\"}\r\n{\"id\":\"b\",\"prompt\":\"");
  memset(big + n, 'y', max);
  n += (int)max;
  n += sprintf(big + n, "\"}\n{\"id\":\"c\",\"prompt\":\"ok\"}");
  put("in.jsonl", big, (size_t)n);
  free(big);
  CHECK_INT(load_path(input, &no_defaults, &items), 2);
  CHECK(err_has("in.jsonl:2: line is longer than 1 MiB"));
  CHECK_INT(count_lines(err), 1);
}

static void test_every_error_printed(void) {
  fixture();
  gf__items items;
  int rc = load_text("{\"id\":\"a\",\"prompt\":\"p\"}\n"
                     "{\"id\":\"b\",\"prompt\":\"p\",\"aspect_ratio\":\"9:9\","
                     "\"image_size\":\"8K\",\"colour\":1}\n"
                     "{\"id\":\"c\",\"prompt\":\"p\"}\n"
                     "nonsense\n",
                     &no_defaults, &items);
  CHECK_INT(rc, 2);
  CHECK_INT(items.n, 0);
  CHECK(err_has("in.jsonl:2: invalid aspect ratio '9:9'"));
  CHECK(err_has("in.jsonl:2: invalid size '8K'"));
  CHECK(err_has("in.jsonl:2: unknown key 'colour'"));
  CHECK(err_has("in.jsonl:4: invalid JSON"));
  CHECK_INT(count_lines(err), 4);
}

static void test_error_limit(void) {
  fixture();
  char *text = malloc(60 * 8 + 1);
  text[0] = '\0';
  for (int i = 0; i < 60; i++)
    strcat(text, "[1,2,3]\n");
  gf__items items;
  CHECK_INT(load_text(text, &no_defaults, &items), 2);
  free(text);
  CHECK(err_has("in.jsonl:50: not a JSON object"));
  CHECK(!strstr(err, "in.jsonl:51:"));
  CHECK(err_has("gemflow: ... and 10 more errors\n"));
  CHECK_INT(count_lines(err), 51);
}

static void test_crlf_and_last_line(void) {
  fixture();
  gf__items items;
  int rc = load_text("{\"id\":\"a\",\"prompt\":\"one\"}\r\n"
                     "{\"id\":\"b\",\"prompt\":\"two\"}\r\n"
                     "{\"id\":\"c\",\"prompt\":\"three\"}",
                     &no_defaults, &items);
  CHECK_INT(rc, 0);
  CHECK_INT(items.n, 3);
  if (items.n == 3) {
    CHECK_STR(items.v[1].prompt, "two");
    CHECK_STR(items.v[2].id, "c");
    CHECK_INT(items.v[2].line, 3);
  }
  gf__items_free(&items);
}

static void test_comments_and_blank_lines(void) {
  fixture();
  gf__items items;
  int rc = load_text("\xef\xbb\xbf# prompts for the demo\n"
                     "\n"
                     "   \t \r\n"
                     "  # an indented comment {\n"
                     "{\"id\":\"a\",\"prompt\":\"one\"}\n"
                     "\n"
                     "{\"id\":\"b\",\"prompt\":\"two\"}\n\n\n",
                     &no_defaults, &items);
  CHECK_INT(rc, 0);
  CHECK_INT(items.n, 2);
  if (items.n == 2) {
    CHECK_INT(items.v[0].line, 5);
    CHECK_INT(items.v[1].line, 7);
  }
  gf__items_free(&items);
}

static void test_no_items(void) {
  fixture();
  gf__items items;
  CHECK_INT(load_text("# nothing yet\n\n", &no_defaults, &items), 2);
  CHECK(err_has("gemflow: no items in %s\n", input));
  CHECK_INT(load_text("", &no_defaults, &items), 2);
  CHECK(err_has("no items in"));
}

static void test_unreadable_input(void) {
  fixture();
  gf__items items;
  char path[128];
  snprintf(path, sizeof path, "%s/missing.jsonl", dir);
  CHECK_INT(load_path(path, &no_defaults, &items), 1);
  CHECK(err_has("gemflow: cannot read %s: No such file or directory", path));
  CHECK_INT(load_path(dir, &no_defaults, &items), 1);
  CHECK(err_has("Is a directory"));
}

static void test_refs_relative(void) {
  fixture();
  gf__items items;
  /* relative to the file's directory, whatever the working directory */
  put_text("sub/in.jsonl",
           "{\"id\":\"a\",\"prompt\":\"p\",\"refs\":[\"../img/red.png\"]}\n");
  char path[128], abs_ref[128], text[512];
  snprintf(path, sizeof path, "%s/sub/in.jsonl", dir);
  CHECK_INT(load_path(path, &no_defaults, &items), 0);
  char want[256];
  snprintf(want, sizeof want, "%s/sub/../img/red.png", dir);
  if (items.n == 1)
    CHECK_STR(items.v[0].refs[0], want);
  gf__items_free(&items);

  /* absolute paths as they are */
  snprintf(abs_ref, sizeof abs_ref, "%s/img/blue.png", dir);
  snprintf(text, sizeof text,
           "{\"id\":\"a\",\"prompt\":\"p\",\"refs\":[\"%s\"]}\n", abs_ref);
  put_text("sub/in.jsonl", text);
  CHECK_INT(load_path(path, &no_defaults, &items), 0);
  if (items.n == 1)
    CHECK_STR(items.v[0].refs[0], abs_ref);
  gf__items_free(&items);

  /* a file named without a directory: relative to the working directory */
  char cwd[512];
  CHECK(getcwd(cwd, sizeof cwd) != NULL);
  CHECK_INT(chdir(dir), 0);
  put_text("in.jsonl",
           "{\"id\":\"a\",\"prompt\":\"p\",\"refs\":[\"img/red.png\"]}\n");
  CHECK_INT(load_path("in.jsonl", &no_defaults, &items), 0);
  if (items.n == 1)
    CHECK_STR(items.v[0].refs[0], "img/red.png");
  gf__items_free(&items);

  /* stdin: relative to the working directory, and named "stdin" */
  put_text("in.jsonl",
           "{\"id\":\"a\",\"prompt\":\"p\",\"refs\":[\"img/red.png\"]}\n"
           "{\"id\":\"b\",\"prompt\":\"p\",\"refs\":[\"red.png\"]}\n");
  int saved = dup(0);
  int fd = open("in.jsonl", O_RDONLY);
  dup2(fd, 0);
  close(fd);
  CHECK_INT(load_path("-", &no_defaults, &items), 2);
  dup2(saved, 0);
  close(saved);
  clearerr(stdin);
  CHECK(err_has("gemflow: stdin:2: cannot read reference red.png"));
  CHECK(!strstr(err, "stdin:1:"));
  CHECK_INT(chdir(cwd), 0);
}

/* The digest of a one-line file's only item. */
static void digest_of(const char *line, const gf__item_defaults *d,
                      unsigned char out[32]) {
  gf__items items;
  memset(out, 0, 32);
  int rc = load_text(line, d, &items);
  CHECK_INT(rc, 0);
  if (rc == 0)
    memcpy(out, items.v[0].digest, 32);
  gf__items_free(&items);
}

static void test_digest(void) {
  fixture();
  const char *base =
      "{\"id\":\"a\",\"prompt\":\"p\",\"aspect_ratio\":\"1:1\","
      "\"image_size\":\"1K\",\"refs\":[\"img/ref.png\"]}";
  const char *same[] = {
      "{\"id\":\"zz\",\"prompt\":\"p\",\"aspect_ratio\":\"1:1\","
      "\"image_size\":\"1K\",\"refs\":[\"img/ref.png\"]}",
      "{\"id\":\"a\",\"prompt\":\"p\",\"aspect_ratio\":\"1:1\","
      "\"image_size\":\"1K\",\"refs\":[\"img/ref.png\"],\"meta\":[1]}",
      "{\"out\":\"x/y.png\",\"image_size\":\"1K\",\"id\":\"a\",\"prompt\":"
      "\"p\",\"aspect_ratio\":\"1:1\",\"refs\":[\"img/ref.png\"]}",
  };
  const char *differ[] = {
      "{\"id\":\"a\",\"prompt\":\"q\",\"aspect_ratio\":\"1:1\","
      "\"image_size\":\"1K\",\"refs\":[\"img/ref.png\"]}",
      "{\"id\":\"a\",\"prompt\":\"p\",\"aspect_ratio\":\"16:9\","
      "\"image_size\":\"1K\",\"refs\":[\"img/ref.png\"]}",
      "{\"id\":\"a\",\"prompt\":\"p\",\"aspect_ratio\":\"1:1\","
      "\"image_size\":\"2K\",\"refs\":[\"img/ref.png\"]}",
      "{\"id\":\"a\",\"prompt\":\"p\",\"aspect_ratio\":\"1:1\","
      "\"image_size\":\"1K\",\"refs\":[\"img/ref.png\"],\"image_only\":true}",
      "{\"id\":\"a\",\"prompt\":\"p\",\"aspect_ratio\":\"1:1\","
      "\"image_size\":\"1K\",\"refs\":[\"img/ref.png\"],\"search\":true}",
      "{\"id\":\"a\",\"prompt\":\"p\",\"aspect_ratio\":\"1:1\","
      "\"image_size\":\"1K\"}",
  };
  unsigned char d0[32], d[32];
  put("img/ref.png", gf_t_red, GF_T_PNG_LEN);
  digest_of(base, &no_defaults, d0);
  for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
    digest_of(same[i], &no_defaults, d);
    CHECK_MEM(d, 32, d0, 32);
  }
  for (size_t i = 0; i < sizeof differ / sizeof *differ; i++) {
    digest_of(differ[i], &no_defaults, d);
    CHECK(memcmp(d, d0, 32) != 0);
  }
  /* the ref's bytes count, not its name */
  put("img/ref.png", gf_t_blue, GF_T_PNG_LEN);
  digest_of(base, &no_defaults, d);
  CHECK(memcmp(d, d0, 32) != 0);
  put("img/ref.png", gf_t_red, GF_T_PNG_LEN);
  digest_of(base, &no_defaults, d);
  CHECK_MEM(d, 32, d0, 32);
  /* a default the line leaves to the batch is part of the request */
  gf__item_defaults d2 = {.image_only = 1};
  digest_of(base, &d2, d);
  CHECK(memcmp(d, d0, 32) != 0);
  gf__item_defaults d3 = {.aspect = "1:1", .size = "1K"};
  digest_of("{\"id\":\"a\",\"prompt\":\"p\",\"refs\":[\"img/ref.png\"]}", &d3,
            d);
  CHECK_MEM(d, 32, d0, 32);
}

static void test_meta_nested(void) {
  fixture();
  gf__items items;
  const char *meta = "{\"a\":[1,{\"b\":null}],\"c\":\"\xc3\xa9\"}";
  char text[256];
  snprintf(text, sizeof text,
           "{\"id\":\"a\",\"prompt\":\"p\",\"meta\": %s}\n"
           "{\"id\":\"b\",\"prompt\":\"p\",\"meta\":\"x/y\"}\n"
           "{\"id\":\"c\",\"prompt\":\"p\",\"meta\":[1.50,-2e3,true]}\n",
           meta);
  CHECK_INT(load_text(text, &no_defaults, &items), 0);
  if (items.n != 3)
    return;
  json_object *want = json_tokener_parse(meta);
  json_object *got = json_tokener_parse(items.v[0].meta);
  CHECK(got && json_object_equal(want, got));
  CHECK(!strchr(items.v[0].meta, ' ')); /* compact */
  json_object_put(want);
  json_object_put(got);
  CHECK_STR(items.v[1].meta, "\"x/y\"");
  CHECK_STR(items.v[2].meta, "[1.50,-2e3,true]");
  gf__items_free(&items);
}

static void test_defaults(void) {
  fixture();
  gf__items items;
  gf__item_defaults d = {.aspect = "5:5"};
  CHECK_INT(load_text("{\"id\":\"a\",\"prompt\":\"p\"}\n", &d, &items), 2);
  CHECK(err_has("gemflow: invalid aspect ratio '5:5' for "));
  CHECK(!strstr(err, "in.jsonl"));
  gf__item_defaults d2 = {.size = "3K"};
  CHECK_INT(load_text("{\"id\":\"a\",\"prompt\":\"p\"}\n", &d2, &items), 2);
  CHECK(err_has("gemflow: invalid size '3K'"));
  gf__item_defaults d3 = {.model = "a\tb"};
  CHECK_INT(load_text("{\"id\":\"a\",\"prompt\":\"p\"}\n", &d3, &items), 2);
  CHECK(err_has("gemflow: invalid model name"));

  /* passthrough lets values outside the table through, for newer models */
  gf__item_defaults pass = {.model = "gemini-9-image", .passthrough = 1};
  CHECK_INT(load_text("{\"id\":\"a\",\"prompt\":\"p\",\"aspect_ratio\":"
                      "\"1:8\",\"image_size\":\"512\"}\n",
                      &pass, &items),
            0);
  gf__items_free(&items);
  gf__item_defaults unknown = {.model = "gemini-9-image"};
  CHECK_INT(load_text("{\"id\":\"a\",\"prompt\":\"p\",\"aspect_ratio\":"
                      "\"1:8\"}\n",
                      &unknown, &items),
            2);
  CHECK(err_has("model gemini-9-image has no table of valid values"));

  /* gf__item_size: the line's, else the batch's, else 1K */
  gf__item it = {.size = "4K"};
  gf__item_defaults two = {.size = "2K"};
  CHECK_STR(gf__item_size(&it, &two), "4K");
  it.size = NULL;
  CHECK_STR(gf__item_size(&it, &two), "2K");
  CHECK_STR(gf__item_size(&it, &no_defaults), "1K");

  /* gf__item_request: the defaults applied, a vanished ref reported */
  char ref[128];
  snprintf(ref, sizeof ref, "%s/gone.png", dir);
  char *refs[] = {ref};
  gf__item gone = {.id = "a", .prompt = "p", .refs = refs, .nrefs = 1,
                   .image_only = -1, .search = -1};
  int e = 0;
  CHECK(gf__item_request(&gone, &no_defaults, &e) == NULL);
  CHECK_INT(e, GF_EIO);
}

/* Every line of the demo input loads. */
static void test_examples_load(void) {
  fixture();
  char path[1024];
  snprintf(path, sizeof path, "%s", __FILE__);
  char *slash = strrchr(path, '/');
  if (slash)
    snprintf(slash + 1, sizeof path - (size_t)(slash + 1 - path),
             "../../examples/prompts.jsonl");
  else
    snprintf(path, sizeof path, "../../examples/prompts.jsonl");
  gf__items items;
  CHECK_INT(load_path(path, &no_defaults, &items), 0);
  CHECK_STR(err, "");
  CHECK(items.n >= 20);
  int with_refs = 0, with_meta = 0, with_out = 0, image_only = 0, k4 = 0;
  for (size_t i = 0; i < items.n; i++) {
    with_refs += items.v[i].nrefs > 0;
    with_meta += items.v[i].meta != NULL;
    with_out += items.v[i].out != NULL;
    image_only += items.v[i].image_only == 1;
    k4 += items.v[i].size && strcmp(items.v[i].size, "4K") == 0;
  }
  CHECK(with_refs >= 2);
  CHECK(with_meta >= 2);
  CHECK(with_out >= 1);
  CHECK(image_only >= 1);
  CHECK(k4 <= 1);
  gf__items_free(&items);
}

TEST_MAIN(TEST(test_every_field),
          TEST(test_null_is_not_given), TEST(test_each_error),
          TEST(test_raw_bytes_in_line), TEST(test_every_error_printed),
          TEST(test_error_limit), TEST(test_crlf_and_last_line),
          TEST(test_comments_and_blank_lines), TEST(test_no_items),
          TEST(test_unreadable_input), TEST(test_refs_relative),
          TEST(test_digest), TEST(test_meta_nested), TEST(test_defaults),
          TEST(test_examples_load))
