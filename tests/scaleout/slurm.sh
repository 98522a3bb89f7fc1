#!/usr/bin/env bash
# Scale-out on a real Slurm cluster: a single-node cluster from Debian's
# packages (munged, slurmctld, slurmd, on loopback, everything under one
# temporary directory) runs examples/slurm/gemflow-array.sbatch as a job
# array of 3 against one gemflow-sim, into one shared output directory.
# Checks: every id once, ok, byte-exact (gemflow-sim --render), each in
# the manifest of the shard its hash names, requested exactly once, the
# merged totals; then an scancel (SIGTERM) of one task mid-run and a
# re-submit that requests nothing finished again.
#
#   bash tests/scaleout/slurm.sh GEMFLOW GEMFLOW-SIM SOURCE-DIR
#
# Needs root and the packages slurmctld slurmd slurm-client munge; fails,
# saying why, where they are missing or the daemons cannot start.
set -euo pipefail
. "$(dirname "$0")/lib.bash" "$@"
T0=$(date +%s.%N)
JOB_SCRIPT=$SRC/examples/slurm/gemflow-array.sbatch
NODE=$(hostname -s)
C=$WORK/cluster
MUNGED_PID='' CTLD_PID='' SLURMD_PID=''
JOBS=()

die() {
  echo "FAIL: $*" >&2
  exit 1
}
tail_logs() {
  local f
  for f in "$C"/log/*; do
    [[ -s $f ]] && { echo "--- $f:" >&2; tail -n 15 "$f" >&2; }
  done
  return 0
}

# ---- the cluster ------------------------------------------------------------
need_tools() {
  local missing=() t
  for t in munged mungekey munge unmunge slurmctld slurmd sbatch sinfo squeue \
    scancel scontrol; do
    command -v "$t" >/dev/null || missing+=("$t")
  done
  ((${#missing[@]} == 0)) ||
    die "missing ${missing[*]}: apt-get install -y slurmctld slurmd slurm-client munge"
  [[ $(id -u) == 0 ]] || die "slurmd must run as root (this is uid $(id -u))"
}

# Two free TCP ports on loopback, far from Slurm's defaults (6817, 6818).
free_ports() {
  python3 -c 'import socket
ss=[socket.socket() for _ in range(2)]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))'
}

# Waits at most $1 s for the command after it to succeed, while the pid $2
# lives. 0, or 1 on timeout or death.
wait_for() {
  local secs=$1 pid=$2 _i
  shift 2
  for _i in $(seq $((secs * 10))); do
    "$@" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

start_munge() {
  # munged insists that the socket's directory be searchable by all and
  # the key's directory private.
  chmod 755 "$WORK" "$C"
  mkdir -m 755 "$C/run"
  mkdir -m 700 "$C/munge"
  mungekey_out=$(mungekey -c -k "$C/munge/munge.key" 2>&1) ||
    die "mungekey failed: $mungekey_out"
  munged -F --key-file="$C/munge/munge.key" --socket="$C/run/munge.sock" \
    --pid-file="$C/run/munged.pid" --log-file="$C/log/munged.log" \
    --seed-file="$C/munge/munged.seed" >"$C/log/munged.out" 2>&1 &
  MUNGED_PID=$!
  munge_ok() { munge -n -S "$C/run/munge.sock" | unmunge -S "$C/run/munge.sock"; }
  wait_for 10 "$MUNGED_PID" munge_ok || { tail_logs; die "munged did not start"; }
}

write_conf() {
  local ports mem
  read -r -a ports < <(free_ports)
  # Room for the job script's --mem=1G per task; slurmd drains a node that
  # claims more than it has.
  mem=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 3 / 4 / 1024))
  cat >"$CONF" <<EOF
ClusterName=gemflowtest
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=${ports[0]}
SlurmdPort=${ports[1]}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$C/run/munge.sock
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
MpiDefault=none
MailProg=/bin/true
StateSaveLocation=$C/state
SlurmdSpoolDir=$C/spool
SlurmctldPidFile=$C/run/slurmctld.pid
SlurmdPidFile=$C/run/slurmd.pid
SlurmctldLogFile=$C/log/slurmctld.log
SlurmdLogFile=$C/log/slurmd.log
ReturnToService=2
KillWait=5
MinJobAge=600
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=gemflow Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
}

node_idle() { [[ $(sinfo -h -n "$NODE" -o %t) == idle ]]; }

start_cluster() {
  need_tools
  mkdir -p "$C/state" "$C/spool" "$C/log"
  start_munge
  CONF=$C/slurm.conf
  write_conf
  export SLURM_CONF=$CONF
  slurmctld -D -f "$CONF" >"$C/log/slurmctld.out" 2>&1 &
  CTLD_PID=$!
  slurmd -D -f "$CONF" >"$C/log/slurmd.out" 2>&1 &
  SLURMD_PID=$!
  if ! wait_for 30 "$CTLD_PID" node_idle || ! kill -0 "$SLURMD_PID" 2>/dev/null; then
    tail_logs
    sinfo >&2 || true
    die "the Slurm node did not come up idle (slurmctld and slurmd above)"
  fi
  pass "cluster: munged, slurmctld, slurmd up; sinfo: $NODE idle"
}

# Stops what this test started, by the pids it recorded: the jobs first
# (their gemflow processes run under slurmstepd, not under this shell).
stop_pid() {
  local pid=$1 _i
  [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
stop_cluster() {
  if ((${#JOBS[@]})) && [[ -n $CTLD_PID ]] && kill -0 "$CTLD_PID" 2>/dev/null; then
    scancel "${JOBS[@]}" 2>/dev/null || true
    local _i
    for _i in $(seq 100); do
      [[ -z $(squeue -h -o %i 2>/dev/null) ]] && break
      sleep 0.1
    done
  fi
  stop_pid "$SLURMD_PID"
  stop_pid "$CTLD_PID"
  stop_pid "$MUNGED_PID"
}
trap 'stop_cluster; cleanup' EXIT
trap 'exit 130' INT TERM

# ---- jobs -------------------------------------------------------------------
# submit OUT INPUT [gemflow options]: sbatch --array=0-2 of the example job
# script; prints the job id. The key goes by file (the script's
# GEMFLOW_KEY_FILE), not through Slurm's copy of the environment.
submit() {
  local out=$1 input=$2
  shift 2
  env -u GEMFLOW_API_KEY PATH="$WORK/bin:$PATH" OUT="$out" INPUT="$input" \
    RPM=60000 GEMFLOW_KEY_FILE="$WORK/key" \
    sbatch --parsable --array=0-2 --chdir="$WORK" \
    --output="$WORK/logs/%A_%a.log" "$JOB_SCRIPT" \
    --base-url "$URL" --ca-file "$CA" "$@"
}

# wait_job JOBID SECS: until no task of the array is pending or running.
wait_job() {
  local _i
  for _i in $(seq $(($2 * 5))); do
    [[ -z $(squeue -h -j "$1" -o %i 2>/dev/null) ]] && return 0
    sleep 0.2
  done
  squeue >&2 || true
  return 1
}

# states JOBID: "TASK STATE EXITCODE" for each task of the array, sorted.
states() {
  scontrol -o show job "$1" | sed -n \
    's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*ExitCode=\([0-9:]*\).*/\1 \2 \3/p' |
    sort -n
}

# ---- the run ----------------------------------------------------------------
start_cluster
start_sim
mkdir -p "$WORK/bin" "$WORK/logs"
ln -s "$GEMFLOW" "$WORK/bin/gemflow"
(umask 077 && printf '%s\n' "$KEY" >"$WORK/key")

# One array of 3 into one directory.
make_items "$WORK/a.jsonl" slurm 24
expect "$WORK/a.jsonl" "$WORK/a.sha"
from=$(log_lines)
job=$(submit "$WORK/out-a" "$WORK/a.jsonl" -j 8) || die "sbatch refused the job script"
JOBS+=("$job")
wait_job "$job" 60 || die "the array did not finish within 60 s"
check "array: 3 tasks completed, exit 0" test "$(states "$job")" = \
  "$(printf '0 COMPLETED 0:0\n1 COMPLETED 0:0\n2 COMPLETED 0:0')"
for k in 0 1 2; do
  check "array: task $k ran shard $k/3" grep -q \
    "^plan: 24 items in .*, shard $k/3: " "$WORK/logs/${job}_$k.log"
  check "array: task $k's share of the budget" grep -qF \
    "at most 20000.0 requests a minute for this process (60000 for the project over 3 shards)" \
    "$WORK/logs/${job}_$k.log"
done
wait_log $((from + 24))
merge_dir "$WORK/out-a"
check "array: merge-manifests exit 0" rc_is 0
echo "merged: $(cat "$WORK/out")"
check "array: every id once, ok, byte-exact, in its shard, requested once; totals" \
  verify_shared "$WORK/out-a" "$WORK/a.jsonl" 3 "$WORK/a.sha" "$from" fresh
check "array: key in no job log, manifest, or Slurm state or log" bash -c \
  "! grep -rqF -- '$KEY' '$WORK/logs' '$WORK/out-a' '$C/log' '$C/state'"

# An scancel mid-run (SIGTERM to the task), then the same array again.
make_items "$WORK/b.jsonl" resume 24 "[[think:300]]"
expect "$WORK/b.jsonl" "$WORK/b.sha"
from=$(log_lines)
job=$(submit "$WORK/out-b" "$WORK/b.jsonl" -j 1) || die "sbatch refused the job script"
JOBS+=("$job")
# Task 0 starts at once (the node has a CPU per task, two at least); it
# is canceled once two of its items are done.
man0=$WORK/out-b/manifest.0-of-3.jsonl
two_done() { [[ $(grep -c '"status":"ok"' "$man0" 2>/dev/null) -ge 2 ]]; }
for _i in $(seq 300); do two_done && break; sleep 0.1; done
two_done || die "task 0 finished no two items within 30 s"
scancel "${job}_0"
wait_job "$job" 90 || die "the array did not finish within 90 s"
st=$(states "$job")
check "scancel: task 0 canceled, gemflow's own exit (130) on SIGTERM" \
  test "$(sed -n 1p <<<"$st")" = "0 CANCELLED 130:0"
check "scancel: tasks 1 and 2 completed" test "$(sed -n '2,3p' <<<"$st")" = \
  "$(printf '1 COMPLETED 0:0\n2 COMPLETED 0:0')"
check "scancel: the task recorded its in-flight item as canceled" \
  grep -q '"code":"canceled"' "$man0"
settle_log >/dev/null
ok_ids "$WORK/out-b" >"$WORK/b.done"
check "scancel: some but not all 24 done" test "$(wc -l <"$WORK/b.done")" -gt 2 -a \
  "$(wc -l <"$WORK/b.done")" -lt 24
from=$(log_lines)
job=$(submit "$WORK/out-b" "$WORK/b.jsonl" -j 4) || die "sbatch refused the job script"
JOBS+=("$job")
wait_job "$job" 60 || die "the re-submitted array did not finish within 60 s"
check "re-submit: 3 tasks completed, exit 0" test "$(states "$job")" = \
  "$(printf '0 COMPLETED 0:0\n1 COMPLETED 0:0\n2 COMPLETED 0:0')"
wait_log $((from + 24 - $(wc -l <"$WORK/b.done")))
merge_dir "$WORK/out-b"
check "re-submit: merge-manifests exit 0" rc_is 0
echo "merged after re-submit: $(cat "$WORK/out")"
check "re-submit: nothing finished requested again, the rest once; byte-exact" \
  verify_shared "$WORK/out-b" "$WORK/b.jsonl" 3 "$WORK/b.sha" "$from" "resume:$WORK/b.done"

echo "slurm scale-out: $(python3 -c 'import sys; print("%.1f" % (float(sys.argv[2]) - float(sys.argv[1])))' "$T0" "$(date +%s.%N)") s wall"
((FAILS)) && tail_logs
finish
