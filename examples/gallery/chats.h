/* Conversations: one gf_chat per "refine" thread, found by id. Bounded in
 * number (the least recently used idle one goes) and in turns (each turn
 * holds its image). One generation at a time per chat. */
#ifndef GAL_CHATS_H
#define GAL_CHATS_H
#include <stddef.h>
#include <stdint.h>

#include "app.h"

struct gal_job;

typedef struct gal_chat {
  gf__queue node;
  char id[GAL_ID_LEN + 1];
  gf_chat *chat;
  struct gal_job *busy; /* the generation under way on it, or NULL */
  uint64_t used;        /* uv_now of the last use */
  int rounds;           /* generations that succeeded on it */
  uint64_t bytes;       /* images it holds (references and results) */
} gal_chat;

/* A new chat; NULL when out of memory or when every chat is busy. */
gal_chat *gal_chat_new(gal_app *app);
/* By id (and marks it used); NULL when unknown or gone. */
gal_chat *gal_chat_find(gal_app *app, const char *id, size_t idlen);
/* A turn succeeded: the chat now also holds bytes of images. */
void gal_chat_grew(gal_app *app, gal_chat *c, uint64_t bytes);
/* Makes room for one more turn of c within GAL_CHAT_BYTES, dropping the
 * least recently used idle chats; 0 when c alone holds too much. */
int gal_chat_room(gal_app *app, gal_chat *c);
/* Drops idle chats unused for GAL_CHAT_KEEP_MS. */
void gal_chats_sweep(gal_app *app, uint64_t now);
void gal_chats_free(gal_app *app);
#endif
