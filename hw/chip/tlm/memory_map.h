#pragma once
// The chip's TLM-2.0 memory map (docs/tlm.md): byte addresses on the target socket of
// chip::tlm::ChipTarget, shared by the target and the host driver. Little-endian 32-bit words.
#include <cstdint>

namespace spiketlm::chip::tlm_map {

// --- control and status block (32-bit registers, one word per access) ---
constexpr std::uint64_t kId = 0x000;              // RO  0x53544C4D ("STLM")
constexpr std::uint64_t kCtrl = 0x004;            // WO  bit0 start, bit1 irq ack, bit2 clear error, bit3 clear input queue
constexpr std::uint64_t kStatus = 0x008;          // RO  bits[1:0] state (0 idle, 1 running, 2 done), bit8 irq
constexpr std::uint64_t kError = 0x00C;           // RO  last error code (kErr*), sticky until ctrl bit2
constexpr std::uint64_t kFrameCount = 0x010;      // RO  frames completed
constexpr std::uint64_t kFrameIndex = 0x014;      // RW  index of the next frame (keys stochastic noise)
constexpr std::uint64_t kInputCount = 0x018;      // RO  input spikes queued for the next frame
constexpr std::uint64_t kDecision = 0x020;        // RO  decision of the last frame (int32, -1: none)
constexpr std::uint64_t kFirstOutputStep = 0x024; // RO  step of its first output spike (int32, -1: none)
constexpr std::uint64_t kSteps = 0x028;           // RO  timesteps simulated in the last frame
constexpr std::uint64_t kCyclesLo = 0x02C;        // RO  cycles of the last frame, low word
constexpr std::uint64_t kCyclesHi = 0x030;        // RO  high word
constexpr std::uint64_t kOutSpikeCount = 0x034;   // RO  output-layer spikes of the last frame
constexpr std::uint64_t kNetInputs = 0x040;       // RO  network inputs (input ids < this)
constexpr std::uint64_t kNetOutputs = 0x044;      // RO  output neurons
constexpr std::uint64_t kMesh = 0x048;            // RO  width | height << 16
constexpr std::uint64_t kTimesteps = 0x04C;       // RO  timesteps per frame
constexpr std::uint64_t kSets = 0x050;            // RO  destination-set table entries
constexpr std::uint64_t kSetWords = 0x054;        // RO  32-bit words per destination-set mask
constexpr std::uint64_t kInputPush = 0x100;       // WO  step[31:20] | input[19:0]; streaming bursts allowed
constexpr std::uint64_t kControlEnd = 0x200;

constexpr std::uint32_t kIdValue = 0x53544C4D;
constexpr std::uint32_t kCtrlStart = 1u << 0, kCtrlIrqAck = 1u << 1, kCtrlClearError = 1u << 2,
                        kCtrlClearInputs = 1u << 3;
constexpr std::uint32_t kStateIdle = 0, kStateRunning = 1, kStateDone = 2;
constexpr std::uint32_t kStatusIrq = 1u << 8;
constexpr std::uint32_t kInputStepShift = 20, kInputIdMask = (1u << 20) - 1;

// Error codes (kError).
constexpr std::uint32_t kErrNone = 0;
constexpr std::uint32_t kErrBusy = 1;        // start or memory access while a frame runs
constexpr std::uint32_t kErrBadImage = 2;    // start refused: the loaded images are inconsistent
constexpr std::uint32_t kErrBadInput = 3;    // input push refused: id out of range or step going back

// --- output spikes of the last frame: entry k (k < kOutSpikeCount), step[31:20] | neuron[19:0] ---
constexpr std::uint64_t kOutSpikes = 0x1'0000;
constexpr std::uint64_t kOutSpikesSize = 0x1'0000;  // 16384 entries

// --- destination-set table: set s at kSetTable + s * 4 * kSetWords, bit n = mesh node n (RW) ---
constexpr std::uint64_t kSetTable = 0x10'0000;
constexpr std::uint64_t kSetTableSize = 0x10'0000;

// --- per mesh node n: window at kNodeBase + n * kNodeStride ---
constexpr std::uint64_t kNodeBase = 0x1000'0000;
constexpr std::uint64_t kNodeStride = 0x40'0000;  // 4 MiB
// node information (RO 32-bit words)
constexpr std::uint64_t kNodePresent = 0x00;      // 1: a PE is placed here
constexpr std::uint64_t kNodeLayer = 0x04;
constexpr std::uint64_t kNodeFirstNeuron = 0x08;
constexpr std::uint64_t kNodeNeurons = 0x0C;
constexpr std::uint64_t kNodeWeightBits = 0x10;
constexpr std::uint64_t kNodeWeightsPerWord = 0x14;
constexpr std::uint64_t kNodeSynapseWords = 0x18;  // synapse window entries (SRAM words)
constexpr std::uint64_t kNodeAxonEntries = 0x1C;   // axon window entries
constexpr std::uint64_t kNodeInfoEnd = 0x20;
// memories (sized by the SRAMs; an access beyond an entry count is an address error)
constexpr std::uint64_t kAxonBase = 0x01'0000;   // RW 4 B/entry: first synapse word of axon a's row
constexpr std::uint64_t kAxonWords = 0x02'0000;  // RW 4 B/entry: its word count
constexpr std::uint64_t kAxonWindow = 0x01'0000; // 16384 entries each
constexpr std::uint64_t kRoute = 0x04'0000;      // RW 8 B/neuron: destination set, axon id at the receivers
constexpr std::uint64_t kRouteWindow = 0x02'0000;
constexpr std::uint64_t kState = 0x08'0000;      // RO 16 B/neuron: i, v, refractory, done
constexpr std::uint64_t kStateWindow = 0x04'0000;
constexpr std::uint64_t kSynapse = 0x10'0000;    // RW 8 B/word: packed weights (low word first)
constexpr std::uint64_t kSynapseWindow = 0x30'0000;

constexpr std::uint64_t node_base(std::uint32_t node) { return kNodeBase + node * kNodeStride; }

}  // namespace spiketlm::chip::tlm_map
