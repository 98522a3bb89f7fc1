/* A batch's manifest, DIR/manifest.jsonl: one record (record.h) per line,
 * appended and flushed to disk as each item ends, so that a crashed batch
 * resumes where it stopped. Also the batch's lock on DIR and the clean-up of
 * the temporary files a crash leaves behind. */
#ifndef GF_CLI_MANIFEST_H
#define GF_CLI_MANIFEST_H
#include <stddef.h>

#include "record.h"
#include "shard.h"

struct json_object;

/* What the manifest says of one id: its last line. */
typedef struct gf__mentry {
  char *id;
  int ok;                /* "status": "ok" */
  char *file;            /* relative to DIR, or NULL */
  char sha256[65];       /* "" when absent */
  char prompt_sha256[65];
  int line;
} gf__mentry;

/* The entries by id (a hash table over an array kept in the order of each
 * id's first line). Zero-initialise it before the first use. */
typedef struct gf__mstate {
  gf__mentry *v;
  size_t n, cap;
  size_t *slots; /* index + 1 into v; 0: empty */
  size_t nslots; /* a power of two, or 0 */
} gf__mstate;

/* Reads DIR's manifest (path given). A missing file is an empty state.
 * A torn last line (no final newline, or not a JSON object: what a crash
 * mid-write leaves) is ignored and cut off the file (ftruncate to the end
 * of the line before it), *repaired = 1: the caller says so. A bad line in
 * the middle is skipped with a warning naming its line number. Last line
 * per id wins. 0, or 1 after printing an I/O error. */
int gf__manifest_load(const char *path, gf__mstate *st, int *repaired);
const gf__mentry *gf__mstate_find(const gf__mstate *st, const char *id);
size_t gf__mstate_count(const gf__mstate *st);
/* The i-th id in the order of first appearance, i < count. */
const gf__mentry *gf__mstate_at(const gf__mstate *st, size_t i);
void gf__mstate_free(gf__mstate *st);

/* Resume decision for one item: 1 (skip it: "ok", the file exists under
 * DIR, its sha256 matches, and prompt_sha256 equals the item's; NULL
 * prompt_sha256_hex matches only an entry without one), 0 (run it), with
 * *changed = 1 when the entry was ok but the inputs changed (the caller
 * warns). e may be NULL (no entry: run it). */
int gf__mentry_done(const gf__mentry *e, const char *dir,
                    const char *prompt_sha256_hex, int *changed);

typedef struct gf__manifest {
  int fd; /* O_APPEND; -1 when closed */
  char *path;
} gf__manifest;

/* Opens for appending (creates it, 0644). 0, or 1 after printing why. */
int gf__manifest_open(gf__manifest *m, const char *path);
/* Writes the record's line with one write(2) and flushes it to disk
 * (fdatasync). 0, or GF_EIO (ENOSPC included) after printing why: the
 * caller then stops starting items. A failed write leaves the file as it
 * was (a short write is truncated away), so no torn line is left behind. */
int gf__manifest_append(gf__manifest *m, const gf__record *r);
void gf__manifest_close(gf__manifest *m);

/* An advisory lock on DIR (flock LOCK_EX|LOCK_NB on DIR/.gemflow.lock,
 * created 0644; the holder's pid written in it): 0 with *fd held until
 * exit; 2 after printing "gemflow: another gemflow batch is using DIR
 * (pid N)"; 1 after printing an I/O error (DIR missing, not writable). */
int gf__dir_lock(const char *dir, int *fd);
/* The lock of one shard (sh->n > 0) of a batch whose shards share DIR:
 * LOCK_SH on DIR/.gemflow.lock, so that the shards exclude a batch without
 * --shard and a merge (gf__dir_lock) but not each other, then LOCK_EX on
 * DIR/.gemflow.K-of-N.lock with the holder's pid. 0 with fds[0..1] held
 * until exit; 2 after printing "another gemflow batch is running shard K/N
 * in DIR (pid N)" or gf__dir_lock's message; 1 after an I/O error. */
int gf__shard_lock(const char *dir, const gf__shard *sh, int fds[2]);
/* Removes stale temporary files (".gemflow-*.part", what the library's file
 * sink writes beside a target) under DIR and its subdirectories (not
 * following symlinks, depth at most 16). Returns how many were removed.
 * Only call while holding the lock. With a shard (sh non-NULL, sh->n > 0),
 * other shards may be writing theirs: only ".gemflow-<id>-XXXXXX.part" of
 * an id of this shard goes, and ".gemflow-XXXXXX.part" (no id), which no
 * running shard writes (a merge or an older gemflow left it); the rest
 * stays. */
int gf__clean_stale(const char *dir, const gf__shard *sh);

/* ---- for merge.c -------------------------------------------------------- */
/* Called for each line that is a JSON object: obj is the parsed line (valid
 * during the call), text[0..len) its bytes without the newline, line its
 * number from 1. Non-zero stops the scan and is returned. */
typedef int (*gf__mline_fn)(void *ud, struct json_object *obj,
                            const char *text, size_t len, int line);
/* Reads the manifest at path line by line, warning about bad lines except
 * the last one, which is torn (*torn = 1, *keep = the length of the file
 * up to it). Does not change the file. 0; 1 after printing an I/O error;
 * -1 when the file does not exist (nothing printed); or fn's non-zero. */
int gf__manifest_scan(const char *path, gf__mline_fn fn, void *ud,
                      long long *keep, int *torn);
/* Records the line as id's latest (an object without a string "id" is not
 * an entry: NULL, *idx unchanged). Returns the entry, *idx its position;
 * NULL also when out of memory (*idx = (size_t)-1). */
const gf__mentry *gf__mstate_put(gf__mstate *st, struct json_object *obj,
                                 int line, size_t *idx);
#endif
