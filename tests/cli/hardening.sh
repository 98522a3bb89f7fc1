#!/usr/bin/env bash
# Process hardening (src/cli/harden.c): a running gemflow has a core file
# size limit of 0, soft and hard, though started with cores allowed, and is
# not dumpable: a reader of the same user without CAP_SYS_PTRACE cannot
# resolve its /proc/<pid>/exe, while it can a plain process's (the kernel's
# ptrace check in read mode, which Yama leaves alone; run without the
# capability in every process, or root's full set alone would refuse it).
# The run itself still succeeds.
set -euo pipefail
# CAP_SYS_PTRACE reads any process: run without it (root drops it here).
has_ptrace_cap() {
  local eff
  eff=$(awk '/^CapEff:/ {print $2}' /proc/self/status)
  (((16#$eff >> 19) & 1)) # CAP_SYS_PTRACE is capability 19
}
if has_ptrace_cap && [[ -z ${GF_HARDENING_REEXEC:-} ]] && command -v setpriv >/dev/null; then
  GF_HARDENING_REEXEC=1 exec setpriv --bounding-set=-sys_ptrace \
    --inh-caps=-sys_ptrace -- bash "$0" "$@"
fi
. "$(dirname "$0")/lib.bash" "$@"

GF_PID=
SLEEP_PID=
stop() { # stop PID: ends a process this script started, if still there
  [[ -n $1 ]] || return 0
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
trap 'stop "$GF_PID"; stop "$SLEEP_PID"; cleanup' EXIT

# Cores allowed for what is started from here, or the check shows nothing.
ulimit -S -c "$(ulimit -H -c)"
[[ $(ulimit -c) != 0 ]] || echo "note: the hard core limit is 0 here; the limit check is weak"

core_limit() { awk '/^Max core file size/ {print $5, $6}' "/proc/$1/limits" 2>/dev/null; }

start_sim
printf '{"id":"slow","prompt":"a slow lamp [[think:3000]]"}\n' >"$WORK/in.jsonl"
"$GEMFLOW" batch --base-url "$URL" --ca-file "$CA" -o "$WORK/o" --quiet \
  "$WORK/in.jsonl" >"$WORK/out" 2>"$WORK/err" &
GF_PID=$!
sleep 30 &
SLEEP_PID=$!

# gf__harden_process runs first thing in main: wait (bounded) for it.
limit=
for _i in $(seq 100); do
  limit=$(core_limit "$GF_PID")
  [[ $limit == "0 0" ]] && break
  kill -0 "$GF_PID" 2>/dev/null || break
  sleep 0.05
done
check "core limit 0 0 in a running gemflow (got '$limit')" test "$limit" = "0 0"
if has_ptrace_cap; then
  echo "note: CAP_SYS_PTRACE could not be dropped; dumpable not checked"
else
  check "control: a plain process's /proc/PID/exe resolves" \
    bash -c "readlink /proc/$SLEEP_PID/exe >/dev/null"
  check "gemflow is not dumpable: its /proc/PID/exe does not" \
    bash -c "! readlink /proc/$GF_PID/exe 2>/dev/null"
fi
check "gemflow still running during the checks" kill -0 "$GF_PID"
stop "$SLEEP_PID"; SLEEP_PID=

set +e
for _i in $(seq 600); do
  kill -0 "$GF_PID" 2>/dev/null || break
  sleep 0.1
done
wait "$GF_PID"
RC=$? # read by rc_is (lib.bash)
set -e
GF_PID=
check "the run succeeds: exit 0" rc_is 0
check "the run succeeds: image written" test -s "$WORK/o/slow.png"
check "key never printed" no_key_printed
finish
