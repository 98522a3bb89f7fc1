/* Multi-turn editing: the thoughtSignatures the simulator issues (a keyed
 * hash of the part's bytes), written into the stream at any piece size,
 * and the check of a model turn sent back: accepted unchanged, refused
 * with the service's words when a signature is missing or altered; the
 * log's turns and signatures. */
#include <json-c/json.h>

#include "b64/b64.h"
#include "common/buf.h"
#include "common/sha256.h"
#include "gemflow.h"
#include "sim/job.h"
#include "sim/request.h"
#include "sim/sig.h"
#include "test.h"

#define PATH                                                                   \
  "/v1beta/models/gemini-3-pro-image-preview:streamGenerateContent?alt=sse"
#define MORE                                                                   \
  " Please refer to https://ai.google.dev/gemini-api/docs/"                    \
  "thought-signatures#model-behavior for more details."
/* a 1x1 PNG's first bytes, base64, and other bytes */
#define IMG_A "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
#define IMG_B "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAYAAAAfFcSJAAAADUlEQVR42mNk"

/* ---- HMAC and the signature format ---- */

static void hex(const unsigned char *p, size_t n, char *out) {
  for (size_t i = 0; i < n; i++)
    sprintf(out + 2 * i, "%02x", p[i]);
}

/* RFC 4231 test cases 1, 2 and 6 (a key longer than a block). */
static void test_hmac_vectors(void) {
  unsigned char mac[32], key[131];
  char h[65];
  memset(key, 0x0b, 20);
  gf__sim_hmac_sha256(key, 20, "Hi There", 8, mac);
  hex(mac, 32, h);
  CHECK_STR(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  gf__sim_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, mac);
  hex(mac, 32, h);
  CHECK_STR(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  memset(key, 0xaa, sizeof key);
  const char *m = "Test Using Larger Than Block-Size Key - Hash Key First";
  gf__sim_hmac_sha256(key, sizeof key, m, strlen(m), mac);
  hex(mac, 32, h);
  CHECK_STR(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void image_sha(const char *b64, unsigned char sha[32]) {
  unsigned char bytes[256];
  size_t got = 0, tail = 0;
  gf__b64dec d;
  gf__b64_init(&d);
  CHECK_INT(gf__b64_decode(&d, b64, strlen(b64), bytes, &got), 0);
  CHECK_INT(gf__b64_finish(&d, bytes + got, &tail), 0);
  gf__sha256 s;
  gf__sha256_init(&s);
  gf__sha256_update(&s, bytes, got + tail);
  gf__sha256_final(&s, sha);
}

static void sig_of(const char *b64, char *out) {
  unsigned char sha[32];
  image_sha(b64, sha);
  gf__sim_sig_image(sha, out);
}

static void test_signature_format(void) {
  char a[GF_SIM_SIG_LEN + 1], b[GF_SIM_SIG_LEN + 1], t[GF_SIM_SIG_LEN + 1];
  sig_of(IMG_A, a);
  sig_of(IMG_B, b);
  CHECK_INT(strlen(a), GF_SIM_SIG_LEN);
  CHECK(strcmp(a, b) != 0);
  CHECK(a[GF_SIM_SIG_LEN - 1] == '=');
  /* the same bytes, the same signature, in any run */
  char again[GF_SIM_SIG_LEN + 1];
  sig_of(IMG_A, again);
  CHECK_STR(a, again);
  /* a text and an image of the same bytes are signed apart */
  unsigned char sha[32];
  gf__sha256 s;
  gf__sha256_init(&s);
  gf__sha256_update(&s, "hello", 5);
  gf__sha256_final(&s, sha);
  gf__sim_sig_text("hello", 5, t);
  gf__sim_sig_image(sha, b);
  CHECK(strcmp(t, b) != 0);

  CHECK(gf__sim_sig_matches(a, strlen(a), a));
  CHECK(gf__sim_sig_matches(a, strlen(a) - 1, a)); /* padding optional */
  /* the URL-safe alphabet of the same bytes */
  char url[GF_SIM_SIG_LEN + 1];
  strcpy(url, a);
  for (char *p = url; *p; p++)
    *p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
  CHECK(gf__sim_sig_matches(url, strlen(url), a));
  /* one character changed anywhere (flipping a low bit of its value) */
  for (size_t i = 0; i + 1 < GF_SIM_SIG_LEN; i++) {
    char x[GF_SIM_SIG_LEN + 1];
    strcpy(x, a);
    x[i] = x[i] == 'A' ? 'B' : 'A';
    CHECK(!gf__sim_sig_matches(x, strlen(x), a));
  }
  CHECK(!gf__sim_sig_matches(a, 40, a));
  CHECK(!gf__sim_sig_matches("", 0, a));
  CHECK(!gf__sim_sig_matches("@@@@", 4, a));
  CHECK(!gf__sim_sig_matches(b, strlen(b), a));
  char longer[2 * GF_SIM_SIG_LEN + 1];
  snprintf(longer, sizeof longer, "%s%s", a, a);
  CHECK(!gf__sim_sig_matches(longer, strlen(longer), a));
}

/* ---- model turns sent back ---- */

typedef struct turn_rc {
  int rc, status;
  char message[GF_SIM_ERRMSG_MAX];
  char field[200];
  int turns, checked;
  char sigs[16];
  char prompt[64];
} turn_rc;

static turn_rc validate(const char *body, int lenient) {
  gf__sim_req r;
  gf__sim_err e;
  turn_rc o;
  memset(&o, 0, sizeof o);
  memset(&e, 0, sizeof e);
  gf__sim_req_init(&r);
  r.lenient = lenient;
  o.rc = gf__sim_req_validate(&r, "POST", PATH, "k", body, strlen(body), NULL,
                              0, &e);
  o.status = e.status;
  snprintf(o.message, sizeof o.message, "%s", e.message);
  snprintf(o.field, sizeof o.field, "%s", e.field);
  o.turns = r.turns;
  o.checked = r.sig_checked;
  snprintf(o.sigs, sizeof o.sigs, "%s", gf__sim_req_signatures(&r));
  snprintf(o.prompt, sizeof o.prompt, "%s", r.prompt ? r.prompt : "");
  gf__sim_req_free(&r);
  return o;
}

/* {"contents":[user, model(parts), user]} */
static void conversation(gf__buf *b, const char *model_parts,
                         const char *extra) {
  gf__buf_reset(b);
  gf__buf_printf(b,
                 "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"a "
                 "red fox\"}]},{\"role\":\"model\",\"parts\":[%s]},{\"role\":"
                 "\"user\",\"parts\":[{\"text\":\"now make it blue\"}]}]%s}",
                 model_parts, extra ? extra : "");
}

static void image_part(gf__buf *b, const char *img, const char *sig,
                       const char *thought) {
  gf__buf_printf(b,
                 "{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"%s\"}",
                 img);
  if (thought)
    gf__buf_printf(b, ",\"thought\":%s", thought);
  if (sig)
    gf__buf_printf(b, ",\"thoughtSignature\":\"%s\"", sig);
  gf__buf_printf(b, "}");
}

/* The model's parts: a thought, then the image with sig (NULL: none). */
static void model_image(gf__buf *parts, const char *img, const char *sig) {
  gf__buf_reset(parts);
  gf__buf_printf(parts, "{\"text\":\"**Planning**\",\"thought\":true},");
  image_part(parts, img, sig, NULL);
}

static void test_model_turns(void) {
  char a[GF_SIM_SIG_LEN + 1], b[GF_SIM_SIG_LEN + 1];
  sig_of(IMG_A, a);
  sig_of(IMG_B, b);
  gf__buf parts, body;
  gf__buf_init(&parts, 0);
  gf__buf_init(&body, 0);

  /* the turn as the simulator sent it: accepted, the last user turn is
   * the prompt */
  model_image(&parts, IMG_A, a);
  conversation(&body, parts.data, NULL);
  turn_rc o = validate(body.data, 0);
  CHECK_INT(o.rc, 0);
  CHECK_INT(o.turns, 3);
  CHECK_INT(o.checked, 1);
  CHECK_STR(o.sigs, "ok");
  CHECK_STR(o.prompt, "now make it blue");

  /* missing: the service's words, 1-based positions */
  model_image(&parts, IMG_A, NULL);
  conversation(&body, parts.data, NULL);
  o = validate(body.data, 0);
  CHECK_INT(o.rc, -1);
  CHECK_INT(o.status, 400);
  CHECK_STR(o.message, "Image part is missing a thought_signature in content "
                       "position 2, part position 2." MORE);
  CHECK_STR(o.field, "");
  CHECK_STR(o.sigs, "missing");
  CHECK_INT(o.turns, 3);

  /* altered: one character, or another image's signature, or this one on
   * other bytes */
  char x[GF_SIM_SIG_LEN + 1];
  strcpy(x, a);
  x[10] = x[10] == 'Q' ? 'R' : 'Q';
  const char *bad[3][2] = {{IMG_A, x}, {IMG_A, b}, {IMG_B, a}};
  for (int i = 0; i < 3; i++) {
    model_image(&parts, bad[i][0], bad[i][1]);
    conversation(&body, parts.data, NULL);
    o = validate(body.data, 0);
    CHECK_INT(o.rc, -1);
    CHECK_INT(o.status, 400);
    CHECK_STR(o.message, "Corrupted thought signature.");
    CHECK_STR(o.sigs, "corrupted");
  }

  /* the same bytes in the URL-safe alphabet, unpadded: still the one */
  strcpy(x, a);
  for (char *p = x; *p; p++)
    *p = *p == '+' ? '-' : *p == '/' ? '_' : *p == '=' ? '\0' : *p;
  model_image(&parts, IMG_A, x);
  conversation(&body, parts.data, NULL);
  CHECK_INT(validate(body.data, 0).rc, 0);

  /* not base64 at all: a bad value of the field, before anything else */
  model_image(&parts, IMG_A, "@@not base64@@");
  conversation(&body, parts.data, NULL);
  o = validate(body.data, 0);
  CHECK_INT(o.status, 400);
  CHECK_STR(o.field, "contents[1].parts[1].thought_signature");

  /* a thought image (a draft) needs none; a reference image in a user
   * turn neither */
  gf__buf_reset(&parts);
  image_part(&parts, IMG_B, NULL, "true");
  gf__buf_printf(&parts, ",");
  image_part(&parts, IMG_A, a, NULL);
  conversation(&body, parts.data,
               ",\"generationConfig\":{\"responseModalities\":[\"IMAGE\"]}");
  o = validate(body.data, 0);
  CHECK_INT(o.rc, 0);
  CHECK_INT(o.checked, 1);
  gf__buf_reset(&body);
  gf__buf_printf(&body, "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":"
                        "\"edit\"},");
  image_part(&body, IMG_A, NULL, NULL);
  gf__buf_printf(&body, "]}]}");
  o = validate(body.data, 0);
  CHECK_INT(o.rc, 0);
  CHECK_STR(o.sigs, "none");
  CHECK_INT(o.turns, 1);

  /* the text before the image is signed too: missing, right, altered */
  char t[GF_SIM_SIG_LEN + 1];
  gf__sim_sig_text("Here it is.", 11, t);
  const struct {
    const char *sig;
    int rc;
    const char *msg;
  } texts[] = {
      {NULL, -1,
       "Text part is missing a thought_signature in content position 2, part "
       "position 1." MORE},
      {t, 0, NULL},
      {a, -1, "Corrupted thought signature."},
  };
  for (size_t i = 0; i < 3; i++) {
    gf__buf_reset(&parts);
    gf__buf_printf(&parts, "{\"text\":\"Here it is.\"%s%s%s},",
                   texts[i].sig ? ",\"thoughtSignature\":\"" : "",
                   texts[i].sig ? texts[i].sig : "", texts[i].sig ? "\"" : "");
    image_part(&parts, IMG_A, a, NULL);
    conversation(&body, parts.data, NULL);
    o = validate(body.data, 0);
    CHECK_INT(o.rc, texts[i].rc);
    if (texts[i].msg)
      CHECK_STR(o.message, texts[i].msg);
    else
      CHECK_INT(o.checked, 2);
  }
  /* a text alone in a model turn, or after the image, needs none */
  conversation(&body, "{\"text\":\"Sure.\"}", NULL);
  CHECK_INT(validate(body.data, 0).rc, 0);
  gf__buf_reset(&parts);
  image_part(&parts, IMG_A, a, NULL);
  gf__buf_printf(&parts, ",{\"text\":\"Done.\"}");
  conversation(&body, parts.data, NULL);
  CHECK_INT(validate(body.data, 0).rc, 0);

  /* the shape first: an unknown field beats a missing signature */
  model_image(&parts, IMG_A, NULL);
  conversation(&body, parts.data, ",\"generationConfig\":{\"xyz\":1}");
  o = validate(body.data, 0);
  CHECK_STR(o.field, "generation_config");
  CHECK(strstr(o.message, "Unknown name \"xyz\"") != NULL);
  /* the first failure is the one told: content 2 before content 4 */
  strcpy(x, a);
  x[0] = x[0] == 'A' ? 'B' : 'A';
  gf__buf_reset(&body);
  model_image(&parts, IMG_A, x);
  gf__buf_printf(&body,
                 "{\"contents\":[{\"parts\":[{\"text\":\"a\"}]},{\"role\":"
                 "\"model\",\"parts\":[%s]},{\"parts\":[{\"text\":\"b\"}]},"
                 "{\"role\":\"model\",\"parts\":[",
                 parts.data);
  image_part(&body, IMG_B, NULL, NULL);
  gf__buf_printf(&body, "]},{\"parts\":[{\"text\":\"c\"}]}]}");
  o = validate(body.data, 0);
  CHECK_INT(o.turns, 5);
  CHECK_STR(o.message, "Corrupted thought signature.");
  gf__buf_free(&parts);
  gf__buf_free(&body);
}

/* ---- a round trip through the planned stream ---- */

static gf__sim_cache *cache;

static gf__sim_cfg cfg_default(void) {
  gf__sim_cfg c;
  memset(&c, 0, sizeof c);
  c.framing.eol = "\r\n";
  c.framing.chunk = 16384;
  c.framing.thoughts = 2;
  if (!cache)
    cache = gf__sim_cache_new(NULL, 4, 0); /* synchronous */
  c.cache = cache;
  return c;
}

/* The body of j, produced in pieces of max bytes. */
static void produce(gf__sim_job *j, size_t max, gf__buf *out) {
  gf__sim_prod_init(&j->prod, &j->plan);
  for (int k = 0; k < GF_SIM_SLOTS; k++)
    j->prod.imgs[k] = j->imgs[k];
  for (long guard = 0; guard < 100000000; guard++) {
    unsigned ms;
    int slot, r = gf__sim_prod_next(&j->prod, out, max, &ms, &slot);
    if (r != GF_SIM_MORE && r != GF_SIM_PAUSE) {
      CHECK_INT(r, GF_SIM_END);
      return;
    }
  }
  CHECK(!"it never ended");
}

/* The parts of every event of an SSE body framed as the service frames
 * it ("data: " JSON CRLF CRLF), as one model content, as a client that
 * keeps the model's turn builds it. */
static json_object *model_turn(const gf__buf *body) {
  json_object *parts = json_object_new_array();
  const char *p = body->data, *end = body->data + body->len;
  while (p < end) {
    const char *e = memmem(p, (size_t)(end - p), "\r\n\r\n", 4);
    CHECK(e && strncmp(p, "data: ", 6) == 0);
    if (!e)
      break;
    char *js = strndup(p + 6, (size_t)(e - p - 6));
    json_object *ev = json_tokener_parse(js);
    free(js);
    CHECK(ev != NULL);
    json_object *c = NULL, *content = NULL, *ps = NULL;
    if (json_object_object_get_ex(ev, "candidates", &c) &&
        json_object_object_get_ex(json_object_array_get_idx(c, 0), "content",
                                  &content) &&
        json_object_object_get_ex(content, "parts", &ps))
      for (size_t i = 0; i < json_object_array_length(ps); i++)
        json_object_array_add(parts,
                              json_object_get(json_object_array_get_idx(ps, i)));
    json_object_put(ev);
    p = e + 4;
  }
  json_object *turn = json_object_new_object();
  json_object_object_add(turn, "role", json_object_new_string("model"));
  json_object_object_add(turn, "parts", parts);
  return turn;
}

static json_object *user_turn(const char *text) {
  json_object *turn = json_object_new_object(), *parts = json_object_new_array(),
              *part = json_object_new_object();
  json_object_object_add(part, "text", json_object_new_string(text));
  json_object_array_add(parts, part);
  json_object_object_add(turn, "role", json_object_new_string("user"));
  json_object_object_add(turn, "parts", parts);
  return turn;
}

static gf__sim_job *job_for(const gf__sim_cfg *cfg, json_object *contents) {
  json_object *root = json_object_new_object();
  json_object_object_add(root, "contents", json_object_get(contents));
  gf__sim_rx rx = {"POST", PATH, "k", root, 0, 0};
  gf__sim_job *j = gf__sim_job_new(cfg, &rx);
  json_object_put(root);
  return j;
}

static json_object *get(json_object *o, const char *k) {
  json_object *v = NULL;
  return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

/* The first turn's stream, sent back in a second request: accepted, its
 * signatures checked (the text's and the image's), logged; then the same
 * with the image's signature altered. The stream is the same bytes at
 * every piece size: the signature written into it at any split. */
static void test_round_trip(void) {
  gf__sim_cfg c = cfg_default();
  json_object *contents = json_object_new_array();
  json_object_array_add(contents, user_turn("a red fox [[fault:text]]"));
  gf__sim_job *j = job_for(&c, contents);
  CHECK_INT(j->status, 200);
  gf__buf whole, piece;
  gf__buf_init(&whole, 0);
  produce(j, 1 << 20, &whole);
  static const size_t maxes[] = {1, 2, 3, 5, 7, 43, 44, 45, 4093};
  for (size_t i = 0; i < sizeof maxes / sizeof maxes[0]; i++) {
    gf__buf_init(&piece, 0);
    produce(j, maxes[i], &piece);
    CHECK_MEM(piece.data, piece.len, whole.data, whole.len);
    gf__buf_free(&piece);
  }
  CHECK(memmem(whole.data, whole.len, GF_SIM_SIG_PLACEHOLDER,
               strlen(GF_SIM_SIG_PLACEHOLDER)) == NULL);
  json_object *model = model_turn(&whole);
  gf__buf_free(&whole);
  json_object *parts = get(model, "parts");
  /* 2 thoughts, the signed text, the signed image */
  CHECK_INT(json_object_array_length(parts), 4);
  char want[GF_SIM_SIG_LEN + 1];
  gf__sim_sig_image(j->imgs[0]->sha, want);
  json_object *img = json_object_array_get_idx(parts, 3);
  CHECK_STR(json_object_get_string(get(img, "thoughtSignature")), want);
  json_object *txt = json_object_array_get_idx(parts, 2);
  gf__sim_sig_text(json_object_get_string(get(txt, "text")),
                   (size_t)json_object_get_string_len(get(txt, "text")), want);
  CHECK_STR(json_object_get_string(get(txt, "thoughtSignature")), want);
  gf__sim_job_free(j);

  json_object_array_add(contents, model);
  json_object_array_add(contents, user_turn("now make it blue"));
  j = job_for(&c, contents);
  CHECK_INT(j->status, 200);
  CHECK_INT(j->req.turns, 3);
  CHECK_INT(j->req.sig_checked, 2);
  CHECK_STR(j->stripped.data, "now make it blue");
  FILE *f = tmpfile();
  CHECK_INT(gf__sim_job_log(j, f, 0), 0);
  gf__sim_job_free(j);

  /* the same conversation, the image's signature one character off */
  char sig[GF_SIM_SIG_LEN + 1];
  snprintf(sig, sizeof sig, "%s",
           json_object_get_string(get(img, "thoughtSignature")));
  sig[0] = sig[0] == 'A' ? 'B' : 'A';
  json_object_object_add(img, "thoughtSignature", json_object_new_string(sig));
  j = job_for(&c, contents);
  CHECK_INT(j->status, 400);
  CHECK_STR(j->err.message, "Corrupted thought signature.");
  CHECK_INT(gf__sim_job_log(j, f, 0), 0);
  gf__sim_job_free(j);
  /* and without it */
  json_object_object_del(img, "thoughtSignature");
  j = job_for(&c, contents);
  CHECK_INT(j->status, 400);
  CHECK_STR(j->err.message, "Image part is missing a thought_signature in "
                            "content position 2, part position 4." MORE);
  CHECK_INT(gf__sim_job_log(j, f, 0), 0);
  gf__sim_job_free(j);
  json_object_put(contents);

  rewind(f);
  char line[8192];
  const char *want_sigs[] = {"ok", "corrupted", "missing"};
  const int want_status[] = {200, 400, 400};
  for (int i = 0; i < 3; i++) {
    CHECK(fgets(line, sizeof line, f) != NULL);
    json_object *o = json_tokener_parse(line);
    CHECK_INT(json_object_get_int(get(o, "status")), want_status[i]);
    CHECK_INT(json_object_get_int(get(o, "turns")), 3);
    CHECK_STR(json_object_get_string(get(o, "signatures")), want_sigs[i]);
    json_object_put(o);
  }
  fclose(f);
  gf__sim_cache_free(cache);
  cache = NULL;
}

TEST_MAIN(TEST(test_hmac_vectors), TEST(test_signature_format),
          TEST(test_model_turns), TEST(test_round_trip))
