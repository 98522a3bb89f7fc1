#!/usr/bin/env bash
# gemflow merge-manifests: shard manifests into DIR/manifest.jsonl, several
# DIRs into one file with paths made relative to it, conflicts (two shards
# of one directory making one id), the lock, torn source lines left alone.
# Manifests are written by hand; no server.
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"
umask 022

PA=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
PB=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
# line ID STATUS FILE-JSON SHA COST-JSON: one manifest line.
line() {
  printf '{"id":"%s","status":"%s","file":%s,"sha256":"%s","cost_usd":%s}\n' \
    "$1" "$2" "$3" "$4" "$5"
}
# merge ARGS...: sets RC; output in $WORK/out and $WORK/err.
merge() {
  set +e
  timeout 60 "$GEMFLOW" merge-manifests "$@" >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
}
no_temporaries() { [[ -z $(find "$1" -name '.gemflow-*.part') ]]; }

merge --help
check "--help: exit 0" rc_is 0
check "--help: usage on stdout" grep -q '^usage: gemflow merge-manifests' "$WORK/out"

# One DIR: its shard manifests merged into DIR/manifest.jsonl, read once.
D=$WORK/run
mkdir "$D"
line a error null "" 0 >"$D/manifest.jsonl"
{ line a ok '"img/a.png"' $PA 0.134; line b error null "" null; } >"$D/manifest.0-of-2.jsonl"
{ line c ok '"img/c.png"' $PB 0.25; printf '{"id":"d","status":"o'; } >"$D/manifest.1-of-2.jsonl"
torn_sha=$(sha "$D/manifest.1-of-2.jsonl")
merge "$D"
check "one DIR: exit 0" rc_is 0
check "one DIR: totals" out_is "3 items: 2 ok, 1 failed, cost \$0.384"
check "one DIR: merged lines, last per id, first-seen order" \
  test "$(cat "$D/manifest.jsonl")" = "$(line a ok '"img/a.png"' $PA 0.134; line b error null "" null; line c ok '"img/c.png"' $PB 0.25)"
check "one DIR: torn shard line reported" err_has "manifest.1-of-2.jsonl: the last line is cut short"
check "one DIR: torn source left as it was" test "$(sha "$D/manifest.1-of-2.jsonl")" = "$torn_sha"
check "one DIR: no temporary left" no_temporaries "$D"
before=$(sha "$D/manifest.jsonl")
merge "$D"
check "one DIR again: exit 0 (same images are no conflict)" rc_is 0
check "one DIR again: same file" test "$(sha "$D/manifest.jsonl")" = "$before"

# A running batch holds DIR: the manifest it appends to is not replaced.
set +e
flock "$D/.gemflow.lock" "$GEMFLOW" merge-manifests "$D" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
check "locked DIR: exit 2" rc_is 2
check "locked DIR: says why" err_has "another gemflow batch is using $D"
check "locked DIR: manifest untouched" test "$(sha "$D/manifest.jsonl")" = "$before"

# Several DIRs: -o needed.
E=$WORK/other
mkdir -p "$E/sub"
merge "$D" "$E"
check "several DIRs without -o: exit 2" rc_is 2
check "several DIRs without -o: says -o" err_has "-o FILE is needed"

# Several DIRs into a file elsewhere: paths relative to it; a conflict on c.
mkdir -p "$D/img" "$E/sub/x" "$WORK/all"
echo a >"$D/img/a.png"
echo c >"$D/img/c.png"
echo c2 >"$E/sub/x/c.png"
{ line c ok '"sub/x/c.png"' $PA 1.5; line e error null "" 0.01; } >"$E/manifest.jsonl"
merge -o "$WORK/all/m.jsonl" "$D" "$E"
check "conflict: exit 1" rc_is 1
check "conflict: named with both manifests" \
  err_has "conflict: id 'c' in $D/manifest.1-of-2.jsonl and $E/manifest.jsonl"
check "conflict: merged file still written, totals" out_is "4 items: 2 ok, 2 failed, cost \$1.644"
check "several DIRs: every file resolves from the output's directory" python3 - "$WORK/all/m.jsonl" <<'PY'
import json, os, sys
path = sys.argv[1]
lines = [json.loads(l) for l in open(path)]
assert [o["id"] for o in lines] == ["a", "b", "c", "e"], lines
files = {o["id"]: o["file"] for o in lines}
assert files["a"] == "../run/img/a.png", files
assert files["c"] == "../other/sub/x/c.png", files
assert files["b"] is None and files["e"] is None, files
for f in (files["a"], files["c"]):
    assert os.path.isfile(os.path.join(os.path.dirname(path), f)), f
assert lines[2]["sha256"] == "a" * 64 and lines[2]["cost_usd"] == 1.5, lines[2]
PY
check "several DIRs: output mode 0644 (umask 022)" test "$(stat -c %a "$WORK/all/m.jsonl")" = 644
check "several DIRs: no temporary left" no_temporaries "$WORK/all"

# One directory shared by shards: an id made by two shards is a conflict
# even with the same image (it was paid twice); a running shard (holding
# the directory's lock shared) keeps the merge out.
S=$WORK/shared
mkdir "$S"
line a ok '"a.png"' $PA 0.134 >"$S/manifest.0-of-2.jsonl"
{ line b ok '"b.png"' $PB 0.134; line a ok '"a.png"' $PA 0.134; } >"$S/manifest.1-of-2.jsonl"
merge "$S"
check "two shards made one id: exit 1" rc_is 1
check "two shards made one id: named" \
  err_has "conflict: id 'a' in $S/manifest.0-of-2.jsonl and $S/manifest.1-of-2.jsonl"
check "two shards made one id: totals" out_is "2 items: 2 ok, 0 failed, cost \$0.268"
check "two shards made one id: merged all the same" test "$(wc -l <"$S/manifest.jsonl")" -eq 2
before=$(sha "$S/manifest.jsonl")
set +e
flock -s "$S/.gemflow.lock" "$GEMFLOW" merge-manifests "$S" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
check "a shard running: exit 2" rc_is 2
check "a shard running: says why" err_has "another gemflow batch is using $S"
check "a shard running: manifest untouched" test "$(sha "$S/manifest.jsonl")" = "$before"

check "key not printed" no_key_printed
finish
