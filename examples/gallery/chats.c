/* The conversations. */
#include "chats.h"

#include <stdlib.h>
#include <string.h>

static void chat_free(gal_app *app, gal_chat *c) {
  gf__queue_remove(&c->node);
  app->nchats--;
  app->chat_bytes -= c->bytes;
  gf_chat_free(c->chat);
  free(c);
}

/* The least recently used chat with no generation under way, other than
 * keep. */
static gal_chat *idle_lru(gal_app *app, const gal_chat *keep) {
  gf__queue *q;
  GF__QUEUE_FOREACH(q, &app->chats) {
    gal_chat *c = GF__QUEUE_DATA(q, gal_chat, node);
    if (!c->busy && c != keep)
      return c;
  }
  return NULL;
}

void gal_chat_grew(gal_app *app, gal_chat *c, uint64_t bytes) {
  c->rounds++;
  c->bytes += bytes;
  app->chat_bytes += bytes;
}

/* Every turn sends the whole history again, images included, so the bound
 * is on what the chats hold, whatever their number. */
int gal_chat_room(gal_app *app, gal_chat *c) {
  gal_chat *old;
  while (app->chat_bytes > GAL_CHAT_BYTES && (old = idle_lru(app, c)))
    chat_free(app, old);
  return c->bytes <= GAL_CHAT_BYTES / 2;
}

static void touch(gal_app *app, gal_chat *c) {
  c->used = uv_now(app->loop);
  gf__queue_remove(&c->node);
  gf__queue_insert_tail(&app->chats, &c->node);
}

gal_chat *gal_chat_new(gal_app *app) {
  if (app->nchats >= GAL_MAX_CHATS) {
    gal_chat *old = idle_lru(app, NULL);
    if (!old)
      return NULL;
    chat_free(app, old);
  }
  gal_chat *c = calloc(1, sizeof *c);
  if (!c || !(c->chat = gf_chat_new())) {
    free(c);
    return NULL;
  }
  gal_new_id(c->id);
  gf__queue_init(&c->node);
  gf__queue_insert_tail(&app->chats, &c->node);
  app->nchats++;
  touch(app, c);
  return c;
}

gal_chat *gal_chat_find(gal_app *app, const char *id, size_t idlen) {
  if (idlen != GAL_ID_LEN)
    return NULL;
  gf__queue *q;
  GF__QUEUE_FOREACH(q, &app->chats) {
    gal_chat *c = GF__QUEUE_DATA(q, gal_chat, node);
    if (memcmp(c->id, id, GAL_ID_LEN) == 0) {
      touch(app, c);
      return c;
    }
  }
  return NULL;
}

void gal_chats_sweep(gal_app *app, uint64_t now) {
  gf__queue *q;
  /* least recently used first: stop at the first one still fresh */
  while ((q = gf__queue_head(&app->chats))) {
    gal_chat *c = GF__QUEUE_DATA(q, gal_chat, node);
    if (c->busy || now - c->used < GAL_CHAT_KEEP_MS)
      break;
    chat_free(app, c);
  }
}

void gal_chats_free(gal_app *app) {
  gf__queue *q;
  while ((q = gf__queue_head(&app->chats)))
    chat_free(app, GF__QUEUE_DATA(q, gal_chat, node));
}
