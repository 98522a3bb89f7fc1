/* The client against hand-written responses over plain HTTP on loopback:
 * framings and labels that gemflow-sim does not produce (close-delimited
 * and Content-Length bodies, HTTP/1.0, a JSON array labelled as an event
 * stream, a gateway's [DONE], junk lines, odd error bodies). A thread
 * serves one canned response per test with blocking sockets. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "b64/b64.h"
#include "common/sha256.h"
#include "harness.h"
#include "test.h"

typedef struct canned {
  int lfd, port;
  const char *response;
  size_t len;
  size_t piece;     /* write in pieces of this size (0: at once) */
  char request[8192];
  pthread_t thread;
} canned;

static void *serve(void *arg) {
  canned *c = arg;
  int fd = accept(c->lfd, NULL, NULL);
  if (fd < 0)
    return NULL;
  size_t got = 0;
  /* the request: headers, then Content-Length bytes of body */
  for (;;) {
    ssize_t r = read(fd, c->request + got, sizeof c->request - 1 - got);
    if (r <= 0)
      break;
    got += (size_t)r;
    c->request[got] = '\0';
    char *end = strstr(c->request, "\r\n\r\n");
    const char *cl = strstr(c->request, "Content-Length: ");
    if (end && cl && got >= (size_t)(end + 4 - c->request) +
                                 strtoul(cl + 16, NULL, 10))
      break;
    if (got == sizeof c->request - 1) { /* a big body: drain the rest */
      got = 0;
    }
  }
  size_t off = 0;
  while (off < c->len) {
    size_t n = c->piece && c->piece < c->len - off ? c->piece : c->len - off;
    if (write(fd, c->response + off, n) < 0)
      break;
    off += n;
  }
  shutdown(fd, SHUT_WR);
  char sink[256];
  while (read(fd, sink, sizeof sink) > 0) {
  }
  close(fd);
  return NULL;
}

static void canned_start(canned *c, const char *response, size_t piece) {
  memset(c, 0, sizeof *c);
  c->response = response;
  c->len = strlen(response);
  c->piece = piece;
  c->lfd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(c->lfd, (struct sockaddr *)&a, sizeof a);
  socklen_t l = sizeof a;
  getsockname(c->lfd, (struct sockaddr *)&a, &l);
  c->port = ntohs(a.sin_port);
  listen(c->lfd, 1);
  pthread_create(&c->thread, NULL, serve, c);
}

static void canned_stop(canned *c) {
  pthread_join(c->thread, NULL);
  close(c->lfd);
}

/* The harness's 1x1 PNG, its base64 and digest. */
static char png_b64[GF_B64_ENC_LEN(sizeof it_png1) + 1];
static unsigned char png_sha[32];

#define THOUGHT                                                                \
  "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":"    \
  "\"Sketching\",\"thought\":true}]}}]}"
#define USAGE                                                                  \
  "\"usageMetadata\":{\"promptTokenCount\":8,\"candidatesTokenCount\":1120,"   \
  "\"totalTokenCount\":1392,\"thoughtsTokenCount\":264}"

/* "{...image...}" with finishReason STOP, into buf. */
static const char *image_event(char *buf, size_t cap) {
  snprintf(buf, cap,
           "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{"
           "\"inlineData\":{\"mimeType\":\"image/png\",\"data\":\"%s\"}}]},"
           "\"finishReason\":\"STOP\",\"index\":0}]," USAGE "}",
           png_b64);
  return buf;
}

static it_rec run_canned(const char *response, size_t piece, canned *c) {
  canned_start(c, response, piece);
  char url[64];
  snprintf(url, sizeof url, "http://127.0.0.1:%d", c->port);
  it_opts o = {0};
  o.url = url;
  it_rec r = {0};
  it_run1(&o, "canned", NULL, NULL, &r);
  canned_stop(c);
  return r;
}

static void expect_image(const it_rec *r) {
  CHECK_INT(r->status, GF_OK);
  CHECK_MEM(r->sha, 32, png_sha, 32);
  CHECK_INT(r->bytes, sizeof it_png1);
  CHECK_INT(r->width, 1);
  CHECK_INT(r->done_count, 1);
}

static void test_array_labelled_as_sse(void) {
  char img[512], resp[2048];
  snprintf(resp, sizeof resp,
           "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
           "Connection: close\r\n\r\n[" THOUGHT ",\r\n%s]",
           image_event(img, sizeof img));
  canned c;
  it_rec r = run_canned(resp, 7, &c);
  expect_image(&r);
  CHECK_STR(r.thoughts, "Sketching|");
  CHECK(strstr(c.request, "alt=sse") != NULL);
}

static void test_http10_close_delimited(void) {
  char img[512], resp[2048];
  snprintf(resp, sizeof resp,
           "HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\n"
           "data: " THOUGHT "\n\ndata: %s\n\n",
           image_event(img, sizeof img));
  canned c;
  it_rec r = run_canned(resp, 3, &c);
  if (r.status)
    fprintf(stderr, "  %s: %s\n", r.err_name, r.message);
  expect_image(&r);
}

static void test_content_length(void) {
  char img[512], body[1536], resp[2048];
  snprintf(body, sizeof body, "data: " THOUGHT "\r\n\r\ndata: %s\r\n\r\n",
           image_event(img, sizeof img));
  snprintf(resp, sizeof resp,
           "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
           "Content-Length: %zu\r\n\r\n%s",
           strlen(body), body);
  canned c;
  it_rec r = run_canned(resp, 0, &c);
  expect_image(&r);
}

static void test_gateway_extras(void) {
  char img[512], resp[2048];
  snprintf(resp, sizeof resp,
           "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
           "Connection: close\r\n\r\n"
           "\xEF\xBB\xBF: hello\r\nping\r\nretry: 3000\r\n"
           "event: message\r\nid: 1\r\ndata: " THOUGHT "\r\n\r\n"
           "x-gateway: 1\r\n"
           "data:%s\r\n\r\ndata: [DONE]\r\n\r\n",
           image_event(img, sizeof img));
  canned c;
  it_rec r = run_canned(resp, 1, &c);
  expect_image(&r);
  CHECK_STR(r.thoughts, "Sketching|");
}

static void test_cut_mid_image(void) {
  char img[512], resp[2048];
  snprintf(resp, sizeof resp,
           "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
           "Connection: close\r\n\r\ndata: " THOUGHT "\r\n\r\ndata: %s",
           image_event(img, sizeof img));
  resp[strlen(resp) - 60] = '\0'; /* the server goes away mid-image */
  canned c;
  it_rec r = run_canned(resp, 0, &c);
  CHECK_INT(r.status, GF_ETRUNCATED);
  CHECK_INT(r.done_count, 1);
}

static void test_html_503(void) {
  canned c;
  it_rec r = run_canned("HTTP/1.1 503 Service Unavailable\r\n"
                        "Content-Type: text/html\r\nRetry-After: 7\r\n"
                        "Content-Length: 38\r\n\r\n"
                        "<html><body>overloaded</body></html>\r\n",
                        0, &c);
  CHECK_INT(r.status, GF_ESTATUS);
  CHECK_INT(r.http_status, 503);
  CHECK(r.retry_after_s == 7);
  CHECK(strstr(r.message, "HTTP 503") == r.message);
  CHECK(strstr(r.message, "overloaded") != NULL);
}

static void test_error_object_in_200(void) {
  canned c;
  it_rec r = run_canned(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      "Connection: close\r\n\r\n"
      "{\n  \"error\": {\n    \"code\": 429,\n    \"message\": \"quota\",\n"
      "    \"status\": \"RESOURCE_EXHAUSTED\",\n    \"details\": [{\"@type\": "
      "\"type.googleapis.com/google.rpc.RetryInfo\", \"retryDelay\": "
      "\"12s\"}]\n  }\n}\n",
      5, &c);
  CHECK_INT(r.status, GF_EAPI);
  CHECK_STR(r.api_status, "RESOURCE_EXHAUSTED");
  CHECK(r.retry_after_s == 12);
}

int main(int argc, char **argv) {
  gf__b64_encode(it_png1, sizeof it_png1, png_b64);
  gf__sha256 s;
  gf__sha256_init(&s);
  gf__sha256_update(&s, it_png1, sizeof it_png1);
  gf__sha256_final(&s, png_sha);
  static const gf_t_case cases[] = {
      TEST(test_array_labelled_as_sse), TEST(test_http10_close_delimited),
      TEST(test_content_length),        TEST(test_gateway_extras),
      TEST(test_cut_mid_image),         TEST(test_html_503),
      TEST(test_error_object_in_200)};
  return gf_t_run(cases, sizeof cases / sizeof cases[0], argc, argv);
}
