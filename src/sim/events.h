/* The JSON of the response objects (GenerateContentResponse), in the order
 * and spelling the service uses: thought text, text, image (split around
 * its base64 data, which is streamed separately), finish with usage, prompt
 * block, and a deliberately broken one. Compact one-line JSON unless
 * pretty is asked for. */
#ifndef GF_SIM_EVENTS_H
#define GF_SIM_EVENTS_H
#include <stddef.h>

struct gf__buf;

typedef struct gf__sim_ev_ctx {
  const char *model;       /* modelVersion */
  const char *create_time; /* "2025-11-25T10:37:00.123456Z" */
  const char *response_id;
} gf__sim_ev_ctx;

typedef struct gf__sim_usage {
  int prompt, candidates, thoughts; /* total is their sum */
  int prompt_images;                /* of prompt: tokens for input images */
  int text_part;                    /* a TEXT candidates detail too */
} gf__sim_usage;

/* Appends root's JSON (compact, or pretty and spaced; "/" unescaped) and
 * releases root. The one serialiser of the simulator's JSON objects. */
struct json_object;
int gf__sim_json_append(struct gf__buf *out, struct json_object *root,
                        int pretty);

enum { GF_SIM_THOUGHT_NONE = -1 }; /* no "thought" key in the image part */

int gf__sim_ev_thought(struct gf__buf *out, const gf__sim_ev_ctx *c,
                       const char *text, int pretty);
/* signature: the part's thoughtSignature, or NULL. */
int gf__sim_ev_text(struct gf__buf *out, const gf__sim_ev_ctx *c,
                    const char *text, const char *signature);
/* The image event without its data string: head ends with `"data":"`, tail
 * starts with the closing quote. thought: 1, 0 or GF_SIM_THOUGHT_NONE.
 * data_first: "data" before "mimeType" (the service writes mimeType
 * first). "thought" always comes after inlineData, as in the service.
 * signature: a thoughtSignature after inlineData, or NULL. */
int gf__sim_ev_image(struct gf__buf *head, struct gf__buf *tail,
                     const gf__sim_ev_ctx *c, const char *mime, int thought,
                     int data_first, const char *signature);
int gf__sim_ev_finish(struct gf__buf *out, const gf__sim_ev_ctx *c,
                      const char *reason, const gf__sim_usage *u);
int gf__sim_ev_block(struct gf__buf *out, const gf__sim_ev_ctx *c,
                     const char *reason, const gf__sim_usage *u);
/* Looks like an event, is not JSON (a bare "tru"). */
int gf__sim_ev_badjson(struct gf__buf *out, const gf__sim_ev_ctx *c);
#endif
