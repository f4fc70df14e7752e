// pe_core: the spiketlm processing element in synthesizable SystemVerilog.
//
// It implements the timing contract of docs/pe.md cycle for cycle and the neuron datapath of
// docs/neuron.md bit for bit, so that it can replace the `sram` PE kind behind the PE seam
// (hw/pe/pe_if.h; the `rtl` kind in hw/pe/rtl). Structure:
//
//   in_* -> input FIFO -> LOAD (axon table, synapse reads, word-FIFO credits, bank conflicts)
//        -> synapse read pipeline -> word FIFO -> COMPUTE (lanes adders) -> accumulators
//   step_start -> update engine (update_lanes neurons per cycle, injection-credit stall)
//        -> STORE queue -> routing-table reads (banks x ports) -> pkt_* (into the NI)
//
// Parameters fix the sizes of the hardware (memories, FIFOs, lanes, latencies): the maxima.
// The cfg_* inputs are configuration registers that choose the operating point within them
// (the run's chip.pe.* values), so one Verilated model serves every configuration that fits;
// the wrapper checks that it fits. Memories are inferred arrays written through the ld_* port
// before a run (the mapper's images). docs/rtl.md describes the ports.
//
// Conventions: "cycle c" is the cycle before the rising edge that ends it. Outputs marked
// (comb) describe the work of the current cycle and are valid before its edge; the others are
// registered state after the previous edge.
module pe_core #(
    parameter int NEURONS   = 256,   // neuron-state entries
    parameter int SYN_WORDS = 8192,  // synapse SRAM words (64 bits)
    parameter int AXONS     = 1024,  // axon-table entries
    parameter int ROUTES    = 256,   // routing-table entries
    parameter int IN_MAX    = 2,     // spike events accepted per cycle (one per NI VC)
    parameter int FIFO_MAX  = 16,    // input FIFO depth
    parameter int WFIFO_MAX = 4,     // word FIFO depth
    parameter int LWPC_MAX  = 1,     // synapse word reads per cycle
    parameter int LANES_MAX = 8,     // COMPUTE adders
    parameter int UPD_MAX   = 4,     // update-engine lanes
    parameter int LAT_MAX   = 4,     // SRAM read latency (any memory)
    parameter int ACC_SLOTS = 2,     // accumulator timestep slots
    parameter int ACC_W     = 20,    // accumulator width
    parameter int STQ_MAX   = 8,     // STORE queue (spikes with a claimed slot awaiting their read)
    parameter int RT_MAX    = 1,     // routing-table reads per cycle (banks x ports)
    parameter bit NOISE     = 1      // include the stochastic-neuron noise hash
) (
    input  logic                     clk,
    input  logic                     rst_n,
    // ---- configuration registers (static during a run) ----
    input  logic [31:0]              cfg_neurons,      // neurons placed on this PE
    input  logic [31:0]              cfg_fifo_depth,
    input  logic [31:0]              cfg_wfifo_depth,
    input  logic [31:0]              cfg_lwpc,
    input  logic [31:0]              cfg_lanes,
    input  logic [31:0]              cfg_upd_lanes,
    input  logic [31:0]              cfg_syn_banks,
    input  logic [31:0]              cfg_syn_ports,
    input  logic [31:0]              cfg_syn_lat,
    input  logic [31:0]              cfg_axon_lat,
    input  logic [31:0]              cfg_state_lat,
    input  logic [31:0]              cfg_route_lat,
    input  logic [31:0]              cfg_route_banks,
    input  logic [31:0]              cfg_route_ports,
    input  logic [31:0]              cfg_wbits,        // weight bits
    input  logic [31:0]              cfg_wpw,          // weights per synapse word
    input  logic [31:0]              cfg_delay,        // the layer's delivery delay
    input  logic [31:0]              cfg_state_bits,
    input  logic signed [31:0]       cfg_theta,
    input  logic signed [31:0]       cfg_bias,
    input  logic signed [31:0]       cfg_vreset,
    input  logic [31:0]              cfg_decay_i,      // Q12, 0..4096
    input  logic [31:0]              cfg_decay_v,
    input  logic [31:0]              cfg_refractory,
    input  logic                     cfg_reset_to_value,
    input  logic                     cfg_single_spike,
    input  logic [1:0]               cfg_noise_mode,   // 0 none, 1 threshold, 2 bernoulli
    input  logic [31:0]              cfg_noise_bits,
    input  logic [31:0]              cfg_noise_shift,
    input  logic [63:0]              cfg_noise_seed,
    input  logic [31:0]              cfg_layer,
    input  logic [31:0]              cfg_first_neuron, // the layer index of local neuron 0
    // ---- memory load port (0 synapse word, 1 axon entry {words, base}, 2 route {dest set, axon}) ----
    input  logic                     ld_we,
    input  logic [1:0]               ld_sel,
    input  logic [31:0]              ld_addr,
    input  logic [63:0]              ld_data,
    // ---- control ----
    input  logic                     frame_reset,      // pulse: clear the state (frame_id is the new frame)
    input  logic [63:0]              frame_id,
    input  logic                     step_start,       // pulse: update timestep step_in
    input  logic [31:0]              step_in,
    // ---- spike events from the NI ----
    input  logic [IN_MAX-1:0]        in_valid,
    input  logic [IN_MAX*32-1:0]     in_axon,
    input  logic [IN_MAX*32-1:0]     in_step,          // emit step of the event
    output logic [31:0]              fifo_count,       // input FIFO occupancy (ready = count < depth)
    // ---- NI injection queue ----
    input  logic [31:0]              inj_credits,      // free unclaimed slots in this cycle
    // ---- status ----
    output logic                     done,             // nothing left to do (docs/pe.md)
    output logic                     err,              // sticky: an internal queue overflowed
    output logic                     upd_busy,         // an update or its STORE is in progress
    // ---- update engine (comb) ----
    output logic                     upd_decide,       // a group was decided (not stalled)
    output logic                     upd_stall,        // a group stalled on injection credits
    output logic [31:0]              upd_reserve,      // spikes of the decided group (slots claimed)
    output logic [31:0]              upd_first,        // first local neuron of the group
    output logic [31:0]              upd_step,         // timestep being updated
    output logic [UPD_MAX-1:0]       fire_mask,        // lanes that fired
    output logic [UPD_MAX*32-1:0]    fire_v,           // membrane before reset per lane
    // ---- STORE (comb from registers: packets whose routing data arrived this cycle) ----
    output logic [RT_MAX-1:0]        pkt_valid,
    output logic [RT_MAX*32-1:0]     pkt_neuron,
    output logic [RT_MAX*32-1:0]     pkt_vfire,
    output logic [RT_MAX*32-1:0]     pkt_dest_set,
    output logic [RT_MAX*32-1:0]     pkt_axon,
    // ---- activity of this cycle (comb), for the energy model's action counts ----
    output logic                     act_pop,          // LOAD popped an event (axon-table read)
    output logic [31:0]              act_words,        // synapse words issued
    output logic                     act_syn_conflict, // a synapse read waited for its bank
    output logic                     act_word_start,   // COMPUTE took a word
    output logic [31:0]              act_word_valid,   // ... with this many weights
    output logic                     act_compute_busy, // COMPUTE accumulated in this cycle
    output logic [31:0]              act_upd_group,    // neurons in the decided group
    output logic [31:0]              act_upd_updates,  // of which not done (datapath updates)
    output logic [31:0]              act_upd_mults,    // decay multiplies executed
    output logic [31:0]              act_upd_noise,    // noise words hashed
    output logic                     act_state_write,  // the group's state word was written
    output logic [31:0]              act_route_reads,  // routing-table reads issued
    output logic                     act_route_conflict,
    output logic                     act_reset_write,  // frame reset wrote a state word
    output logic [31:0]              act_reset_word
);
  localparam int NB = $clog2(NEURONS + 1);

  // ------------------------------------------------------------------ memories
  logic [63:0] syn_mem[SYN_WORDS];
  logic [63:0] axon_mem[AXONS];
  logic [63:0] route_mem[ROUTES];

  always_ff @(posedge clk) begin
    if (ld_we) begin
      case (ld_sel)
        2'd0: syn_mem[ld_addr % SYN_WORDS] <= ld_data;
        2'd1: axon_mem[ld_addr % AXONS] <= ld_data;
        default: route_mem[ld_addr % ROUTES] <= ld_data;
      endcase
    end
  end

  // Neuron state (one word = cfg_upd_lanes neurons) and accumulators.
  logic signed [31:0] st_i[NEURONS];
  logic signed [31:0] st_v[NEURONS];
  logic [15:0] st_r[NEURONS];
  logic st_done[NEURONS];
  logic signed [ACC_W-1:0] acc[ACC_SLOTS][NEURONS];

  // ------------------------------------------------------------------ helpers


  function automatic logic [31:0] slot_of(input logic [31:0] step);
    slot_of = step % ACC_SLOTS;
  endfunction

  function automatic logic [31:0] min32(input logic [31:0] a, input logic [31:0] b);
    min32 = a < b ? a : b;
  endfunction

  // Sign-extended lane j of a packed synapse word.
  function automatic logic signed [63:0] weight(input logic [63:0] word, input logic [31:0] j,
                                                input logic [31:0] bits);
    logic [63:0] raw, mask, sign;
    raw  = word >> (j * bits);
    mask = (bits >= 32'd64) ? ~64'd0 : ((64'd1 << bits) - 64'd1);
    raw  = raw & mask;
    sign = 64'd1 << (bits - 32'd1);
    weight = $signed((raw ^ sign) - sign);
  endfunction

  // ------------------------------------------------------------------ frame reset
  // One state-word write per cycle, in the reset cycle and the R - 1 after it.
  logic        rs_active;
  logic [31:0] rs_word;
  logic [31:0] rs_words;  // R = ceil(max(neurons, 1) / update_lanes)
  assign rs_words = ((cfg_neurons == 0 ? 32'd1 : cfg_neurons) + cfg_upd_lanes - 32'd1) / cfg_upd_lanes;
  logic        resetting;  // a reset write happens in this cycle
  assign resetting = frame_reset || rs_active;
  logic [31:0] rs_cur;
  assign rs_cur = frame_reset ? 32'd0 : rs_word;
  assign act_reset_write = resetting;
  assign act_reset_word = rs_cur;
  logic [63:0] frame_q;

  // ------------------------------------------------------------------ input FIFO
  logic [31:0] inf_axon[FIFO_MAX];
  logic [31:0] inf_step[FIFO_MAX];
  logic [31:0] inf_head, inf_count;
  assign fifo_count = inf_count;

  // ------------------------------------------------------------------ LOAD
  typedef enum logic [1:0] {LD_IDLE, LD_AXON, LD_ISSUE} ld_state_t;
  ld_state_t   ld_state;
  logic [31:0] ld_wait;       // axon-read cycles left (LD_AXON)
  logic [31:0] ld_addr_q;     // next synapse word
  logic [31:0] ld_left;       // words of the row not yet issued
  logic [31:0] ld_first;      // first neuron of the next word
  logic [31:0] ld_bank;       // bank of the next word
  logic [31:0] ld_slot;       // accumulator slot of the event
  logic [31:0] inflight;      // words issued and not yet taken by COMPUTE (word-FIFO credits)

  logic ld_free;
  assign ld_free = (ld_state == LD_IDLE) || (ld_state == LD_ISSUE && ld_left == 0);
  logic pop;
  assign pop = ld_free && inf_count != 0 && !resetting;
  assign act_pop = pop;
  logic [63:0] pop_entry;
  logic [31:0] pop_axon, pop_step, pop_deliver;
  assign pop_axon = inf_axon[inf_head % FIFO_MAX];
  assign pop_step = inf_step[inf_head % FIFO_MAX];
  assign pop_entry = axon_mem[pop_axon % AXONS];
  assign pop_deliver = pop_step + 32'd1 + cfg_delay;

  // Word issue of this cycle (in order; stops at the first word that may not issue).
  typedef struct packed {
    logic [63:0] data;
    logic [31:0] valid;  // weights of the word that are used
    logic [31:0] first;  // first local neuron
    logic [31:0] slot;
  } word_t;
  word_t       iss_w[LWPC_MAX];
  logic [31:0] iss_n;
  logic        syn_conflict;
  always_comb begin
    logic go;
    logic [31:0] bank_j[LWPC_MAX];
    logic [31:0] used;
    logic [31:0] first_j;
    used = 0;
    go = (ld_state == LD_ISSUE) && ld_left != 0;
    iss_n = 0;
    syn_conflict = 1'b0;
    for (int j = 0; j < LWPC_MAX; j++) begin
      bank_j[j] = (ld_bank + j) % cfg_syn_banks;
      first_j = ld_first + j * cfg_wpw;
      iss_w[j].data = syn_mem[(ld_addr_q + j) % SYN_WORDS];
      iss_w[j].first = first_j;
      iss_w[j].valid = (first_j >= cfg_neurons) ? 32'd0 : min32(cfg_wpw, cfg_neurons - first_j);
      iss_w[j].slot = ld_slot;
      if (go) begin
        if (j < cfg_lwpc && j < ld_left && inflight + j < cfg_wfifo_depth) begin
          used = 0;
          for (int q = 0; q < j; q++) if (bank_j[q] == bank_j[j]) used = used + 1;
          if (used < cfg_syn_ports) iss_n = iss_n + 1;
          else begin
            syn_conflict = 1'b1;
            go = 1'b0;
          end
        end else go = 1'b0;
      end
    end
  end
  assign act_words = iss_n;
  assign act_syn_conflict = syn_conflict;

  // Synapse read pipeline: stage k holds the words issued k + 1 cycles ago; a word issued in
  // cycle r is in the word FIFO in cycle r + cfg_syn_lat.
  word_t       sp_w[LAT_MAX][LWPC_MAX];
  logic [31:0] sp_n[LAT_MAX];
  word_t       wr_w[LWPC_MAX];
  logic [31:0] wr_n;
  always_comb begin
    if (cfg_syn_lat <= 1) begin
      wr_w = iss_w;
      wr_n = iss_n;
    end else begin
      wr_w = sp_w[(cfg_syn_lat - 2) % LAT_MAX];
      wr_n = sp_n[(cfg_syn_lat - 2) % LAT_MAX];
    end
  end

  // ------------------------------------------------------------------ word FIFO + COMPUTE
  word_t       wf_mem[WFIFO_MAX];
  logic [31:0] wf_head, wf_count;
  logic        cp_busy;       // a word with chunks left
  word_t       cp_word;
  logic [31:0] cp_chunk, cp_chunks;
  logic        cp_take;       // COMPUTE takes the FIFO head in this cycle
  word_t       cp_cur;        // the word being accumulated in this cycle
  logic [31:0] cp_cur_chunk, cp_cur_chunks;
  function automatic logic [31:0] chunks_of(input logic [31:0] valid, input logic [31:0] lanes);
    logic [31:0] c;
    c = (valid + lanes - 32'd1) / lanes;
    chunks_of = c == 0 ? 32'd1 : c;
  endfunction
  always_comb begin
    cp_take = !cp_busy && wf_count != 0;
    cp_cur = cp_busy ? cp_word : wf_mem[wf_head % WFIFO_MAX];
    cp_cur_chunk = cp_busy ? cp_chunk : 32'd0;
    cp_cur_chunks = cp_busy ? cp_chunks : chunks_of(cp_cur.valid, cfg_lanes);
  end
  assign act_word_start = cp_take;
  assign act_word_valid = cp_take ? cp_cur.valid : 32'd0;
  assign act_compute_busy = cp_busy || cp_take;

  // ------------------------------------------------------------------ update engine
  logic        up_active;
  logic [31:0] up_wait;   // state-read pipeline fill cycles left
  logic [31:0] up_next;   // first neuron of the next group
  logic [31:0] up_step;
  logic        deciding;
  assign deciding = up_active && up_wait == 0;
  assign upd_step = up_step;
  assign upd_first = up_next;


  // One datapath lane per update lane (rtl/pe_neuron.sv), combinational.
  logic signed [31:0] ln_i[UPD_MAX], ln_v[UPD_MAX], ln_vfire[UPD_MAX];
  logic [15:0] ln_r[UPD_MAX];
  logic [UPD_MAX-1:0] ln_d, ln_fire, ln_noise, ln_upd;
  logic [1:0] ln_mults[UPD_MAX];
  logic [UPD_MAX-1:0] lane_on;
  logic [31:0] cur_slot;
  assign cur_slot = slot_of(up_step);
  for (genvar j = 0; j < UPD_MAX; j++) begin : g_lane
    logic [31:0] n;
    assign n = up_next + j;
    assign lane_on[j] = deciding && j < cfg_upd_lanes && n < cfg_neurons;
    pe_neuron #(.NOISE(NOISE)) u_neuron (
        .cfg_state_bits, .cfg_theta, .cfg_bias, .cfg_vreset, .cfg_decay_i, .cfg_decay_v, .cfg_refractory,
        .cfg_reset_to_value, .cfg_single_spike, .cfg_noise_mode, .cfg_noise_bits, .cfg_noise_shift,
        .cfg_noise_seed, .cfg_layer, .neuron(cfg_first_neuron + n), .frame(frame_q), .step(up_step),
        .i_in(st_i[n % NEURONS]), .v_in(st_v[n % NEURONS]), .r_in(st_r[n % NEURONS]),
        .d_in(st_done[n % NEURONS]), .acc_in(64'(acc[cur_slot % ACC_SLOTS][n % NEURONS])),
        .i_out(ln_i[j]), .v_out(ln_v[j]), .r_out(ln_r[j]), .d_out(ln_d[j]), .fire(ln_fire[j]),
        .vfire(ln_vfire[j]), .mults(ln_mults[j]), .noise_used(ln_noise[j]), .updated(ln_upd[j]));
  end
  logic [31:0] group_fire, group_n, group_upd, group_mults, group_noise;
  always_comb begin
    group_fire = 0; group_n = 0; group_upd = 0; group_mults = 0; group_noise = 0;
    for (int j = 0; j < UPD_MAX; j++) begin
      if (lane_on[j]) begin
        group_n = group_n + 1;
        if (ln_fire[j]) group_fire = group_fire + 1;
        if (ln_upd[j]) group_upd = group_upd + 1;
        group_mults = group_mults + {30'd0, ln_mults[j]};
        if (ln_noise[j]) group_noise = group_noise + 1;
      end
    end
  end
  logic go_group;
  assign go_group = deciding && group_fire <= inj_credits;
  assign upd_decide = go_group;
  assign upd_stall = deciding && !go_group;
  assign upd_reserve = go_group ? group_fire : 32'd0;
  always_comb begin
    for (int j = 0; j < UPD_MAX; j++) begin
      fire_mask[j] = go_group && lane_on[j] && ln_fire[j];
      fire_v[j*32 +: 32] = ln_vfire[j];
    end
  end
  assign act_upd_group = go_group ? group_n : 32'd0;
  assign act_upd_updates = go_group ? group_upd : 32'd0;
  assign act_upd_mults = go_group ? group_mults : 32'd0;
  assign act_upd_noise = go_group ? group_noise : 32'd0;
  assign act_state_write = go_group && group_upd != 0;

  // ------------------------------------------------------------------ STORE
  // Spikes with a claimed injection slot whose routing read has not issued, in neuron order:
  // the queue, then this cycle's group. Reads issue in order while the bank has a free port.
  logic [31:0] stq_n[STQ_MAX];
  logic [31:0] stq_v[STQ_MAX];
  logic [31:0] stq_count;
  localparam int CAND = STQ_MAX + UPD_MAX;
  logic [31:0] cand_n[CAND];
  logic [31:0] cand_v[CAND];
  logic [31:0] cand_count;
  logic [31:0] rt_issue;
  logic        rt_conflict;
  always_comb begin
    logic go;
    logic [31:0] used, bank_c[CAND];
    used = 0;
    cand_count = stq_count;
    for (int q = 0; q < CAND; q++) begin
      cand_n[q] = 32'd0;
      cand_v[q] = 32'd0;
    end
    for (int q = 0; q < STQ_MAX; q++) begin
      cand_n[q] = stq_n[q];
      cand_v[q] = stq_v[q];
    end
    for (int j = 0; j < UPD_MAX; j++) begin
      if (fire_mask[j]) begin
        cand_n[cand_count % CAND] = up_next + j;
        cand_v[cand_count % CAND] = ln_vfire[j];
        cand_count = cand_count + 1;
      end
    end
    rt_issue = 0;
    rt_conflict = 1'b0;
    go = 1'b1;
    // At most RT_MAX reads issue; the candidate after them is the one that may meet a full bank
    // (the wrapper keeps banks x ports <= RT_MAX), so later candidates need no comparators.
    for (int q = 0; q < CAND; q++) bank_c[q] = cand_n[q] % cfg_route_banks;
    for (int q = 0; q <= RT_MAX && q < CAND; q++) begin
      if (go && q < cand_count) begin
        used = 0;
        for (int p = 0; p < q; p++) if (bank_c[p] == bank_c[q]) used = used + 1;
        if (used < cfg_route_ports && q < RT_MAX) rt_issue = rt_issue + 1;
        else begin
          rt_conflict = used >= cfg_route_ports;
          go = 1'b0;
        end
      end
    end
  end
  assign act_route_reads = rt_issue;
  assign act_route_conflict = rt_conflict;

  // Routing read pipeline: stage k holds the reads issued k + 1 cycles ago; a read issued in
  // cycle c delivers its packet in cycle c + cfg_route_lat.
  logic [RT_MAX-1:0] rp_v[LAT_MAX];
  logic [31:0] rp_n[LAT_MAX][RT_MAX];
  logic [31:0] rp_f[LAT_MAX][RT_MAX];
  logic [63:0] rp_r[LAT_MAX][RT_MAX];
  always_comb begin
    logic [31:0] s;
    s = (cfg_route_lat - 32'd1) % LAT_MAX;
    pkt_valid = rp_v[s % LAT_MAX];
    for (int q = 0; q < RT_MAX; q++) begin
      pkt_neuron[q*32 +: 32] = rp_n[s % LAT_MAX][q];
      pkt_vfire[q*32 +: 32] = rp_f[s % LAT_MAX][q];
      pkt_axon[q*32 +: 32] = rp_r[s % LAT_MAX][q][31:0];
      pkt_dest_set[q*32 +: 32] = rp_r[s % LAT_MAX][q][63:32];
    end
  end

  // ------------------------------------------------------------------ done
  logic sp_empty, rp_empty;
  always_comb begin
    sp_empty = 1'b1;
    rp_empty = 1'b1;
    // Only the stages in use: a word issued k + 1 cycles ago is in stage k until it reaches the
    // word FIFO (stage cfg_syn_lat - 2); a routing read until its packet leaves (cfg_route_lat - 1).
    for (int k = 0; k < LAT_MAX; k++) begin
      if (k + 1 < cfg_syn_lat && sp_n[k] != 0) sp_empty = 1'b0;
      if (k < cfg_route_lat && rp_v[k] != 0) rp_empty = 1'b0;
    end
  end
  assign upd_busy = up_active || stq_count != 0 || !rp_empty;
  assign done = !rs_active && !up_active && stq_count == 0 && rp_empty && inf_count == 0 && ld_free &&
                sp_empty && wf_count == 0 && !cp_busy;

  // ------------------------------------------------------------------ state update (one edge)
  logic [31:0] n_push;
  always_comb begin
    n_push = 0;
    for (int k = 0; k < IN_MAX; k++) if (in_valid[k]) n_push = n_push + 1;
  end

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      rs_active <= 1'b0;
      rs_word <= 0;
      frame_q <= 0;
      inf_head <= 0;
      inf_count <= 0;
      ld_state <= LD_IDLE;
      ld_wait <= 0;
      ld_addr_q <= 0;
      ld_left <= 0;
      ld_first <= 0;
      ld_bank <= 0;
      ld_slot <= 0;
      inflight <= 0;
      for (int k = 0; k < LAT_MAX; k++) begin
        sp_n[k] <= 0;
        rp_v[k] <= '0;
      end
      wf_head <= 0;
      wf_count <= 0;
      cp_busy <= 1'b0;
      cp_chunk <= 0;
      cp_chunks <= 0;
      up_active <= 1'b0;
      up_wait <= 0;
      up_next <= 0;
      up_step <= 0;
      stq_count <= 0;
      err <= 1'b0;
    end else begin
      // ---- frame reset: clear accumulators now, one state word per cycle
      if (frame_reset) begin
        frame_q <= frame_id;
        rs_active <= rs_words > 1;
        rs_word <= 1;
      end else if (rs_active) begin
        rs_word <= rs_word + 1;
        if (rs_word + 1 >= rs_words) rs_active <= 1'b0;
      end
      if (resetting) begin
        for (int j = 0; j < UPD_MAX; j++) begin
          if (j < cfg_upd_lanes) begin
            st_i[(rs_cur * cfg_upd_lanes + j) % NEURONS] <= 0;
            st_v[(rs_cur * cfg_upd_lanes + j) % NEURONS] <= 0;
            st_r[(rs_cur * cfg_upd_lanes + j) % NEURONS] <= 0;
            st_done[(rs_cur * cfg_upd_lanes + j) % NEURONS] <= 1'b0;
            for (int s = 0; s < ACC_SLOTS; s++) acc[s][(rs_cur * cfg_upd_lanes + j) % NEURONS] <= '0;
          end
        end
      end

      // ---- input FIFO
      begin
        logic [31:0] k2;
        k2 = 0;
        for (int k = 0; k < IN_MAX; k++) begin
          if (in_valid[k]) begin
            inf_axon[(inf_head + inf_count + k2) % FIFO_MAX] <= in_axon[k*32 +: 32];
            inf_step[(inf_head + inf_count + k2) % FIFO_MAX] <= in_step[k*32 +: 32];
            k2 = k2 + 1;
          end
        end
        if (inf_count + n_push - (pop ? 32'd1 : 32'd0) > cfg_fifo_depth) err <= 1'b1;
        inf_count <= inf_count + n_push - (pop ? 32'd1 : 32'd0);
        if (pop) inf_head <= (inf_head + 1) % FIFO_MAX;
      end

      // ---- LOAD
      if (pop) begin
        ld_addr_q <= pop_entry[31:0];
        ld_left <= pop_entry[63:32];
        ld_first <= 0;
        ld_bank <= pop_entry[31:0] % cfg_syn_banks;
        ld_slot <= slot_of(pop_deliver);
        if (cfg_axon_lat <= 1) ld_state <= LD_ISSUE;
        else begin
          ld_state <= LD_AXON;
          ld_wait <= cfg_axon_lat - 1;
        end
      end else if (ld_state == LD_AXON) begin
        ld_wait <= ld_wait - 1;
        if (ld_wait == 1) ld_state <= LD_ISSUE;
      end else if (ld_state == LD_ISSUE) begin
        ld_addr_q <= ld_addr_q + iss_n;
        ld_left <= ld_left - iss_n;
        ld_first <= ld_first + iss_n * cfg_wpw;
        ld_bank <= (ld_bank + iss_n) % cfg_syn_banks;
        if (ld_left == 0) ld_state <= LD_IDLE;
      end
      inflight <= inflight + iss_n - (cp_take ? 32'd1 : 32'd0);

      // ---- synapse read pipeline and word FIFO
      sp_w[0] <= iss_w;
      sp_n[0] <= iss_n;
      for (int k = 1; k < LAT_MAX; k++) begin
        sp_w[k] <= sp_w[k-1];
        sp_n[k] <= sp_n[k-1];
      end
      for (int j = 0; j < LWPC_MAX; j++)
        if (j < wr_n) wf_mem[(wf_head + wf_count + j) % WFIFO_MAX] <= wr_w[j];
      if (wf_count + wr_n - (cp_take ? 32'd1 : 32'd0) > WFIFO_MAX) err <= 1'b1;
      wf_count <= wf_count + wr_n - (cp_take ? 32'd1 : 32'd0);
      if (cp_take) wf_head <= (wf_head + 1) % WFIFO_MAX;

      // ---- COMPUTE: cfg_lanes weights of the current word into the accumulators
      if (cp_take || cp_busy) begin
        for (int j = 0; j < LANES_MAX; j++) begin
          logic [31:0] idx;
          idx = cp_cur_chunk * cfg_lanes + j;
          if (j < cfg_lanes && idx < cp_cur.valid)
            acc[cp_cur.slot % ACC_SLOTS][(cp_cur.first + idx) % NEURONS] <=
                ACC_W'(64'(acc[cp_cur.slot % ACC_SLOTS][(cp_cur.first + idx) % NEURONS]) +
                       weight(cp_cur.data, idx, cfg_wbits));
        end
        if (cp_cur_chunk + 1 < cp_cur_chunks) begin
          cp_busy <= 1'b1;
          cp_word <= cp_cur;
          cp_chunk <= cp_cur_chunk + 1;
          cp_chunks <= cp_cur_chunks;
        end else cp_busy <= 1'b0;
      end

      // ---- update engine
      if (step_start) begin
        up_active <= 1'b1;
        up_step <= step_in;
        up_next <= 0;
        up_wait <= cfg_state_lat - 1;
      end else if (up_active && up_wait != 0) begin
        up_wait <= up_wait - 1;
      end else if (go_group) begin
        for (int j = 0; j < UPD_MAX; j++) begin
          if (lane_on[j]) begin
            st_i[(up_next + j) % NEURONS] <= ln_i[j];
            st_v[(up_next + j) % NEURONS] <= ln_v[j];
            st_r[(up_next + j) % NEURONS] <= ln_r[j];
            st_done[(up_next + j) % NEURONS] <= ln_d[j];
            acc[cur_slot % ACC_SLOTS][(up_next + j) % NEURONS] <= '0;
          end
        end
        up_next <= up_next + cfg_upd_lanes;
        if (up_next + cfg_upd_lanes >= cfg_neurons) up_active <= 1'b0;
      end

      // ---- STORE queue and routing reads
      for (int q = 0; q < STQ_MAX; q++) begin
        stq_n[q] <= cand_n[(q + rt_issue) % CAND];
        stq_v[q] <= cand_v[(q + rt_issue) % CAND];
      end
      if (cand_count - rt_issue > STQ_MAX) err <= 1'b1;
      stq_count <= cand_count - rt_issue;
      for (int q = 0; q < RT_MAX; q++) begin
        rp_v[0][q] <= q < rt_issue;
        rp_n[0][q] <= cand_n[q];
        rp_f[0][q] <= cand_v[q];
        rp_r[0][q] <= route_mem[cand_n[q] % ROUTES];
      end
      for (int k = 1; k < LAT_MAX; k++) begin
        rp_v[k] <= rp_v[k-1];
        rp_n[k] <= rp_n[k-1];
        rp_f[k] <= rp_f[k-1];
        rp_r[k] <= rp_r[k-1];
      end
    end
  end

  // Unused bits of the wide packed helpers are fine; keep lint quiet about the few that are.
  logic unused;
  assign unused = ^{NB, cfg_refractory[31:16]};
endmodule
