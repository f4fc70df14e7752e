#pragma once
// Chrome trace-event JSON ({"traceEvents": [...]}) of recorded chip activity, for
// ui.perfetto.dev and chrome://tracing. ts and dur in microseconds: cycle / clock_mhz.
// Process 0 "chip" (threads "frame", "timestep", "barrier"); process n + 1 "tile (x,y)" for mesh
// node n (threads "PE LOAD", "PE COMPUTE", "update", "occupancy", "NI" and, when packets from one
// tile overlap in time, "NI 2", "NI 3", ...). One event per line, metadata first, then chip,
// packets, PE stages, counters (not sorted by time; the viewers do not need it): X (complete) for
// every interval and packet, i (instant) at each step start, C (counter) for FIFO and
// injection-queue occupancy, M (metadata) naming and ordering processes and threads.
// docs/traces.md lists every event.
#include <iosfwd>
#include <string>

#include "traces/activity.h"

namespace spiketlm::traces {

void write_perfetto(const Activity& a, std::ostream& os);  // streams; nothing is built in memory
std::string perfetto_json(const Activity& a);
// Streams into `path` through a temporary file and a rename (a trace.json that exists is complete).
void write_perfetto_file(const Activity& a, const std::string& path);

}  // namespace spiketlm::traces
