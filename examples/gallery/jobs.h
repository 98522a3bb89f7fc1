/* Generation jobs: one gf_generate each, its callbacks turned into events
 * for the fan-out (JSON, one object per event, "type" first):
 *   start     {job, chat, turn, prompt}
 *   thought   {text}            the model's thinking, piece by piece
 *   text      {text}            model text that is not thinking
 *   image     {index, thought, mime}   an image part begins
 *   progress  {bytes}           every 256 KiB of it
 *   draft     {url}             an interim (thought) image, whole
 *   usage     {prompt, candidates, thoughts, total}
 *   retry     {error, http_status, delay_s}  what came so far is void
 *   done      {ok: true, url, mime, bytes, width, height, sha256, usage,
 *              cost_usd, ms, chat, turn}
 *             or {ok: false, error, message, finish_reason, block_reason,
 *              http_status}
 * A job lives on after its generation ends (GAL_MAX_DONE of them, for at
 * most GAL_DONE_KEEP_MS) so that a tab connecting late still gets it all. */
#ifndef GAL_JOBS_H
#define GAL_JOBS_H
#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "chats.h"

typedef struct gal_job gal_job;

typedef struct gal_job_req {
  const char *prompt, *aspect, *size; /* aspect, size NULL: the model's */
  gal_blob *refs[GF_MAX_REFS];
  int nrefs;
  gal_chat *chat; /* NULL: a new conversation */
} gal_job_req;

/* 0 with *out set, or the HTTP status of the refusal with *why (a
 * sentence for the page). */
int gal_job_start(gal_app *app, const gal_job_req *r, gal_job **out,
                  const char **why);
const char *gal_job_id(const gal_job *j);
const char *gal_job_chat_id(const gal_job *j);
gal_job *gal_job_find(gal_app *app, const char *id, size_t idlen);
/* c's answer becomes the job's event stream. */
int gal_job_watch(gal_job *j, gal_conn *c);
/* Cancels the generation if it still runs (its done event follows). */
void gal_job_cancel(gal_job *j);
/* Cancels jobs nobody watches, frees old finished ones, pings streams. */
void gal_jobs_sweep(gal_app *app, uint64_t now);
void gal_jobs_cancel_all(gal_app *app);
/* Once the client is closed (every on_done has run). */
void gal_jobs_free(gal_app *app);
#endif
