#!/usr/bin/env bash
# Scale-out as a Kubernetes Indexed Job, without a cluster: the pods of
# examples/kubernetes/indexed-job.yaml are run here as N processes, each
# with the pod's command from the manifest and only the environment a pod
# has (JOB_COMPLETION_INDEX from the kubelet, the container's env), all
# into one shared output directory against one gemflow-sim. Checks the
# manifest's shape, the same invariants as tests/scaleout/slurm.sh (every
# id once, ok, byte-exact, in its shard's manifest, requested once; merged
# totals), that each pod starts at most RPM/N requests a minute, and that
# a pod stopped by SIGTERM and retried requests nothing finished again.
#
#   bash tests/scaleout/indexed.sh GEMFLOW GEMFLOW-SIM SOURCE-DIR
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"
YAML=$SRC/examples/kubernetes/indexed-job.yaml
PIDS=()
stop_pods() {
  local p
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap 'stop_pods; cleanup' EXIT
trap 'exit 130' INT TERM

# ---- the manifest -------------------------------------------------------------
# Its values and the pod's command (the folded args line), as shell
# assignments: N, COUNT, PAR, RPM_VALUE, POD_CMD.
eval "$(python3 - "$YAML" <<'PY'
import re, shlex, sys
t = open(sys.argv[1]).read()
def one(pat):
    m = re.search(pat, t, re.M)
    return m.group(1) if m else ""
cmd = re.search(r"^\s*args:\n\s*- >-\n((?:[ ]{13,}\S.*\n)+)", t, re.M)
vals = {
    "MODE": one(r"^\s*completionMode:\s*(\S+)"),
    "COUNT": one(r"^\s*completions:\s*(\d+)"),
    "PAR": one(r"^\s*parallelism:\s*(\d+)"),
    "N": one(r"name: GEMFLOW_SHARD_COUNT\n\s*value:\s*\"(\d+)\""),
    "RPM_VALUE": one(r"name: RPM\n\s*value:\s*\"(\d+)\""),
    "POD_CMD": " ".join(cmd.group(1).split()) if cmd else "",
}
for k, v in vals.items():
    print("%s=%s" % (k, shlex.quote(v)))
PY
)"
check "manifest: an Indexed Job" test "$MODE" = Indexed
check "manifest: completions = parallelism = GEMFLOW_SHARD_COUNT" \
  test -n "$N" -a "$COUNT" = "$N" -a "$PAR" = "$N"
check "manifest: RPM set" test -n "$RPM_VALUE"
# shellcheck disable=SC2016 # the manifest's text, expanded by the pod's shell
check "manifest: the pod runs gemflow batch --shard env into one /out" \
  test "$POD_CMD" = 'exec gemflow batch --shard env --rpm "$RPM" -o /out /in/prompts.jsonl'
((FAILS)) && finish

# ---- the pods -------------------------------------------------------------------
start_sim
mkdir -p "$WORK/bin"
ln -s "$GEMFLOW" "$WORK/bin/gemflow"
# pod K OUT INPUT RPM [extra options]: starts pod K in the background
# (its pid in PIDS[K]). The command is the manifest's, with the volumes'
# paths (/out, /in/prompts.jsonl) made local and the simulator's address
# added; the environment is the pod's: the kubelet's index, the
# container's variables, the key as the secret would give it (the
# simulator's variable, GEMFLOW_API_KEY, where the manifest names
# ANYFAST_API_KEY).
pod() {
  local k=$1 out=$2 input=$3 rpm=$4 cmd
  shift 4
  cmd=${POD_CMD/-o \/out/-o \"\$OUT\" --base-url \"\$URL\" --ca-file \"\$CA\" \$EXTRA}
  cmd=${cmd/\/in\/prompts.jsonl/\"\$INPUT\"}
  env -i PATH="$WORK/bin:/usr/bin:/bin" HOME="$WORK" HOSTNAME="gemflow-batch-$k-x7k2p" \
    JOB_COMPLETION_INDEX="$k" GEMFLOW_SHARD_COUNT="$N" RPM="$rpm" \
    GEMFLOW_API_KEY="$KEY" OUT="$out" INPUT="$input" URL="$URL" CA="$CA" \
    EXTRA="$*" timeout 120 /bin/sh -c "$cmd" >"$WORK/pod$k.out" 2>"$WORK/pod$k.err" &
  PIDS[k]=$!
}
# wait_pods: sets ST to the exit status of each pod, "0 0 0" (not in a
# subshell: only this shell can wait for its children).
wait_pods() {
  local k st=()
  for k in "${!PIDS[@]}"; do
    set +e
    wait "${PIDS[k]}"
    st+=($?)
    set -e
  done
  PIDS=()
  ST="${st[*]}"
}

# All N pods at once, at the manifest's rate: each starts its requests
# RPM/N a minute apart at most (the library spaces them evenly).
make_items "$WORK/a.jsonl" pod 24
expect "$WORK/a.jsonl" "$WORK/a.sha"
from=$(log_lines)
for ((k = 0; k < N; k++)); do pod "$k" "$WORK/out-a" "$WORK/a.jsonl" 360 -j 16; done
wait_pods
check "pods: all exit 0" test "$ST" = "$(printf '0%.0s ' $(seq "$N") | sed 's/ $//')"
check "pods: the plan shows each pod's share" grep -qF \
  "at most 120.0 requests a minute for this process (360 for the project over $N shards)" \
  "$WORK/pod0.err"
wait_log $((from + 24))
merge_dir "$WORK/out-a"
check "pods: merge-manifests exit 0" rc_is 0
echo "merged: $(cat "$WORK/out")"
check "pods: every id once, ok, byte-exact, in its shard, requested once; totals" \
  verify_shared "$WORK/out-a" "$WORK/a.jsonl" "$N" "$WORK/a.sha" "$from" fresh
# The library gives each request a slot a fixed interval after the one
# before, so the first to the last of a shard's requests span at least
# (count - 1) intervals (a late timer only delays); the whole budget in
# one process would space them 167 ms apart, a third of it 500 ms.
check "pods: each shard starts its requests 60/(360/$N) s apart" python3 - "$WORK/out-a" "$N" <<'PY'
import json, sys
d, n = sys.argv[1], int(sys.argv[2])
gap = 60.0 / (360 / n) * 1000 # ms
mean = []
for k in range(n):
    t = sorted(json.loads(l)["timings"]["first_byte_ms"]
               for l in open("%s/manifest.%d-of-%d.jsonl" % (d, k, n)))
    if len(t) < 2:
        sys.exit("shard %d: %d items, too few to measure" % (k, len(t)))
    mean.append((t[-1] - t[0]) / (len(t) - 1))
print("mean interval per shard, ms:", ["%.0f" % m for m in mean])
sys.exit(0 if min(mean) >= gap * 0.9 else 1)
PY

# A pod deleted mid-run (SIGTERM), then retried with the same index.
make_items "$WORK/b.jsonl" retry 24 "[[think:300]]"
expect "$WORK/b.jsonl" "$WORK/b.sha"
from=$(log_lines)
for ((k = 0; k < N; k++)); do pod "$k" "$WORK/out-b" "$WORK/b.jsonl" 60000 -j 1; done
man1=$WORK/out-b/manifest.1-of-$N.jsonl
two_done() { [[ $(grep -c '"status":"ok"' "$man1" 2>/dev/null) -ge 2 ]]; }
for _i in $(seq 300); do two_done && break; sleep 0.1; done
two_done || echo "FAIL: pod 1 finished no two items within 30 s" >&2
kill -TERM "${PIDS[1]}"
wait_pods
check "SIGTERM: pod 1 exits 130, the others 0" test "$ST" = "0 130$(printf ' 0%.0s' $(seq $((N - 2))))"
check "SIGTERM: the in-flight item recorded as canceled" grep -q '"code":"canceled"' "$man1"
settle_log >/dev/null
ok_ids "$WORK/out-b" >"$WORK/b.done"
check "SIGTERM: some but not all 24 done" test "$(wc -l <"$WORK/b.done")" -gt 2 -a \
  "$(wc -l <"$WORK/b.done")" -lt 24
from=$(log_lines)
pod 1 "$WORK/out-b" "$WORK/b.jsonl" 60000 -j 4
wait_pods
check "retry: pod 1 exits 0" test "$ST" = 0
check "retry: says what was done already" grep -q "already done" "$WORK/pod1.err"
wait_log $((from + 24 - $(wc -l <"$WORK/b.done")))
merge_dir "$WORK/out-b"
check "retry: merge-manifests exit 0" rc_is 0
check "retry: nothing finished requested again, the rest once; byte-exact" \
  verify_shared "$WORK/out-b" "$WORK/b.jsonl" "$N" "$WORK/b.sha" "$from" "resume:$WORK/b.done"
check "key in no output or manifest" bash -c \
  "! grep -rqF -- '$KEY' '$WORK'/pod*.out '$WORK'/pod*.err '$WORK/out-a' '$WORK/out-b'"
finish
