/* `gemflow merge-manifests [-o FILE] DIR...`: one manifest from the
 * manifests of several runs or shards. */
#ifndef GF_CLI_MERGE_H
#define GF_CLI_MERGE_H

/* argv[0] is "merge-manifests". Reads each DIR's manifest.jsonl, then its
 * shard manifests (manifest.*-of-*.jsonl, in version order); the last line
 * per id wins (directories in argument order, lines in file order). Writes
 * FILE (default DIR/manifest.jsonl, only with one DIR; the DIR is then
 * locked as a batch without --shard locks it, which every running batch
 * or shard of one excludes) through a temporary file, fsync and rename;
 * `file` paths are rewritten relative to FILE's directory. Prints
 * "N items: X ok, Y failed, cost $Z.ZZZ" on stdout. Returns 0; 1 on a
 * conflict (an id "ok" in two shards' manifests, i.e. made twice, or in
 * two source manifests with different images: each printed once, the
 * merged file still written) or an I/O error; 2 on a
 * usage error (a DIR that is not a directory included) or when a batch
 * (or a shard of one) holds the DIR. */
int gf__cmd_merge_manifests(int argc, char **argv);
#endif
