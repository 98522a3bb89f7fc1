#!/usr/bin/env bash
# tools/fuzz.sh BUILD_DIR SECONDS: runs every libFuzzer target in BUILD_DIR
# (configured with CC=clang and -DGF_FUZZ=ON) for SECONDS seconds on a
# temporary copy of its seeds, tests/fuzz/corpus/<name>/: libFuzzer writes
# new inputs into its first corpus directory, and the seeds stay as they
# are. Stops at the first target that fails; its reproducer (crash-*,
# timeout-*, oom-*) is kept in BUILD_DIR as <name>-crash-... .
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:?usage: tools/fuzz.sh BUILD_DIR SECONDS}
secs=${2:?usage: tools/fuzz.sh BUILD_DIR SECONDS}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
found=0
for bin in "$dir"/fuzz_*; do
  if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then continue; fi
  name=$(basename "$bin")
  seeds=$top/tests/fuzz/corpus/$name
  found=1
  echo "-- $name ($secs s)"
  mkdir "$tmp/$name"
  if [ -d "$seeds" ]; then cp -R "$seeds/." "$tmp/$name/"; fi
  if ! "$bin" -max_total_time="$secs" -rss_limit_mb=2048 \
      -artifact_prefix="$dir/$name-" "$tmp/$name" >"$tmp/log" 2>&1; then
    tail -n 40 "$tmp/log"
    # the seeds alone: is it an old problem or one the fuzzer just found?
    if [ -d "$seeds" ]; then
      echo "-- $name -runs=0 on its seeds"
      "$bin" -runs=0 -rss_limit_mb=2048 -artifact_prefix="$tmp/" "$seeds" 2>&1 || true
    fi
    echo "fuzz: $name failed"
    exit 1
  fi
  rm -rf "${tmp:?}/$name"
done
[ "$found" = 1 ] || { echo "fuzz: no fuzz_* executable in $dir"; exit 1; }
echo "fuzz: every target ran $secs s without a failure"
