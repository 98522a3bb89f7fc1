#!/usr/bin/env bash
# gemflow batch against gemflow-sim over loopback TLS: 300 items at -j 100,
# byte-exact; faults retried once and ok; 429 storms shrink concurrency;
# safety and 403 not retried; resume sends nothing; an edited prompt is
# regenerated; SIGINT mid-run then resume; shards, in directories of their
# own and sharing one (manifests, locks, stale temporaries, merge); bad
# lines; --dry-run (with a shard's share of --rpm); the directory lock.
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"

start_sim
# batch [options]: gemflow batch against the simulator; sets RC.
batch() {
  set +e
  timeout 300 "$GEMFLOW" batch --base-url "$URL" --ca-file "$CA" "$@" \
    >"$WORK/out" 2>"$WORK/err"
  RC=$?
  set -e
}
# py SCRIPT ARGS...: a check written in Python; exit status is the verdict.
py() { python3 -c "$@"; }
man_field() { # man_field DIR ID FIELD: the last manifest line's field
  py 'import json,sys
last={}
for l in open(sys.argv[1]+"/manifest.jsonl"):
    o=json.loads(l); last[o["id"]]=o
v=last[sys.argv[2]]
for k in sys.argv[3].split("."): v=v[int(k)] if isinstance(v,list) else v[k]
print(v)' "$@"
}
# Every manifest line is JSON; every ok item's file exists under DIR with
# the manifest's sha256, which is also what the simulator served for that
# prompt; no temporary file is left. Prints the number of ok items.
verify_dir() {
  py 'import json,sys,hashlib,os,time
d=sys.argv[1]
def read_served():
    served={}
    for l in open(sys.argv[2]):
        o=json.loads(l)
        if o.get("sha256"): served.setdefault(o["prompt"],set()).add(o["sha256"])
    return served
prompts={}
for l in open(sys.argv[3]):
    l=l.strip()
    if l and not l.startswith("#"):
        o=json.loads(l); prompts[o["id"]]=o["prompt"]
last={}
for l in open(d+"/manifest.jsonl"):
    o=json.loads(l); last[o["id"]]=o
# the simulator logs a request as its connection ends: wait for them all
for _ in range(50):
    served=read_served()
    if all(prompts[i] in served for i,o in last.items() if o["status"]=="ok"): break
    time.sleep(0.1)
ok=0
for i,o in last.items():
    if o["status"]!="ok": continue
    f=os.path.join(d,o["file"]); b=open(f,"rb").read()
    h=hashlib.sha256(b).hexdigest()
    assert h==o["sha256"], (i,"file differs from manifest")
    assert len(b)==o["bytes"], (i,"size")
    assert h in served[prompts[i]], (i,"not what the simulator served")
    ok+=1
for root,_,files in os.walk(d):
    for n in files: assert not n.endswith(".part"), ("temporary left", n)
print(ok)' "$1" "$WORK/sim.log" "$2"
}
requests() { log_lines; }

# ---- 300 items at -j 100, byte-exact -------------------------------------
py 'import sys
ratios=["1:1","16:9","9:16","4:3","3:2"]
with open(sys.argv[1],"w") as f:
    f.write("# three hundred\n")
    for i in range(300):
        f.write("{\"id\":\"item-%03d\",\"prompt\":\"picture number %d of a quiet harbour\",\"aspect_ratio\":\"%s\",\"meta\":{\"n\":%d}}\n" % (i,i,ratios[i%5],i))' "$WORK/p300.jsonl"
before=$(requests)
start=$(date +%s.%N)
batch -j 100 -o "$WORK/o300" --quiet "$WORK/p300.jsonl"
end=$(date +%s.%N)
check "300 items: exit 0" rc_is 0
check "300 items: 300 requests" test $(($(settled_lines $((before + 300))) - before)) -eq 300
check "300 items: all byte-exact" test "$(verify_dir "$WORK/o300" "$WORK/p300.jsonl")" = 300
check "300 items: 300 manifest lines" test "$(wc -l <"$WORK/o300/manifest.jsonl")" -eq 300
check "300 items: meta carried" test "$(man_field "$WORK/o300" item-042 meta.n)" = 42
check "300 items: attempts 1" test "$(man_field "$WORK/o300" item-007 attempts)" = 1
check "300 items: ext from the mime" test -f "$WORK/o300/item-299.png"
echo "300 items at -j 100: $(py 'import sys; print("%.2f" % (float(sys.argv[2])-float(sys.argv[1])))' "$start" "$end") s wall"

# ---- resume: a finished run sends nothing; an edited prompt is redone ------
before=$(requests)
batch -j 100 -o "$WORK/o300" "$WORK/p300.jsonl"
check "resume: exit 0" rc_is 0
check "resume: zero requests" test "$(requests)" -eq "$before"
check "resume: says 300 already done" err_has "300 already done"
sed 's/picture number 17 of/picture number 17, edited, of/' "$WORK/p300.jsonl" >"$WORK/p300e.jsonl"
batch -j 100 -o "$WORK/o300" "$WORK/p300e.jsonl"
check "edited: exit 0" rc_is 0
check "edited: one request" test "$(settled_lines $((before + 1)))" -eq $((before + 1))
check "edited: warned" err_has "item-017: the inputs changed"
check "edited: byte-exact" test "$(verify_dir "$WORK/o300" "$WORK/p300e.jsonl")" = 300
rm -rf "$WORK/o300"

# ---- faults: transient ones retried once, permanent ones not ---------------
cat >"$WORK/faults.jsonl" <<'EOF'
{"id":"f429","prompt":"a kite [[fault:429]] [[times:1]] [[retry-delay:50]]"}
{"id":"f503","prompt":"a drum [[fault:503]] [[times:1]] [[retry-delay:50]]"}
{"id":"reset","prompt":"a bell [[fault:reset]] [[times:1]]"}
{"id":"eof","prompt":"a horn [[fault:eof]] [[times:1]]"}
{"id":"mid","prompt":"a harp [[fault:midstream]] [[times:1]] [[retry-delay:50]]"}
{"id":"safety","prompt":"a lute [[fault:safety]]"}
{"id":"plain","prompt":"a flute","out":"sub/dir/flute.png"}
EOF
before=$(requests)
batch -j 4 -o "$WORK/of" --save-thoughts "$WORK/faults.jsonl"
check "faults: exit 1 (safety failed)" rc_is 1
check "faults: 5 retries + 7 first requests" test $(($(settled_lines $((before + 12))) - before)) -eq 12
for id in f429 f503 reset eof mid; do
  check "faults: $id ok after 2 attempts" test "$(man_field "$WORK/of" $id status)/$(man_field "$WORK/of" $id attempts)" = ok/2
done
check "faults: 429 retry recorded" test "$(man_field "$WORK/of" f429 retries.0.code)/$(man_field "$WORK/of" f429 retries.0.http_status)" = http_status/429
check "faults: safety not retried" test "$(man_field "$WORK/of" safety attempts)/$(man_field "$WORK/of" safety error.code)" = 1/finish_reason
check "faults: out in a subdirectory" test "$(man_field "$WORK/of" plain file)" = sub/dir/flute.png
check "faults: thoughts saved" test -s "$WORK/of/plain.thoughts.txt"
check "faults: byte-exact" test "$(verify_dir "$WORK/of" "$WORK/faults.jsonl")" = 6
check "faults: summary names the failure" err_has "failed: safety: finish_reason"
check "faults: key never printed" no_key_printed
check "faults: key not in the manifest" bash -c "! grep -qF -- '$KEY' '$WORK/of/manifest.jsonl'"

# ---- a 429 storm halves the streams in flight ------------------------------
py 'import sys
with open(sys.argv[1],"w") as f:
    for i in range(16):
        f.write("{\"id\":\"s%d\",\"prompt\":\"storm %d [[fault:429]] [[times:2]] [[retry-delay:100]] [[think:50]]\"}\n" % (i,i))' "$WORK/storm.jsonl"
batch -j 8 -v -o "$WORK/os" "$WORK/storm.jsonl"
check "storm: exit 0" rc_is 0
check "storm: concurrency halved to 4" err_has "concurrency down to 4"
check "storm: ... to 2" err_has "concurrency down to 2"
check "storm: ... to 1" err_has "concurrency down to 1"
check "storm: all byte-exact" test "$(verify_dir "$WORK/os" "$WORK/storm.jsonl")" = 16

# ---- 403: not retried --------------------------------------------------------
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true
mv "$WORK/sim.log" "$WORK/sim1.log"
start_sim --reject-key "$KEY"
printf '{"id":"a","prompt":"a door"}\n' >"$WORK/one.jsonl"
batch -o "$WORK/o403" "$WORK/one.jsonl"
check "403: exit 1" rc_is 1
check "403: one request" test "$(settled_lines 1)" -eq 1
check "403: recorded" test "$(man_field "$WORK/o403" a error.http_status)/$(man_field "$WORK/o403" a attempts)" = 403/1
check "403: key never printed" no_key_printed
kill "$SIM_PID"; wait "$SIM_PID" 2>/dev/null || true
rm -f "$WORK/sim.log"
start_sim

# ---- SIGINT mid-run, then resume -------------------------------------------
py 'import sys
with open(sys.argv[1],"w") as f:
    for i in range(30):
        f.write("{\"id\":\"i%02d\",\"prompt\":\"slow study %d [[think:150]]\"}\n" % (i,i))' "$WORK/slow.jsonl"
set +e
"$GEMFLOW" batch --base-url "$URL" --ca-file "$CA" -j 4 -o "$WORK/oi" "$WORK/slow.jsonl" \
  >"$WORK/out" 2>"$WORK/err" &
pid=$!
sleep 2.5
kill -INT "$pid"
t0=$(date +%s)
wait "$pid"
RC=$?
set -e
check "SIGINT: exit 130" rc_is 130
check "SIGINT: exits within 10 s" test $(($(date +%s) - t0)) -le 10
check "SIGINT: manifest valid, files byte-exact" verify_dir "$WORK/oi" "$WORK/slow.jsonl"
first_ok=$(py 'import json,sys
print(" ".join(sorted(o["id"] for o in map(json.loads,open(sys.argv[1])) if o["status"]=="ok")))' "$WORK/oi/manifest.jsonl")
check "SIGINT: some finished before" test -n "$first_ok"
check "SIGINT: in-flight ones canceled" grep -q '"code":"canceled"' "$WORK/oi/manifest.jsonl"
cp "$WORK/sim.log" "$WORK/sim.before"
batch -j 8 -o "$WORK/oi" "$WORK/slow.jsonl"
check "resume after SIGINT: exit 0" rc_is 0
check "resume after SIGINT: all 30 ok" test "$(verify_dir "$WORK/oi" "$WORK/slow.jsonl")" = 30
check "resume after SIGINT: nothing finished requested again" py 'import json,sys
old=open(sys.argv[1]).read().splitlines()
new=[json.loads(l)["prompt"] for l in open(sys.argv[2]).read().splitlines()[len(old):]]
ok=set(sys.argv[3].split())
prompts={o["id"]:o["prompt"] for o in map(json.loads,open(sys.argv[4]))}
sys.exit(1 if any(prompts[i] in new for i in ok) else 0)' "$WORK/sim.before" "$WORK/sim.log" "$first_ok" "$WORK/slow.jsonl"

# ---- shards: disjoint, complete, merged --------------------------------------
head -n 31 "$WORK/p300.jsonl" >"$WORK/p30.jsonl"
for k in 0 1 2; do
  batch -j 16 --shard "$k/3" -o "$WORK/sh$k" "$WORK/p30.jsonl"
  check "shard $k/3: exit 0" rc_is 0
done
check "shards: disjoint and complete" py 'import json,sys
seen=[]
for k,d in enumerate(sys.argv[1:]):
    seen+= [json.loads(l)["id"] for l in open(d+"/manifest.%d-of-3.jsonl" % k)]
sys.exit(0 if len(seen)==30 and len(set(seen))==30 else 1)' "$WORK/sh0" "$WORK/sh1" "$WORK/sh2"
set +e
"$GEMFLOW" merge-manifests -o "$WORK/merged.jsonl" "$WORK/sh0" "$WORK/sh1" "$WORK/sh2" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
check "merge: exit 0" rc_is 0
check "merge: 30 lines" test "$(wc -l <"$WORK/merged.jsonl")" -eq 30
check "merge: totals" grep -q "30 items: 30 ok, 0 failed" "$WORK/out"

# ---- shards sharing one directory ----------------------------------------------
# item-003 is in shard 0 of 3, item-001 in shard 1 (FNV-1a-64 of the id).
D=$WORK/shared
mkdir -p "$D"
: >"$D/.gemflow-item-003-Ab12Cd.part" # shard 0's, left by a crash
: >"$D/.gemflow-item-001-Ab12Cd.part" # shard 1's: maybe being written
batch -j 16 --shard 0/3 -o "$D" "$WORK/p30.jsonl"
check "shared 0/3: exit 0" rc_is 0
check "shared 0/3: its manifest is manifest.0-of-3.jsonl" test -s "$D/manifest.0-of-3.jsonl" -a ! -e "$D/manifest.jsonl"
check "shared 0/3: removed its own stale temporary" test ! -e "$D/.gemflow-item-003-Ab12Cd.part"
check "shared 0/3: kept shard 1's" test -e "$D/.gemflow-item-001-Ab12Cd.part"
check "shared 0/3: says so" err_has "removed 1 stale temporary file"
check "shared 0/3: summary names the shard's manifest" err_has "manifest $D/manifest.0-of-3.jsonl"
batch -j 16 --shard 1/3 -o "$D" "$WORK/p30.jsonl"
check "shared 1/3: exit 0" rc_is 0
check "shared 1/3: its stale temporary removed" test ! -e "$D/.gemflow-item-001-Ab12Cd.part"
batch -j 16 --shard 2/3 -o "$D" "$WORK/p30.jsonl"
check "shared 2/3: exit 0" rc_is 0
# Resume is per shard: each finds its own manifest.
before=$(requests)
batch --shard 1/3 -o "$D" "$WORK/p30.jsonl"
check "shared resume 1/3: exit 0" rc_is 0
check "shared resume 1/3: nothing sent" test "$(settled_lines "$before")" -eq "$before"
check "shared resume 1/3: all its items already done" err_has "shard 1/3: 0 to generate"
# Without --shard in a directory of shard manifests: refused, nothing sent.
batch -o "$D" "$WORK/p30.jsonl"
check "shared, then no --shard: exit 2" rc_is 2
check "shared, then no --shard: says merge" err_has "gemflow merge-manifests $D"
check "shared, then no --shard: nothing sent" test "$(requests)" -eq "$before"
set +e
"$GEMFLOW" merge-manifests "$D" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
check "shared merge: exit 0" rc_is 0
check "shared merge: totals" grep -q '^30 items: 30 ok, 0 failed, cost \$' "$WORK/out"
check "shared merge: byte-exact, plain names" test "$(verify_dir "$D" "$WORK/p30.jsonl")" = 30
check "shared merge: images keep their names" test -f "$D/item-003.png" -a -f "$D/item-001.png"

# The locks of a shared directory: a running shard 0/3 (its two locks held
# by one process, which frees them as it is killed) refuses another 0/3
# and a batch without --shard, not 1/3; a batch without --shard refuses
# every shard.
L=$WORK/slock
mkdir -p "$L"
(exec 8<>"$L/.gemflow.lock" 9<>"$L/.gemflow.0-of-3.lock"
 flock -s 8 && flock 9 && exec sleep 5) &
lockpid=$!
sleep 0.3
before=$(requests)
batch --shard 0/3 -o "$L" "$WORK/p30.jsonl"
check "lock, same shard twice: exit 2" rc_is 2
check "lock, same shard twice: says which" err_has "another gemflow batch is running shard 0/3 in $L"
batch -o "$L" "$WORK/p30.jsonl"
check "lock, no --shard while a shard runs: exit 2" rc_is 2
check "lock, no --shard while a shard runs: says why" err_has "another gemflow batch is using $L"
check "lock: nothing sent" test "$(requests)" -eq "$before"
batch -j 16 --shard 1/3 -o "$L" "$WORK/p30.jsonl"
check "lock, another shard beside it: exit 0" rc_is 0
kill "$lockpid" 2>/dev/null || true
wait "$lockpid" 2>/dev/null || true
(exec 8<>"$L/.gemflow.lock"; flock 8 && exec sleep 5) &
lockpid=$!
sleep 0.3
batch --shard 2/3 -o "$L" "$WORK/p30.jsonl"
check "lock, a shard while a whole batch runs: exit 2" rc_is 2
check "lock, a shard while a whole batch runs: says why" err_has "another gemflow batch is using $L"
kill "$lockpid" 2>/dev/null || true
wait "$lockpid" 2>/dev/null || true

# ---- bad input: exit 2 naming the line, nothing sent --------------------------
bad_line() { # bad_line DESCRIPTION LINE2 EXPECTED-TEXT
  printf '{"id":"good","prompt":"fine"}\n%s\n' "$2" >"$WORK/bad.jsonl"
  local before; before=$(requests)
  batch -o "$WORK/obad" "$WORK/bad.jsonl"
  check "bad $1: exit 2" rc_is 2
  check "bad $1: names line 2" err_has "bad.jsonl:2:"
  check "bad $1: says '$3'" err_has "$3"
  check "bad $1: nothing sent" test "$(requests)" -eq "$before"
}
bad_line "json" '{"id":"x","prompt":' "JSON"
bad_line "missing id" '{"prompt":"p"}' "id"
bad_line "duplicate id" '{"id":"good","prompt":"p"}' "duplicate id"
bad_line "bad id" '{"id":"../x","prompt":"p"}' "id"
bad_line "ratio" '{"id":"y","prompt":"p","aspect_ratio":"7:5"}' "7:5"
bad_line "size" '{"id":"y","prompt":"p","image_size":"1k"}' "1k"
bad_line "missing ref" '{"id":"y","prompt":"p","refs":["nope.png"]}' "nope.png"
bad_line "unknown key" '{"id":"y","prompt":"p","aspect":"1:1"}' "aspect"
bad_line "out escapes" '{"id":"y","prompt":"p","out":"../up.png"}' "out"

# ---- a manifest that cannot be read stops the batch before any request -------
mkdir -p "$WORK/obadman/manifest.jsonl"
before=$(requests)
batch -o "$WORK/obadman" "$WORK/one.jsonl"
check "unreadable manifest: exit 1" rc_is 1
check "unreadable manifest: says so" err_has "manifest.jsonl"
check "unreadable manifest: nothing sent" test "$(requests)" -eq "$before"

# ---- --dry-run sends nothing ---------------------------------------------------
before=$(requests)
set +e
"$GEMFLOW" batch --dry-run -s 4K -o "$WORK/odry" "$WORK/p30.jsonl" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
check "dry-run: exit 0" rc_is 0
check "dry-run: nothing sent" test "$(requests)" -eq "$before"
check "dry-run: plan with 4K cost" grep -q 'plan: 30 items.*30 to generate.*4K 30.*\$7.200' "$WORK/out"
check "dry-run: no directory made" test ! -e "$WORK/odry"
set +e
"$GEMFLOW" batch --dry-run --shard 1/4 --rpm 120 -o "$WORK/odry" "$WORK/p30.jsonl" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
check "dry-run, shard: exit 0" rc_is 0
check "dry-run, shard: the share of --rpm" grep -qF "at most 30.0 requests a minute for this process (120 for the project over 4 shards)" "$WORK/out"
check "dry-run, shard: names the shard" grep -q "plan: 30 items in .*, shard 1/4: " "$WORK/out"

# ---- a second batch on a locked directory is refused ---------------------------
mkdir -p "$WORK/olock"
flock "$WORK/olock/.gemflow.lock" sleep 5 &
lockpid=$!
sleep 0.3
before=$(requests)
batch -o "$WORK/olock" "$WORK/one.jsonl"
check "lock: exit 2" rc_is 2
check "lock: clear error" err_has "another gemflow batch"
check "lock: nothing sent" test "$(requests)" -eq "$before"
kill "$lockpid" 2>/dev/null || true
wait "$lockpid" 2>/dev/null || true

# ---- --max-cost: items past the budget are not started --------------------
head -n 6 "$WORK/p300.jsonl" >"$WORK/p5.jsonl"
before=$(requests)
batch -j 1 --max-cost 0.3 --json -o "$WORK/ocost" "$WORK/p5.jsonl"
check "max-cost: exit 1" rc_is 1
check "max-cost: two requests" test "$(settled_lines $((before + 2)))" -eq $((before + 2))
check "max-cost: summary" py 'import json,sys
o=json.loads(open(sys.argv[1]).read())
sys.exit(0 if (o["ok"],o["not_started"],o["items"])==(2,3,5) else 1)' "$WORK/out"

# ---- stdin -------------------------------------------------------------------
set +e
"$GEMFLOW" batch --base-url "$URL" --ca-file "$CA" -o "$WORK/ostdin" - \
  <"$WORK/p5.jsonl" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
check "stdin: exit 0" rc_is 0
check "stdin: 5 ok" test "$(verify_dir "$WORK/ostdin" "$WORK/p5.jsonl")" = 5

# ---- a write error (file size limit): the item fails with io, nothing new
# starts, what is done stays valid --------------------------------------------
set +e
(trap '' XFSZ; ulimit -f 1024; exec "$GEMFLOW" batch --base-url "$URL" --ca-file "$CA" \
  -j 1 -o "$WORK/ofull" "$WORK/p5.jsonl") >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
check "write error: exit 1" rc_is 1
check "write error: one manifest line" test "$(wc -l <"$WORK/ofull/manifest.jsonl")" -eq 1
check "write error: io" test "$(man_field "$WORK/ofull" item-000 error.code)" = io
check "write error: the rest not started" err_has "4 not started"
check "write error: no temporary left" test -z "$(find "$WORK/ofull" -name '*.part')"

# ---- progress: one live line on a terminal, no escapes otherwise -----------
if command -v script >/dev/null; then
  py 'import sys
with open(sys.argv[1],"w") as f:
    for i in range(4):
        f.write("{\"id\":\"t%d\",\"prompt\":\"tty %d [[think:300]]\"}\n" % (i,i))' "$WORK/tty.jsonl"
  cmd="'$GEMFLOW' batch --base-url '$URL' --ca-file '$CA' -j 2 -o '$WORK/otty' '$WORK/tty.jsonl'"
  script -qec "$cmd" "$WORK/ts1" >/dev/null
  check "tty: live line with ETA" grep -q $'\r.*in flight (limit 2).*ETA' "$WORK/ts1"
  check "tty: clears with an escape" grep -q $'\033\[K' "$WORK/ts1"
  NO_COLOR=1 script -qec "$cmd --no-resume" "$WORK/ts2" >/dev/null
  check "NO_COLOR: live line" grep -q $'\r.*ETA' "$WORK/ts2"
  check "NO_COLOR: no escape codes" bash -c "! grep -q \$'\\033' '$WORK/ts2'"
  batch -j 2 --no-resume -o "$WORK/otty" "$WORK/tty.jsonl"
  check "not a tty: no escape codes" bash -c "! grep -q \$'\\033' '$WORK/err'"
  check "not a tty: no carriage returns" bash -c "! grep -q \$'\\r' '$WORK/err'"
else
  fail "script(1) is missing: the terminal progress line is not tested"
fi

finish
