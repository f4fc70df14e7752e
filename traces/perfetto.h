#pragma once
// Chrome trace-event JSON ({"traceEvents": [...]}) of recorded chip activity, for
// ui.perfetto.dev and chrome://tracing. ts and dur in microseconds: cycle / clock_mhz.
// Process 0 "chip" (threads "frame", "timestep", "barrier"); process n + 1 "tile (x,y)" for mesh
// node n (threads "PE LOAD", "PE COMPUTE", "update", "NI" and, when packets from one tile overlap
// in time, "NI 2", "NI 3", ...). Events: X (complete) for every interval and packet, i (instant)
// at each step start, C (counter) for FIFO and injection-queue occupancy, M (metadata) naming
// processes and threads. docs/traces.md lists every event.
#include <string>

#include "traces/activity.h"

namespace spiketlm::traces {

std::string perfetto_json(const Activity& a);

}  // namespace spiketlm::traces
