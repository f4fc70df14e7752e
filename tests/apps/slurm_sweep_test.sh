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
cli=$(realpath "${1:?usage: slurm_sweep_test.sh SPIKETLM_CLI}")
test_name=slurm_sweep_test
# shellcheck source=tests/apps/slurm_local.sh
. "$(dirname "$0")/slurm_local.sh"

[ -x "$cli" ] || fail "spiketlm program '$cli' not found"
slurm_local_start
write_test_model 3
src=$(cd "$(dirname "$0")/../.." && pwd)
cat >"$T/work/base.yaml" <<EOF
include: $src/configs/chips/yoso.yaml
chip:
  energy_table: $src/configs/energy/default-45nm.yaml
run:
  model: $T/work/model
  data_dir: $T/work/data
EOF
cat >"$T/work/sweep.yaml" <<EOF
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

# --- the sweep through Slurm -------------------------------------------------------------------
cd "$T/work" || fail "cd $T/work"
out=$("$cli" -q sweep sweep.yaml --out slurm --slurm 2>&1) || fail "sweep --slurm failed: $out"
log "$out"
job=$(sed -n 's/.* as Slurm job \([0-9]*\);.*/\1/p' <<<"$out")
[ -n "$job" ] || fail "no job id in: $out"
grep -q '^#SBATCH --array=0,1,2,3$' slurm/sweep.sbatch || fail "the script is not a 4-task array: $(cat slurm/sweep.sbatch)"
grep -q '^#SBATCH --time=00:05:00$' slurm/sweep.sbatch || fail "the script lacks the sweep file's time limit"
slurm_wait_array "$job" 4
"$cli" -q sweep collect slurm >/dev/null || fail "sweep collect failed"

# --- the same sweep locally: the CSVs must be identical --------------------------------------
"$cli" -q sweep sweep.yaml --out local --jobs 2 >/dev/null || fail "local sweep failed"
[ "$(grep -c ',ok,' slurm/results.csv)" = 4 ] || fail "not 4 ok points: $(cat slurm/results.csv)"
diff -u local/results.csv slurm/results.csv >&2 || fail "results.csv of the Slurm sweep differs from the local one"
log "OK: 4-task array $job completed; results.csv equals the local sweep's"
exit 0
