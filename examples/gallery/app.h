/* The gallery's state: one per process, on one loop. */
#ifndef GAL_APP_H
#define GAL_APP_H
#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "common/queue.h"
#include "gemflow.h"
#include "server.h"
#include "store.h"

#define GAL_MAX_RUNNING 16    /* generations at once (503 past it) */
#define GAL_MAX_DONE 64       /* finished jobs kept for late watchers */
#define GAL_DONE_KEEP_MS (30 * 60 * 1000)
#define GAL_ORPHAN_MS 10000   /* nobody watching this long: canceled */
#define GAL_MAX_CHATS 32
#define GAL_MAX_TURNS 16      /* per chat: each turn holds its image */
#define GAL_CHAT_KEEP_MS (60 * 60 * 1000)
#define GAL_CHAT_BYTES (512ull * 1024 * 1024) /* images the chats hold */
#define GAL_MAX_PROMPT (16 * 1024)
#define GAL_MAX_GEN_BODY (64 * 1024)
#define GAL_DEFAULT_UPLOAD (8u * 1024 * 1024)
#define GAL_STORE_BYTES (512u * 1024 * 1024)
#define GAL_STORE_COUNT 512
#define GAL_SWEEP_MS 1000
#define GAL_PING_MS 15000

typedef struct gal_app {
  uv_loop_t *loop;
  gf_client *client;
  gal_server *server;
  gal_store store;
  const char *model;       /* NULL: the library's default */
  const char *backend;     /* shown on the page: "gemflow-sim (in process)" */
  size_t max_upload;
  uint64_t max_image;      /* one generated image */
  /* Host values this server answers to (DNS rebinding: a page of another
   * site whose name resolves to 127.0.0.1 sends its own name); any when
   * listening on a wildcard address. */
  char hosts[4][80];
  int nhosts, any_host;
  gf__queue jobs;          /* gal_job, oldest first */
  gf__queue chats;         /* gal_chat, least recently used first */
  int running, done, nchats;
  uint64_t chat_bytes;
  uint64_t pauses, resumes, canceled_orphans;
  uint64_t last_ping;
  uv_timer_t sweep;
  int stopping;
} gal_app;
#endif
