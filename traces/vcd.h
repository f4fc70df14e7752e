#pragma once
// VCD (IEEE 1364 value change dump) of recorded chip activity, for GTKWave and the like.
// Time unit 1 ps; a chip cycle c is at time round(c * 1e6 / clock_mhz) (the chip's clock period
// in ps; the header's $comment states it). Signals (docs/traces.md): chip.frame, chip.step,
// chip.barrier; per tile `tile_X_Y`: load, compute, update, reset (1 = busy in that cycle),
// input_fifo, injection_queue (occupancy in that cycle), as the recorded scopes allow.
#include <string>

#include "traces/activity.h"

namespace spiketlm::traces {

std::string vcd_text(const Activity& a);

}  // namespace spiketlm::traces
