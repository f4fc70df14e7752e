#pragma once
// Frame-parallel and sharded runs (docs/chip.md, "Frame-parallel runs and sharding"). SystemC
// allows one elaboration per process, so the workers are processes: the run's frames are split
// into N contiguous shards, shard i (frames [i*F/N, (i+1)*F/N) of the run's F) is simulated by
// `spiketlm run ... --shards N --shard i` into OUT/shards/<i>/, and the merge writes OUT/ as one
// process would have: counts summed, statistics merged, per-frame records and traces
// concatenated in frame order with each shard's cycles shifted by the cycles of the shards
// before it (every frame starts from the same reset state, so a frame's spikes and cycles do
// not depend on which process ran it).
//
// A shard directory holds config.effective.yaml, log.txt, the mode's files (spikes.spk,
// decisions.csv, activity.json) and, written last, shard.json (the completion marker: raw
// totals, full statistics, merge data, the shard's place in the run).
#include <chrono>
#include <cstddef>
#include <string>
#include <utility>

#include "apps/run_common.h"

namespace spiketlm::app {

// Frames [first, second) of a run of `frames` frames that shard i of n simulates.
std::pair<std::size_t, std::size_t> shard_range(std::size_t frames, std::size_t n, std::size_t i);
std::string shard_dir(const std::string& out, std::size_t i);  // OUT/shards/<i>

// How many worker processes run.threads asks for on `frames` frames: threads >= 1: that many
// (at most one per frame); 0 (all cores): one per core, but at most one per
// kAutoFramesPerWorker frames, so that short runs stay in one process.
constexpr std::size_t kAutoFramesPerWorker = 64;
std::size_t parallel_workers(const cfg::Config& config);

// The sharded paths of execute_run: --shard i (one shard here), --shards N --slurm (submit),
// --shards N (all shards as local processes, run.threads at a time, then merge) or, with
// `workers` > 0 and no shard option, a frame-parallel run in `workers` processes (merged, the
// shard directories removed). Bad shard options throw InputError.
void run_sharded(const RunOptions& opts, const RunMode& mode, const cfg::Config& config, std::size_t workers = 0);

// `spiketlm merge DIR`: merges the finished shards DIR/shards/<i>/ into DIR. Throws InputError
// (nothing written) when a shard is missing or unfinished or the shards come from different
// runs (configuration, shard count, frames).
void merge_run_dir(const std::string& dir);

// The mode whose shards `spiketlm merge` can merge (registered by its command file).
bool register_run_mode(const RunMode& mode);

}  // namespace spiketlm::app
