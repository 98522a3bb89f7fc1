/* Private to the gemini layer: the chat's history, shared by chat.c (the
 * turns), chat_json.c (saving and loading) and build.c (the request). */
#ifndef GF_GEMINI_CHAT_H
#define GF_GEMINI_CHAT_H
#include "gemini/gemini_int.h"

/* A part of a model turn, as it goes back to the service. */
typedef struct gf__cpart {
  int thought;
  int image;
  char *text;          /* a text part (maybe ""), or NULL */
  char *mime;          /* an image part's type */
  unsigned char *data; /* its bytes */
  size_t len;
  unsigned char sha256[32]; /* of data */
  char *file;          /* where the file sink saved it, or NULL */
  char *signature;     /* thoughtSignature, or NULL */
} gf__cpart;

struct gf__cturn {
  gf__cpart *parts;
  int nparts, cap;
};

typedef struct gf__chat_turn {
  gf_request *user;  /* the prompt and the reference images */
  gf__cturn *model;  /* the answer */
} gf__chat_turn;

struct gf_chat {
  gf__chat_turn *turns;
  int nturns, cap;
  int busy; /* a generation uses it */
};

/* Appends one exchange, taking both. 0 or GF_ENOMEM (nothing taken). */
int gf__chat_push(gf_chat *c, gf_request *user, gf__cturn *model);
#endif
