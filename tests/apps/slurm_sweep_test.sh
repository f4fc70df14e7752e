#!/usr/bin/env bash
# `spiketlm sweep --slurm` against a real single-node Slurm (issue 12, acceptance 2): starts a
# private munged + slurmctld + slurmd on localhost (everything in one mktemp -d folder, nothing
# under /etc; recipe: /work/shared/TOOLCHAIN.md and slurm-local-check), submits a 4-task job
# array sweep of a tiny generated model, waits, checks every task COMPLETED, collects, and checks
# that results.csv equals the same sweep run locally with --jobs 2 (the CSV has no wall-time
# columns, so the files must be identical byte for byte). Stops the daemons and deletes the state.
# Usage: slurm_sweep_test.sh SPIKETLM_CLI
# Exit: 0 = ok, 77 = Slurm cannot be started here (ctest reports SKIPPED, with the reason on
#       stderr), 1 = failure.
set -u
cli=$(realpath "${1:?usage: slurm_sweep_test.sh SPIKETLM_CLI}")
timeout_s=${SLURM_LOCAL_TIMEOUT:-60}
me=$(id -un)
T=""
pids=()

log() { echo "slurm_sweep_test: $*" >&2; }
show_logs() {
    [ -n "$T" ] || return 0
    local f
    for f in "$T"/log/*.out "$T"/log/*.log "$T"/sw/slurm/logs/slurm-*.out; do
        [ -s "$f" ] && { echo "--- ${f#"$T"/} (tail)" >&2; tail -n 15 "$f" >&2; }
    done
}
# shellcheck disable=SC2317  # invoked through trap
cleanup() {
    local rc=$? i p n
    trap - EXIT INT TERM
    if [ -n "$T" ] && [ -f "$T/slurm.conf" ] && [ ${#pids[@]} -gt 0 ]; then
        SLURM_CONF="$T/slurm.conf" scancel --user="$me" >/dev/null 2>&1
    fi
    for (( i=${#pids[@]}-1; i>=0; i-- )); do
        p=${pids[i]}
        kill -TERM "$p" 2>/dev/null || continue
        for (( n=0; n<100; n++ )); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$p" 2>/dev/null && kill -KILL "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    cd / || true
    if [ -n "$T" ]; then
        if [ "${SLURM_LOCAL_KEEP:-0}" = 1 ]; then log "kept $T"; else rm -rf "$T"; fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
skip() { log "SKIPPED: $*"; show_logs; exit 77; }
fail() { log "FAIL: $*"; show_logs; exit 1; }

[ -x "$cli" ] || fail "spiketlm program '$cli' not found"
for c in munged munge unmunge slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
    command -v "$c" >/dev/null 2>&1 || skip "'$c' not found (apt-get install -y --no-install-recommends slurm-wlm munge; scripts/setup-deps.sh does it)"
done
fmnist=/usr/share/datasets/fashion-mnist
[ -f "$fmnist/t10k-images-idx3-ubyte.gz" ] || fail "$fmnist missing: install dataset-fashion-mnist (make data)"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
ctld_port=""
for (( n=0; n<50; n++ )); do
    p=$(( 20000 + RANDOM % 30000 ))
    if port_free "$p" && port_free $(( p + 1 )); then ctld_port=$p; break; fi
done
[ -n "$ctld_port" ] || skip "no free TCP port pair found on 127.0.0.1"
slurmd_port=$(( ctld_port + 1 ))

T=$(mktemp -d) || skip "mktemp -d failed"
chmod 755 "$T"   # munged insists that every folder above its socket is o+x
mkdir -p "$T/munge" "$T/run" "$T/state" "$T/spool" "$T/log" "$T/sw/model" "$T/sw/data"
chmod 700 "$T/munge"; chmod 755 "$T/run"

# --- the sweep: a tiny random 784-40-10 LIF model (rate code), 4 points x 3 frames ----------------
/usr/bin/python3 - "$T/sw/model" <<'PY' || fail "cannot write the test model (Debian python3-numpy for /usr/bin/python3)"
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(3)
np.savez(d + "/weights.npz", **{"layer0.weight": rng.integers(-20, 40, (40, 784)).astype(np.int8),
                                "layer1.weight": rng.integers(-30, 60, (10, 40)).astype(np.int8)})
lif = "{kind: lif, theta: 600, decay_i: 3000, decay_v: 3800}"
open(d + "/model.yaml", "w").write(f"""schema_version: 1
inputs: 784
timesteps: 24
decode: count
encoding: {{kind: rate, steps: 16, rate_max: 0.3}}
layers:
  - {{name: fc1, in: 784, out: 40, weight_bits: 8, neuron: {lif}}}
  - {{name: fc2, in: 40, out: 10, weight_bits: 8, neuron: {lif}}}
""")
PY
ln -s "$fmnist" "$T/sw/data/fashion-mnist"
src=$(cd "$(dirname "$0")/../.." && pwd)
cat >"$T/sw/base.yaml" <<EOF
include: $src/configs/chips/yoso.yaml
chip:
  energy_table: $src/configs/energy/default-45nm.yaml
run:
  model: $T/sw/model
  data_dir: $T/sw/data
EOF
cat >"$T/sw/sweep.yaml" <<EOF
base: base.yaml
seed: 3
frames: 3
grid:
  chip.pe.lanes: [2, 8]
  chip.noc.router_pipeline: [1, 3]
slurm:
  time: "00:05:00"
  cpus_per_task: 1
EOF

# --- munge and Slurm ---------------------------------------------------------------------------
dd if=/dev/urandom of="$T/munge/munge.key" bs=1024 count=1 status=none || skip "cannot write munge key"
chmod 400 "$T/munge/munge.key"
sock="$T/run/munge.sock"
munged -F --key-file="$T/munge/munge.key" --socket="$sock" --pid-file="$T/run/munged.pid" \
    --log-file="$T/log/munged.log" --seed-file="$T/munge/munged.seed" >"$T/log/munged.out" 2>&1 &
pids+=($!)
for (( n=0; n<50; n++ )); do [ -S "$sock" ] && break; sleep 0.1; done
munge -n -S "$sock" 2>/dev/null | unmunge -S "$sock" >/dev/null 2>&1 || skip "munged did not start"

hw=$(env -u SLURM_CONF slurmd -C 2>/dev/null | sed -n 's/^NodeName=[^ ]* //p' | head -n 1)
[ -n "$hw" ] || hw="CPUs=$(nproc)"
cat >"$T/slurm.conf" <<EOF
ClusterName=sweeptest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=$me
SlurmdUser=$me
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/run/slurmctld.pid
SlurmdPidFile=$T/run/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/builtin
SchedulerParameters=batch_sched_delay=0
MailProg=/bin/true
MpiDefault=none
SwitchType=switch/none
ReturnToService=2
NodeName=localhost NodeAddr=127.0.0.1 $hw State=UNKNOWN
PartitionName=local Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
export SLURM_CONF="$T/slurm.conf"
slurmctld -D -i >"$T/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -N localhost >"$T/log/slurmd.out" 2>&1 &
pids+=($!)
state=""
deadline=$(( $(date +%s) + timeout_s ))
while [ "$(date +%s)" -lt "$deadline" ]; do
    for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null || skip "a Slurm daemon exited during startup"; done
    state=$(sinfo -h -n localhost -o %T 2>/dev/null)
    [ "$state" = idle ] && break
    sleep 0.2
done
[ "$state" = idle ] || skip "node not idle after ${timeout_s} s (state '${state:-no answer}'; $(sinfo -h -R 2>/dev/null))"
log "Slurm up"

# --- the sweep through Slurm -------------------------------------------------------------------
cd "$T/sw" || fail "cd $T/sw"
out=$("$cli" -q sweep sweep.yaml --out slurm --slurm 2>&1) || fail "sweep --slurm failed: $out"
log "$out"
job=$(sed -n 's/.* as Slurm job \([0-9]*\);.*/\1/p' <<<"$out")
[ -n "$job" ] || fail "no job id in: $out"
grep -q '^#SBATCH --array=0,1,2,3$' slurm/sweep.sbatch || fail "the script is not a 4-task array: $(cat slurm/sweep.sbatch)"
grep -q '^#SBATCH --time=00:05:00$' slurm/sweep.sbatch || fail "the script lacks the sweep file's time limit"
deadline=$(( $(date +%s) + timeout_s ))
while [ -n "$(squeue -h -o %i 2>/dev/null)" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || fail "job array $job not done after ${timeout_s} s: $(squeue -h 2>&1)"
    sleep 0.2
done
states=$(scontrol -o show job "$job" 2>&1)
ok=1
for i in 0 1 2 3; do
    line=$(grep -E "ArrayTaskId=$i( |$)" <<<"$states")
    if ! grep -q 'JobState=COMPLETED' <<<"$line" || ! grep -q 'ExitCode=0:0' <<<"$line"; then
        log "task $i: ${line:-no record}"; ok=0
    fi
done
[ "$ok" = 1 ] || fail "job array $job: not every task completed"
"$cli" -q sweep collect slurm >/dev/null || fail "sweep collect failed"

# --- the same sweep locally: the CSVs must be identical --------------------------------------
"$cli" -q sweep sweep.yaml --out local --jobs 2 >/dev/null || fail "local sweep failed"
[ "$(grep -c ',ok,' slurm/results.csv)" = 4 ] || fail "not 4 ok points: $(cat slurm/results.csv)"
diff -u local/results.csv slurm/results.csv >&2 || fail "results.csv of the Slurm sweep differs from the local one"
log "OK: 4-task array $job completed; results.csv equals the local sweep's"
exit 0
