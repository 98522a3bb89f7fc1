#!/usr/bin/env bash
# tests/soak.sh BUILD_DIR [ITEMS] [CONCURRENCY]   (defaults: 2000 and 200)
#
# A soak of `gemflow batch` against gemflow-sim on loopback TLS; not part of
# CI, run by hand (a 2000-item run takes minutes). It
#   1. starts gemflow-sim (its own CA, --log of every request);
#   2. writes ITEMS 1K items, mixed aspect ratios, whose prompts carry faults
#      drawn from a fixed seed (SOAK_SEED, default 1) so that a run can be
#      repeated: about 60% clean, 30% transient faults that happen once or
#      twice (a retry gets past them), 10% permanent ones;
#   3. runs the batch in the background, sampling its RSS and open
#      descriptors every 0.5 s into a CSV;
#   4. checks every outcome, every image byte for byte (file == manifest ==
#      what the simulator logged it served), that RSS stays flat, that no
#      descriptor leaks and that no temporary file is left; prints a
#      summary and exits 1 if any check failed.
# The work directory (prompts, manifest, images, samples.csv, logs) is
# removed on success and kept on failure, or always with SOAK_KEEP=1.
set -euo pipefail

usage() {
  echo "usage: $0 BUILD_DIR [ITEMS] [CONCURRENCY]" >&2
  exit 2
}
[ $# -ge 1 ] && [ $# -le 3 ] || usage
bld=$(cd "$1" && pwd -P)
items=${2:-2000}
conc=${3:-200}
seed=${SOAK_SEED:-1}
[[ $items =~ ^[1-9][0-9]*$ && $conc =~ ^[1-9][0-9]*$ ]] || usage
for prog in gemflow gemflow-sim; do
  [ -x "$bld/$prog" ] || { echo "soak: no $bld/$prog (build first)" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/gemflow-soak.XXXXXX")
sim_pid=
batch_pids=() # the batch and /usr/bin/time around it, while they run
cleanup() {
  local rc=$?
  # only the processes this script started, by their pid
  [ ${#batch_pids[@]} -gt 0 ] && kill "${batch_pids[@]}" 2>/dev/null || true
  if [ -n "$sim_pid" ]; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  if [ "$rc" -eq 0 ] && [ -z "${SOAK_KEEP:-}" ]; then
    rm -rf "$work"
  else
    echo "soak: work directory kept: $work" >&2
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- the simulator ----------------------------------------------------------

# Starts gemflow-sim on a free loopback port and waits for its ready line;
# sets url and ca. Its CA and certificate go to the work directory.
start_sim() {
  "$bld/gemflow-sim" --port 0 --dir "$work" --log "$work/sim.log" \
    >"$work/sim.out" 2>"$work/sim.err" &
  sim_pid=$!
  local _
  for _ in $(seq 300); do
    grep -q '^gemflow-sim ready' "$work/sim.out" 2>/dev/null && break
    kill -0 "$sim_pid" 2>/dev/null || { cat "$work/sim.err" >&2; echo "soak: gemflow-sim exited" >&2; exit 1; }
    sleep 0.1
  done
  url=$(sed -n 's/^gemflow-sim ready .*url=\([^ ]*\).*/\1/p' "$work/sim.out")
  ca=$(sed -n 's/^gemflow-sim ready .*ca=\([^ ]*\).*/\1/p' "$work/sim.out")
  [ -n "$url" ] && [ -n "$ca" ] || { echo "soak: gemflow-sim never got ready" >&2; exit 1; }
}

# ---- the items --------------------------------------------------------------

# Writes prompts.jsonl and expect.json (id -> fault kind). Every prompt is
# distinct, markers included: the simulator counts [[times:N]] per prompt
# text, so two items sharing one would share their faults.
write_items() {
  python3 - "$items" "$seed" "$work/prompts.jsonl" "$work/expect.json" <<'PY'
import json, random, sys

items, seed, jsonl, expect = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]

# kind: (weight in %, markers). Transient: faulted on the first `times`
# requests only, so the item must end ok after times+1 attempts.
# Permanent: the same answer every time, and not retryable.
KINDS = {
    "clean":     (60, ""),
    "429":       (5, "[[fault:429]][[times:1]][[retry-delay:50]]"),
    "503":       (4, "[[fault:503]][[times:2]][[retry-delay:50]]"),
    "500":       (4, "[[fault:500]][[times:1]]"),
    "reset":     (5, "[[fault:reset]][[times:1]]"),
    "eof":       (4, "[[fault:eof]][[times:1]]"),
    "truncate":  (4, "[[fault:truncate]][[times:1]]"),
    "midstream": (4, "[[fault:midstream]][[times:1]][[retry-delay:50]]"),
    "safety":    (4, "[[fault:safety]]"),
    "block":     (3, "[[fault:block]]"),
    "badjson":   (3, "[[fault:badjson]]"),
}
RATIOS = ["1:1", "2:3", "3:2", "3:4", "4:3", "4:5", "5:4", "9:16", "16:9", "21:9"]
SUBJECTS = ["a lighthouse on a rocky coast", "a fox in fresh snow",
            "a tram in the rain at night", "a bowl of ripe figs",
            "a glacier under a pale sky", "a market street at noon"]

rng = random.Random(seed)
names = list(KINDS)
weights = [KINDS[k][0] for k in names]
kinds = {}
with open(jsonl, "w") as f:
    for i in range(items):
        kind = rng.choices(names, weights)[0]
        item_id = f"soak-{i:05d}"
        # markers are stripped from the picture's prompt, so they go at the
        # end with no space: the picture depends on the text only
        prompt = f"soak {i}: {rng.choice(SUBJECTS)}{KINDS[kind][1]}"
        f.write(json.dumps({"id": item_id, "prompt": prompt,
                            "aspect_ratio": rng.choice(RATIOS),
                            "image_size": "1K"}) + "\n")
        kinds[item_id] = {"kind": kind, "prompt": prompt}
json.dump(kinds, open(expect, "w"))
PY
}

# ---- the batch, sampled -----------------------------------------------------

# Reads one sample of process $1: "rss_kb fds sockets parts cpu_ticks".
# Sockets are the connections and .part files the images being written: the
# rest (std streams, lock, manifest, the loop's own) should not change.
# cpu_ticks: utime+stime. Fails when the process is gone.
sample() {
  local pid=$1 rss= line stat fds f
  while read -r line; do
    [[ $line == VmRSS:* ]] && { rss=${line//[!0-9]/}; break; }
  done 2>/dev/null <"/proc/$pid/status" || return 1
  [ -n "$rss" ] || return 1 # a zombie has no VmRSS
  fds=$(find "/proc/$pid/fd" -mindepth 1 -printf '%l\n' 2>/dev/null |
    awk '{ n++ } /^socket:/ { s++ } /\.part$/ { p++ } END { print n + 0, s + 0, p + 0 }')
  read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
  stat=${stat##*) } # the fields after the command name, from field 3 (state)
  read -r -a f <<<"$stat"
  echo "$rss $fds $((f[11] + f[12]))" # fields 14 and 15
}

# Runs the batch under /usr/bin/time (CPU seconds and peak RSS of the whole
# run, which /proc cannot give once it has exited) and samples it every
# 0.5 s into samples.csv: t_s, rss_kb, fds, sockets, parts, done (manifest
# lines so far).
run_batch() {
  local -a cmd=("$bld/gemflow" batch --base-url "$url" --ca-file "$ca"
    -j "$conc" --max-attempts 4 --retry-max-delay 5 -o "$work/out"
    "$work/prompts.jsonl")
  local -a timer=()
  [ -x /usr/bin/time ] && timer=(/usr/bin/time -f '%e %U %S %M' -o "$work/time")
  echo "soak: GEMFLOW_API_KEY=soak ${cmd[*]}"
  local t0 timer_pid pid= s now done_lines last_cpu=0 rss fds socks parts cpu _
  t0=$(date +%s.%N)
  GEMFLOW_API_KEY=soak "${timer[@]}" "${cmd[@]}" >"$work/batch.out" 2>"$work/batch.err" &
  timer_pid=$!
  batch_pids=("$timer_pid")
  if [ ${#timer[@]} -gt 0 ]; then # the batch is time's child
    for _ in $(seq 200); do
      pid=$(cat "/proc/$timer_pid/task/$timer_pid/children" 2>/dev/null || true)
      pid=${pid%% *}
      [ -n "$pid" ] && break
      sleep 0.01
    done
  else
    pid=$timer_pid
  fi
  [ -n "$pid" ] && batch_pids+=("$pid")
  echo "t_s,rss_kb,fds,sockets,parts,done" >"$work/samples.csv"
  # /proc/PID/exe still names the shell for a moment after the fork
  while [ -n "$pid" ] && [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" != "$bld/gemflow" ] &&
    kill -0 "$pid" 2>/dev/null; do sleep 0.01; done
  while [ -n "$pid" ]; do
    # items done, read before the descriptors: then every socket or .part
    # file seen belongs to an item counted as unfinished
    done_lines=0
    [ -f "$work/out/manifest.jsonl" ] && done_lines=$(wc -l <"$work/out/manifest.jsonl")
    s=$(sample "$pid") || break
    read -r rss fds socks parts cpu <<<"$s"
    last_cpu=$cpu
    now=$(date +%s.%N)
    printf '%.2f,%s,%s,%s,%s,%s\n' "$(echo "$now - $t0" | bc)" "$rss" "$fds" \
      "$socks" "$parts" "$done_lines" >>"$work/samples.csv"
    sleep 0.5
  done
  set +e
  wait "$timer_pid"
  batch_rc=$?
  set -e
  batch_pids=()
  wall=$(echo "$(date +%s.%N) - $t0" | bc)
  # CPU from /usr/bin/time when there, else the last sample's (a lower bound)
  cpu_s=$(echo "scale=2; $last_cpu / $(getconf CLK_TCK)" | bc)
  peak_kb=
  if [ -s "$work/time" ]; then
    local w u sy m
    read -r w u sy m < <(tail -n 1 "$work/time")
    wall=$w
    cpu_s=$(echo "$u + $sy" | bc)
    peak_kb=$m
  fi
}

# ---- the checks -------------------------------------------------------------

# Checks the outcome against expect.json, sim.log and samples.csv; prints
# the summary; exits 1 if any check failed.
check() {
  python3 - "$work" "$batch_rc" "$wall" "$cpu_s" "${peak_kb:-}" "$items" "$conc" <<'PY'
import collections, csv, glob, hashlib, json, os, statistics, sys

work, batch_rc, wall, cpu_s, peak_kb, items, conc = sys.argv[1:8]
out = os.path.join(work, "out")
expect = json.load(open(os.path.join(work, "expect.json")))
failures = []

def fail(msg):
    failures.append(msg)
    if len(failures) <= 20:
        print("FAIL:", msg)

TRANSIENT_ATTEMPTS = {"429": 2, "503": 3, "500": 2, "reset": 2, "eof": 2,
                      "truncate": 2, "midstream": 2}
PERMANENT_CODE = {"safety": "finish_reason", "block": "prompt_blocked",
                  "badjson": "bad_json"}

def read_manifest():
    lines = collections.defaultdict(list)
    if not os.path.exists(os.path.join(out, "manifest.jsonl")):
        fail("no manifest")
        return lines
    with open(os.path.join(out, "manifest.jsonl")) as f:
        for n, line in enumerate(f, 1):
            try:
                rec = json.loads(line)
            except ValueError:
                fail(f"manifest line {n} is not JSON")
                continue
            lines[rec.get("id")].append(rec)
    return lines

def served_sha(log_path):
    """prompt -> the set of sha256 the simulator logged serving for it"""
    served = collections.defaultdict(set)
    with open(log_path) as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("sha256"):
                served[rec["prompt"]].add(rec["sha256"])
    return served

def file_sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()

def check_outcomes(manifest, served):
    for item_id, e in expect.items():
        recs = manifest.get(item_id, [])
        if len(recs) != 1:
            fail(f"{item_id} ({e['kind']}): {len(recs)} manifest lines")
            continue
        r = recs[0]
        kind, code = e["kind"], (r.get("error") or {}).get("code")
        if kind in PERMANENT_CODE:
            if r["status"] != "error" or code != PERMANENT_CODE[kind] or r["attempts"] != 1:
                fail(f"{item_id} ({kind}): status {r['status']} code {code} "
                     f"after {r['attempts']} attempts; want {PERMANENT_CODE[kind]} after 1")
            continue
        want = TRANSIENT_ATTEMPTS.get(kind, 1)
        if r["status"] != "ok":
            fail(f"{item_id} ({kind}): {r['status']} {code}: "
                 f"{(r.get('error') or {}).get('message')} after {r['attempts']} attempts")
            continue
        if r["attempts"] != want:
            fail(f"{item_id} ({kind}): ok after {r['attempts']} attempts, want {want} "
                 f"(retries: {[x['code'] for x in r['retries']]})")
        path = os.path.join(out, r["file"]) if not os.path.isabs(r["file"]) else r["file"]
        sha = file_sha(path) if os.path.exists(path) else None
        logged = served.get(e["prompt"], set())
        if sha != r["sha256"] or logged != {r["sha256"]}:
            fail(f"{item_id} ({kind}): file {sha}, manifest {r['sha256']}, "
                 f"simulator served {sorted(logged)}")
    for item_id in manifest:
        if item_id not in expect:
            fail(f"manifest names an unknown id {item_id}")

def median_of(xs):
    return statistics.median(xs) if xs else float("nan")

def check_samples():
    """RSS flat and no descriptor leak; returns the samples and figures"""
    with open(os.path.join(work, "samples.csv")) as f:
        rows = [{k: float(v) for k, v in r.items()} for r in csv.DictReader(f)]
    if len(rows) < 8:
        fail(f"only {len(rows)} samples: too short a run to judge")
        return rows, None
    # the first 10% of samples are the start-up ramp (the first is often
    # taken before the batch has opened anything): steady state after it
    steady = rows[len(rows) // 10:]
    q = max(1, len(steady) // 4)
    fig = {}
    fig["rss_first"] = median_of([r["rss_kb"] for r in steady[:q]])
    fig["rss_last"] = median_of([r["rss_kb"] for r in steady[-q:]])
    if fig["rss_last"] > 1.25 * fig["rss_first"]:
        fail(f"RSS grew: median {fig['rss_last']:.0f} kB in the last quarter, "
             f"{fig['rss_first']:.0f} kB in the first")
    # Descriptors: a leak shows as (a) more "base" descriptors (neither a
    # connection nor an image being written: std streams, lock, manifest,
    # the loop's) at the end than at the start, (b) more .part files open at
    # the last sample than its unfinished items can hold (the .part file and
    # its fsync descriptor each), or (c) more sockets than -j: connections
    # are kept for reuse after their generation (the keep-alive pool), but
    # never more than were in use at once. The last sample is taken at most
    # ~0.5 s before the exit, usually with a few items left.
    base = [r["fds"] - r["sockets"] - r["parts"] for r in rows]
    fig["base_first"] = median_of(base[len(rows) // 10:][:q])
    fig["base_last"] = min(base[-4:])  # a directory fsync may be open for a moment
    last = rows[-1]
    fig["fds_last"], fig["unfinished"] = last["fds"], int(int(items) - last["done"])
    if fig["base_last"] > fig["base_first"]:
        fail(f"descriptors leak: {fig['base_last']:.0f} base descriptors at the end, "
             f"{fig['base_first']:.0f} at the start")
    if last["parts"] > 2 * fig["unfinished"]:
        fail(f"descriptors leak: {last['parts']:.0f} .part descriptors open at "
             f"the last sample with {fig['unfinished']} items unfinished")
    if last["sockets"] > int(conc):
        fail(f"descriptors leak: {last['sockets']:.0f} sockets open at the last "
             f"sample, more than -j {conc}")
    return rows, fig

def main():
    manifest = read_manifest()
    check_outcomes(manifest, served_sha(os.path.join(work, "sim.log")))
    parts = glob.glob(os.path.join(out, "**", "*.part"), recursive=True) + \
        glob.glob(os.path.join(out, "**", ".*.part"), recursive=True)
    if parts:
        fail(f"{len(parts)} temporary file(s) left, e.g. {parts[0]}")
    if int(batch_rc) not in (0, 1):
        fail(f"gemflow batch exited {batch_rc}")
    rows, fig = check_samples()

    recs = [v[-1] for v in manifest.values()]
    ok = sum(r["status"] == "ok" for r in recs)
    by_code = collections.Counter((r.get("error") or {}).get("code") for r in recs
                                  if r["status"] != "ok")
    retries = sum(len(r.get("retries") or []) for r in recs)
    kinds = collections.Counter(e["kind"] for e in expect.values())
    peak = int(peak_kb) if peak_kb else max((r["rss_kb"] for r in rows), default=0)
    print(f"items {items} at -j {conc}: " +
          ", ".join(f"{k} {n}" for k, n in sorted(kinds.items(), key=lambda x: -x[1])))
    print(f"ok {ok}, failed {len(recs) - ok} (" +
          ", ".join(f"{c} {n}" for c, n in sorted(by_code.items())) + f"), retries {retries}")
    print(f"wall {float(wall):.1f} s, batch CPU {float(cpu_s):.2f} s (user+sys), "
          f"peak RSS {peak / 1024:.1f} MB")
    if fig:
        print(f"RSS median after the ramp: first quarter {fig['rss_first'] / 1024:.1f} MB, "
              f"last quarter {fig['rss_last'] / 1024:.1f} MB ({len(rows)} samples)")
        print(f"descriptors: base {fig['base_first']:.0f} at the start, {fig['base_last']:.0f} "
              f"at the end; last sample {fig['fds_last']:.0f} open with {fig['unfinished']} "
              f"items unfinished; peak {max(r['fds'] for r in rows):.0f}; connections "
              f"median {median_of([r['sockets'] for r in rows]):.0f}, "
              f"peak {max(r['sockets'] for r in rows):.0f}")
    if failures:
        if len(failures) > 20:
            print(f"... and {len(failures) - 20} more")
        print(f"soak: FAILED, {len(failures)} check(s)")
        sys.exit(1)
    print("soak: all checks passed")

main()
PY
}

start_sim
write_items
run_batch
check
