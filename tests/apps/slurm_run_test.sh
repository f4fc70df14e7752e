#!/usr/bin/env bash
# `spiketlm run --shards N --slurm` and `spiketlm merge` against a real single-node Slurm (issue
# 13, acceptance 4): starts a private Slurm (slurm_local.sh), submits 12 frames of a tiny
# generated model as a 3-task job array (one shard per task), waits, checks every task
# COMPLETED, merges, and checks that the merged run equals the same frames run in one local
# process: report.json with the timing fields removed, stats.csv, decisions.csv and spikes.spk
# identical byte for byte. Stops the daemons and deletes the state.
# Usage: slurm_run_test.sh SPIKETLM_CLI
# Exit: 0 = ok, 77 = Slurm cannot be started here (ctest reports SKIPPED, with the reason on
#       stderr), 1 = failure.
cli=$(realpath "${1:?usage: slurm_run_test.sh SPIKETLM_CLI}")
test_name=slurm_run_test
# shellcheck source=tests/apps/slurm_local.sh
. "$(dirname "$0")/slurm_local.sh"

[ -x "$cli" ] || fail "spiketlm program '$cli' not found"
slurm_local_start
write_test_model 4
src=$(cd "$(dirname "$0")/../.." && pwd)
cat >"$T/work/run.yaml" <<EOF
include: $src/configs/chips/yoso.yaml
chip:
  energy_table: $src/configs/energy/default-45nm.yaml
run:
  name: slurmtest
  model: model
  data_dir: data
  frames: 12
EOF

# --- the shards through Slurm, then the merge --------------------------------------------------
cd "$T/work" || fail "cd $T/work"
out=$("$cli" -q run --config run.yaml --out slurm --shards 3 --slurm 2>&1) || fail "run --shards 3 --slurm failed: $out"
log "$out"
job=$(sed -n 's/.* as Slurm job \([0-9]*\);.*/\1/p' <<<"$out")
[ -n "$job" ] || fail "no job id in: $out"
grep -q '^#SBATCH --array=0-2$' slurm/shards/run.sbatch || fail "the script is not a 3-task array: $(cat slurm/shards/run.sbatch)"
slurm_wait_array "$job" 3
for i in 0 1 2; do [ -f "slurm/shards/$i/shard.json" ] || fail "shard $i has no shard.json"; done
[ ! -e slurm/report.json ] || fail "report.json exists before the merge"
"$cli" -q merge slurm >/dev/null || fail "spiketlm merge slurm failed: $("$cli" -q merge slurm 2>&1)"

# --- the same frames in one local process: identical outputs -----------------------------------
"$cli" -q run --config run.yaml --out local --threads 1 >/dev/null || fail "local run failed"
for f in stats.csv decisions.csv spikes.spk; do
    cmp "local/$f" "slurm/$f" >&2 || fail "$f of the merged Slurm run differs from the local run's"
done
/usr/bin/python3 - local/report.json slurm/report.json <<'PY' || fail "report.json of the merged Slurm run differs from the local run's (timing fields aside)"
import json, sys
timing = {"sim_wall_s", "sim_frames_per_s", "sim_events_per_s"}  # sw/report timing_fields()
a, b = ({k: v for k, v in json.load(open(p)).items() if k not in timing} for p in sys.argv[1:3])
for k in sorted(set(a) | set(b)):
    if a.get(k) != b.get(k):
        print(f"  {k}: local {a.get(k)!r}, slurm {b.get(k)!r}", file=sys.stderr)
sys.exit(a != b or a.get("frames") != 12)
PY
log "OK: 3-task array $job completed; the merged report, stats, decisions and spike trace equal the local run's"
exit 0
