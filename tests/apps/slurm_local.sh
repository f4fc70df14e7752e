# Shared by the Slurm tests (slurm_sweep_test.sh, slurm_run_test.sh); source it, do not run it.
# A private single-node Slurm on localhost: munged + slurmctld + slurmd, everything in one
# mktemp -d folder $T, nothing under /etc (recipe: /work/shared/TOOLCHAIN.md and
# slurm-local-check). Set `test_name` before sourcing (log prefix). Provides log, skip (exit 77:
# ctest reports SKIPPED, with the reason on stderr), fail (exit 1), slurm_local_start (makes $T
# with $T/work for the test's files, starts the daemons, exports SLURM_CONF; skips when Slurm
# cannot start here) and slurm_wait_array JOB N (waits, checks every task COMPLETED with exit
# 0). The EXIT trap stops the daemons and deletes $T (SLURM_LOCAL_KEEP=1 keeps it).
set -u
timeout_s=${SLURM_LOCAL_TIMEOUT:-60}
me=$(id -un)
T=""
pids=()

log() { echo "${test_name}: $*" >&2; }
show_logs() {
    [ -n "$T" ] || return 0
    local f
    while IFS= read -r f; do
        [ -s "$f" ] && { echo "--- ${f#"$T"/} (tail)" >&2; tail -n 15 "$f" >&2; }
    done < <(find "$T/log" "$T/work" -name '*.out' -o -name '*.log' -o -name 'stderr.txt' 2>/dev/null | sort)
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

slurm_local_start() {
    local c n p state deadline hw sock ctld_port="" slurmd_port
    for c in munged munge unmunge slurmctld slurmd sbatch squeue sinfo scontrol scancel; do
        command -v "$c" >/dev/null 2>&1 || skip "'$c' not found (apt-get install -y --no-install-recommends slurm-wlm munge; scripts/setup-deps.sh does it)"
    done
    port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
    for (( n=0; n<50; n++ )); do
        p=$(( 20000 + RANDOM % 30000 ))
        if port_free "$p" && port_free $(( p + 1 )); then ctld_port=$p; break; fi
    done
    [ -n "$ctld_port" ] || skip "no free TCP port pair found on 127.0.0.1"
    slurmd_port=$(( ctld_port + 1 ))

    T=$(mktemp -d) || skip "mktemp -d failed"
    chmod 755 "$T"   # munged insists that every folder above its socket is o+x
    mkdir -p "$T/munge" "$T/run" "$T/state" "$T/spool" "$T/log" "$T/work"
    chmod 700 "$T/munge"; chmod 755 "$T/run"

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
ClusterName=spiketlmtest
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
}

# slurm_wait_array JOB N: waits until the queue is empty, then checks tasks 0..N-1 of JOB.
slurm_wait_array() {
    local job=$1 n=$2 deadline states ok=1 i line
    deadline=$(( $(date +%s) + timeout_s ))
    while [ -n "$(squeue -h -o %i 2>/dev/null)" ]; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "job array $job not done after ${timeout_s} s: $(squeue -h 2>&1)"
        sleep 0.2
    done
    states=$(scontrol -o show job "$job" 2>&1)
    for (( i=0; i<n; i++ )); do
        line=$(grep -E "ArrayTaskId=$i( |$)" <<<"$states")
        if ! grep -q 'JobState=COMPLETED' <<<"$line" || ! grep -q 'ExitCode=0:0' <<<"$line"; then
            log "task $i: ${line:-no record}"; ok=0
        fi
    done
    [ "$ok" = 1 ] || fail "job array $job: not every task completed"
}

# The tests' tiny random 784-40-10 LIF model (rate code) in $T/work/model, drawn with NumPy seed
# $1, and Fashion-MNIST (the Debian package) linked into $T/work/data.
write_test_model() {
    local fmnist=/usr/share/datasets/fashion-mnist
    [ -f "$fmnist/t10k-images-idx3-ubyte.gz" ] || fail "$fmnist missing: install dataset-fashion-mnist (make data)"
    mkdir -p "$T/work/model" "$T/work/data"
    /usr/bin/python3 - "$T/work/model" "$1" <<'PY' || fail "cannot write the test model (Debian python3-numpy for /usr/bin/python3)"
import sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(int(sys.argv[2]))
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
    ln -s "$fmnist" "$T/work/data/fashion-mnist"
}
