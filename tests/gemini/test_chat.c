/* Multi-turn chats: which parts of a model turn are kept, the exact request
 * body with a history, the JSON form (round trip, file references and their
 * check, malformed input). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/buf.h"
#include "gemini/chat.h"
#include "gemini/gemini.h"
#include "test.h"

static unsigned char *bytes(const char *s) {
  unsigned char *p = malloc(strlen(s));
  memcpy(p, s, strlen(s));
  return p;
}

/* A model turn as a stream gives it: a thought without a signature (not
 * kept), a thought with one (kept), the image with one, a closing empty
 * text with one. */
static gf__cturn *model_turn(void) {
  gf__cturn *t = gf__cturn_new();
  gf__ev_part th = {1, "planning", 8, 0, NULL, NULL};
  gf__ev_part th_sig = {1, "signed thought", 14, 0, NULL, "c2lnMQ=="};
  gf__ev_part img = {0, NULL, 0, 1, "image/png", "c2lnMg=="};
  gf__ev_part tail = {0, "", 0, 0, NULL, "c2lnMw=="};
  CHECK_INT(gf__cturn_add(t, &th, NULL, 0), 0);
  CHECK_INT(gf__cturn_add(t, &th_sig, NULL, 0), 0);
  CHECK_INT(gf__cturn_add(t, &img, bytes("PIX"), 3), 0);
  CHECK_INT(gf__cturn_add(t, &tail, NULL, 0), 0);
  CHECK_INT(t->nparts, 3);
  return t;
}

static gf_chat *one_turn_chat(void) {
  gf_chat *c = gf_chat_new();
  gf_request *u = gf_request_new();
  gf_request_set_prompt(u, "a red fox");
  gf_request_add_ref(u, "\x89PNG\r\n\x1a\n", 8, NULL);
  gf__cturn *t = model_turn();
  CHECK_INT(gf__chat_commit(c, u, &t), 0);
  CHECK(t == NULL);
  gf_request_free(u);
  CHECK_INT(gf_chat_turns(c), 1);
  return c;
}

static void test_build_with_history(void) {
  gf_chat *c = one_turn_chat();
  gf_request *next = gf_request_new();
  gf_request_set_prompt(next, "make it blue");
  gf_request_set_modalities(next, GF_MOD_IMAGE);
  gf__buf body, target;
  gf__buf_init(&body, 0);
  gf__buf_init(&target, 0);
  CHECK_INT(gf__gemini_build_chat(c, next, 1, &body, &target), 0);
  CHECK_STR(body.data,
            "{\"contents\":["
            "{\"role\":\"user\",\"parts\":[{\"text\":\"a red fox\"},"
            "{\"inline_data\":{\"mime_type\":\"image/png\","
            "\"data\":\"iVBORw0KGgo=\"}}]},"
            "{\"role\":\"model\",\"parts\":["
            "{\"text\":\"signed thought\",\"thought\":true,"
            "\"thoughtSignature\":\"c2lnMQ==\"},"
            "{\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"UElY\"},"
            "\"thoughtSignature\":\"c2lnMg==\"},"
            "{\"text\":\"\",\"thoughtSignature\":\"c2lnMw==\"}]},"
            "{\"role\":\"user\",\"parts\":[{\"text\":\"make it blue\"}]}],"
            "\"generationConfig\":{\"responseModalities\":[\"IMAGE\"]}}");
  /* NULL chat: the single-turn body */
  gf__buf_reset(&body);
  gf__buf_reset(&target);
  CHECK_INT(gf__gemini_build_chat(NULL, next, 1, &body, &target), 0);
  CHECK_STR(body.data, "{\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":"
                       "\"make it blue\"}]}],\"generationConfig\":{"
                       "\"responseModalities\":[\"IMAGE\"]}}");
  gf__buf_free(&body);
  gf__buf_free(&target);
  gf_request_free(next);
  gf_chat_free(c);
}

static void test_json_round_trip(void) {
  gf_chat *c = one_turn_chat();
  char *json = gf_chat_to_json(c);
  CHECK(json != NULL);
  CHECK(strstr(json, "\"data\":\"UElY\"") != NULL); /* no file: inline */
  gf_chat *back = NULL;
  CHECK_INT(gf_chat_from_json(json, strlen(json), &back), 0);
  CHECK_INT(gf_chat_turns(back), 1);
  char *again = gf_chat_to_json(back);
  CHECK_STR(again, json);
  gf_free(again);
  gf_free(json);
  gf_chat_free(back);
  gf_chat_free(c);
}

static void test_json_file_reference(void) {
  char path[] = "/tmp/gf_chat_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  CHECK_INT(write(fd, "PIX", 3), 3);
  close(fd);
  gf_chat *c = gf_chat_new();
  gf_request *u = gf_request_new();
  gf_request_set_prompt(u, "saved");
  gf__cturn *t = model_turn();
  unsigned char sha[32];
  memcpy(sha, t->parts[1].sha256, 32);
  CHECK_INT(gf__cturn_set_file(t, sha, path), 0);
  CHECK_INT(gf__chat_commit(c, u, &t), 0);
  char *json = gf_chat_to_json(c);
  CHECK(strstr(json, path) != NULL);
  CHECK(strstr(json, "\"sha256\":\"") != NULL);
  CHECK(strstr(json, "UElY") == NULL); /* referenced, not copied */
  gf_chat *back = NULL;
  CHECK_INT(gf_chat_from_json(json, strlen(json), &back), 0);
  gf_chat_free(back);
  /* the file changed: refused, not sent as if the model had made it */
  FILE *f = fopen(path, "wb");
  fputs("PIY", f);
  fclose(f);
  back = NULL;
  CHECK_INT(gf_chat_from_json(json, strlen(json), &back), GF_EINVAL);
  CHECK(back == NULL);
  unlink(path);
  CHECK_INT(gf_chat_from_json(json, strlen(json), &back), GF_EIO);
  gf_free(json);
  gf_request_free(u);
  gf_chat_free(c);
}

static void test_json_malformed(void) {
  static const char *const bad[] = {
      "", "[]", "{}", "{\"gemflow_chat\":2,\"turns\":[]}",
      "{\"gemflow_chat\":1,\"turns\":{}}",
      "{\"gemflow_chat\":1,\"turns\":[1]}",
      "{\"gemflow_chat\":1,\"turns\":[{\"user\":{},\"model\":[]}]}",
      "{\"gemflow_chat\":1,\"turns\":[{\"user\":{\"text\":\"x\"},"
      "\"model\":[{\"inlineData\":{\"data\":\"!!\"}}]}]}",
      "{\"gemflow_chat\":1,\"turns\":[{\"user\":{\"text\":\"x\"},"
      "\"model\":[{}]}]}",
      "{\"gemflow_chat\":1,\"turns\":[{\"user\":{\"text\":\"x\"},"
      "\"model\":[{\"inlineData\":{\"file\":\"/x\",\"sha256\":\"ab\"}}]}]}",
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    gf_chat *c = (gf_chat *)1;
    CHECK_INT(gf_chat_from_json(bad[i], strlen(bad[i]), &c), GF_EJSON);
    CHECK(c == NULL);
  }
  gf_chat *c = NULL;
  const char *empty = "{\"gemflow_chat\":1,\"turns\":[]}";
  CHECK_INT(gf_chat_from_json(empty, strlen(empty), &c), 0);
  CHECK_INT(gf_chat_turns(c), 0);
  gf_chat_free(c);
  /* inline data wins over a "file" beside it, which is not kept (the
   * fuzzer found a chat that saved a reference to a file it never read) */
  const char *both = "{\"gemflow_chat\":1,\"turns\":[{\"user\":{\"text\":"
                     "\"x\"},\"model\":[{\"inlineData\":{\"file\":\"/nonexistent\","
                     "\"data\":\"UElY\"}}]}]}";
  CHECK_INT(gf_chat_from_json(both, strlen(both), &c), 0);
  char *json = gf_chat_to_json(c);
  CHECK(strstr(json, "nonexistent") == NULL);
  CHECK(strstr(json, "\"data\":\"UElY\"") != NULL);
  gf_free(json);
  gf_chat_free(c);
}

static void test_busy(void) {
  gf_chat *c = gf_chat_new();
  CHECK_INT(gf__chat_acquire(c), 0);
  CHECK_INT(gf__chat_acquire(c), GF_EINVAL);
  gf__chat_release(c);
  CHECK_INT(gf__chat_acquire(c), 0);
  gf__chat_release(c);
  gf_chat_free(c);
  gf_chat_free(NULL);
  CHECK_INT(gf_chat_turns(NULL), 0);
  CHECK(gf_chat_to_json(NULL) == NULL);
}

TEST_MAIN(TEST(test_build_with_history), TEST(test_json_round_trip),
          TEST(test_json_file_reference), TEST(test_json_malformed),
          TEST(test_busy))
