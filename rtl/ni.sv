// ni: the network interface of one mesh node in synthesizable SystemVerilog (used by rtl/mesh.sv).
//
// It is the hardware form of hw/noc/network_interface.cpp plus the tile (hw/chip/tile.cpp) and
// the host interface's NoC side (hw/chip/host_interface.cpp), in the same cycle:
//
//   PE pkt_* (routing read results) ---+
//   host_in_* (input spikes) ----------+-> injection queue (cfg_qdepth packets; the PE claims
//                                          slots with upd_reserve, inj_credits = free unclaimed)
//        -> start: a queued packet takes a free VC with a credit (round robin from the VC after
//           the last one started; at most cfg_inflight packets at once); the destination set
//           (a node bitmask, loaded from the mapper's dest_sets) becomes the header: one node
//           -> unicast (m = 0, node id), more -> tree multicast (m = 1, bitmask)
//        -> send: one flit per cycle, round robin over the sending VCs, under credits
//           (inj_*: the packet bits of docs/noc.md "Packet format", the layout of
//           tlm/packet_format.h, F = cfg_flit_bits per flit)
//   ej_* (flits from the router) -> ejection buffers (cfg_depth flits per VC) -> decode at
//        arrival -> in VC order, every flit at a buffer's front leaves (its credit goes back);
//        a tail hands its packet on: a spike to the PE (pe_in_*, axon id - cfg_axon_first) while
//        its input FIFO has room (pe_fifo_count + pushes < cfg_fifo_depth, at most IN_MAX per
//        cycle; otherwise the VC waits: ejection back-pressure), an output spike to the host
//        port (host_out_*, always taken).
//
// Only tree multicast is implemented (chip.noc.multicast: tree, the default); packets have at
// most two flits (a header and at most one payload word, which is what the chip sends).
// Conventions as in pe_core: "cycle c" is the cycle before the edge that ends it; (comb) outputs
// describe cycle c's work.
module ni #(
    parameter int VC_MAX     = 2,
    parameter int DEPTH_MAX  = 4,    // ejection buffer per VC (flits)
    parameter int FLIT_W     = 64,
    parameter int NODES_MAX  = 4,    // <= 64 (a destination set is one 64-bit load word)
    parameter int QDEPTH_MAX = 8,    // injection queue (packets)
    parameter int DSETS      = 16,   // destination-set table entries
    parameter int IN_MAX     = 2,    // spike events into the PE per cycle
    parameter int RT_MAX     = 1,    // PE packets per cycle (routing reads)
    parameter int HIN_MAX    = 1     // host input spikes per cycle
) (
    input  logic                       clk,
    input  logic                       rst_n,
    input  logic                       arb_reset,       // VC round robin back to its start (idle NI, frame start)
    // ---- configuration registers ----
    input  logic [31:0]                cfg_node,        // this node's id
    input  logic [31:0]                cfg_vcs,
    input  logic [31:0]                cfg_depth,
    input  logic [31:0]                cfg_qdepth,      // chip.noc.injection_queue_depth
    input  logic [31:0]                cfg_inflight,    // chip.noc.ni_packets_in_flight
    input  logic [31:0]                cfg_flit_bits,   // F
    input  logic [31:0]                cfg_node_bits,   // N
    input  logic [31:0]                cfg_dest_bits,   // D (= nodes: tree multicast)
    input  logic [31:0]                cfg_axon_bits,   // A
    input  logic [31:0]                cfg_step_bits,   // S
    input  logic [31:0]                cfg_payload_bits,// W
    input  logic                       cfg_has_pe,
    input  logic                       cfg_host,        // the host port is at this node
    input  logic                       cfg_to_host,     // this PE's spikes are output spikes (kind 1 + payload)
    input  logic [31:0]                cfg_axon_first,  // the PE's axon table starts at this axon id
    input  logic [31:0]                cfg_fifo_depth,  // the PE's input FIFO depth in use
    // ---- destination-set table load ----
    input  logic                       ds_we,
    input  logic [31:0]                ds_addr,
    input  logic [63:0]                ds_mask,
    // ---- PE side ----
    input  logic [31:0]                pe_fifo_count,
    output logic [IN_MAX-1:0]          pe_in_valid,     // (comb)
    output logic [IN_MAX*32-1:0]       pe_in_axon,
    output logic [IN_MAX*32-1:0]       pe_in_step,
    output logic [31:0]                pe_inj_credits,  // (comb) free unclaimed queue slots
    input  logic [31:0]                pe_upd_reserve,  // slots the PE claims in this cycle
    input  logic [31:0]                pe_upd_step,
    input  logic [RT_MAX-1:0]          pe_pkt_valid,
    input  logic [RT_MAX*32-1:0]       pe_pkt_vfire,
    input  logic [RT_MAX*32-1:0]       pe_pkt_dest_set,
    input  logic [RT_MAX*32-1:0]       pe_pkt_axon,
    // ---- host port ----
    output logic [31:0]                host_space,      // (comb) input spikes the queue takes in this cycle
    input  logic [HIN_MAX-1:0]         host_in_valid,   // lanes 0..k-1, k <= host_space
    input  logic [HIN_MAX*32-1:0]      host_in_axon,
    input  logic [HIN_MAX*32-1:0]      host_in_step,
    input  logic [31:0]                host_in_dest_set,
    output logic [VC_MAX-1:0]          host_out_valid,  // (comb) output spikes delivered in this cycle
    output logic [VC_MAX*32-1:0]       host_out_neuron,
    output logic [VC_MAX*32-1:0]       host_out_step,
    output logic [VC_MAX*32-1:0]       host_out_v,      // membrane at firing, sign-extended
    // ---- to the router's local input (comb) ----
    output logic                       inj_valid,
    output logic [FLIT_W-1:0]          inj_bits,
    output logic [7:0]                 inj_vc,
    output logic                       inj_head,
    output logic                       inj_tail,
    input  logic [VC_MAX*8-1:0]        inj_cr,          // credits arriving in this cycle, count per VC
    // ---- from the router's local output ----
    input  logic                       ej_valid,
    input  logic [FLIT_W-1:0]          ej_bits,
    input  logic [7:0]                 ej_vc,
    input  logic                       ej_head,
    input  logic                       ej_tail,
    output logic [VC_MAX*8-1:0]        ej_cr,           // (comb) credits returned, count per VC
    // ---- status ----
    output logic                       idle,            // nothing queued, claimed, sending or buffered (registered)
    output logic                       delivered,       // (comb) a packet was handed to the PE or the host
    output logic [31:0]                err              // sticky: 1 queue overflow, 2 ejection overflow, 3 spike
                                                        // at a node without a PE, 4 output spike away from the
                                                        // host, 5 packet of more than two flits, 6 axon below
                                                        // cfg_axon_first, 7 destination set out of range
);
  localparam int PW = 2 * FLIT_W;        // a packet: at most two flits
  localparam int QW = 2 + 32 + 32 + 32 + 32;  // {kind, dset, axon, step, payload}
  localparam int EW = 1 + 2 + 32 + 32 + 32;   // ejection entry: {tail, kind, axon, step, payload}

  function automatic logic [31:0] lmask(input logic [31:0] bits);
    lmask = bits >= 32 ? 32'hFFFF_FFFF : ((32'd1 << bits) - 32'd1);
  endfunction

  // ------------------------------------------------------------------ state
  logic [QW-1:0]     q_mem[QDEPTH_MAX];
  logic [31:0]       q_head, q_count, reserved;
  logic [VC_MAX-1:0] s_active;
  logic [PW-1:0]     s_pkt[VC_MAX];
  logic [1:0]        s_flits[VC_MAX];
  logic [1:0]        s_seq[VC_MAX];
  logic [31:0]       credits[VC_MAX];
  logic [31:0]       start_rr, send_rr;
  logic [63:0]       ds_tab[DSETS];
  logic [EW-1:0]     e_mem[VC_MAX][DEPTH_MAX];
  logic [31:0]       e_head[VC_MAX], e_count[VC_MAX];
  logic [FLIT_W-1:0] rx_f0[VC_MAX];
  logic [1:0]        rx_seq[VC_MAX];
  logic [31:0]       err_r;

  // ------------------------------------------------------------------ next state
  logic [QW-1:0]     n_q_mem[QDEPTH_MAX];
  logic [31:0]       n_q_head, n_q_count, n_reserved;
  logic [VC_MAX-1:0] n_s_active;
  logic [PW-1:0]     n_s_pkt[VC_MAX];
  logic [1:0]        n_s_flits[VC_MAX];
  logic [1:0]        n_s_seq[VC_MAX];
  logic [31:0]       n_credits[VC_MAX];
  logic [31:0]       n_start_rr, n_send_rr;
  logic [EW-1:0]     n_e_mem[VC_MAX][DEPTH_MAX];
  logic [31:0]       n_e_head[VC_MAX], n_e_count[VC_MAX];
  logic [FLIT_W-1:0] n_rx_f0[VC_MAX];
  logic [1:0]        n_rx_seq[VC_MAX];
  logic [31:0]       n_err;

  // The header and payload of a packet as bits (tlm/packet_format.h).
  function automatic logic [PW-1:0] encode(input logic [1:0] kind, input logic [63:0] mask, input logic [31:0] src,
                                           input logic [31:0] axon, input logic [31:0] step, input logic [31:0] payload,
                                           input logic [31:0] nd, input logic [31:0] dbits, input logic [31:0] nbits,
                                           input logic [31:0] abits, input logic [31:0] sbits, input logic [31:0] wbits);
    logic [PW-1:0] p;
    logic [63:0]   dest;
    logic          mc;
    logic [31:0]   h;
    logic [31:0]   d_id;
    mc = nd > 32'd1;
    d_id = 32'd0;
    for (int n = 0; n < NODES_MAX; n++)
      if (mask[n]) d_id = n;
    dest = mc ? mask : {32'd0, d_id};
    h = 32'd3 + dbits + nbits + abits + sbits;
    p = '0;
    p = p | PW'(kind);
    p = p | (PW'(mc) << 2);
    p = p | (PW'(dest) << 3);
    p = p | (PW'(32'(src & lmask(nbits))) << (32'd3 + dbits));
    p = p | (PW'(32'(axon & lmask(abits))) << (32'd3 + dbits + nbits));
    p = p | (PW'(32'(step & lmask(sbits))) << (32'd3 + dbits + nbits + abits));
    if (kind == 2'd1) p = p | (PW'(32'(payload & lmask(wbits))) << h);
    encode = p;
  endfunction

  function automatic logic [31:0] popcount(input logic [63:0] m);
    logic [31:0] c;
    c = 32'd0;
    for (int n = 0; n < NODES_MAX; n++) c = c + {31'd0, m[n]};
    popcount = c;
  endfunction

  logic [31:0] hdr_bits;
  assign hdr_bits = 32'd3 + cfg_dest_bits + cfg_node_bits + cfg_axon_bits + cfg_step_bits;

  // Starts and the flit sent in this cycle (from registered state and the credits arriving).
  logic [31:0] qa_head, qa_count, err_a, err_b, err_c;
  always_comb begin
    logic [31:0] active, v, idx, vcs;
    logic        found;
    logic [QW-1:0] qe;
    logic [63:0]   mask;
    logic [31:0]   nbits_pkt, nflits, dset;
    /* verilator lint_off UNUSEDSIGNAL */
    logic [PW-1:0] comb2;  // the flit is the low bits of the shifted packet
    /* verilator lint_on UNUSEDSIGNAL */
    logic [FLIT_W-1:0] fbits;
    active = 32'd0;
    v = 32'd0;
    idx = 32'd0;
    found = 1'b0;
    qe = '0;
    mask = 64'd0;
    nbits_pkt = 32'd0;
    nflits = 32'd0;
    dset = 32'd0;
    comb2 = '0;
    fbits = '0;
    vcs = cfg_vcs;
    n_q_head = q_head;
    n_q_count = q_count;
    n_s_active = s_active;
    for (int c = 0; c < VC_MAX; c++) n_s_pkt[c] = s_pkt[c];
    for (int c = 0; c < VC_MAX; c++) n_s_flits[c] = s_flits[c];
    for (int c = 0; c < VC_MAX; c++) n_s_seq[c] = s_seq[c];
    n_start_rr = start_rr;
    n_send_rr = send_rr;
    err_a = 32'd0;
    inj_valid = 1'b0;
    inj_bits = '0;
    inj_vc = 8'd0;
    inj_head = 1'b0;
    inj_tail = 1'b0;
    for (int c = 0; c < VC_MAX; c++) n_credits[c] = credits[c] + {24'd0, inj_cr[c*8 +: 8]};

    // Start queued packets on free VCs with a credit (hw/noc/network_interface.cpp, evaluate).
    active = 32'd0;
    for (int c = 0; c < VC_MAX; c++) active = active + {31'd0, s_active[c]};
    for (int it = 0; it < VC_MAX; it++) begin
      if (n_q_count != 32'd0 && active < cfg_inflight) begin
        found = 1'b0;
        v = 32'd0;
        for (int kk = VC_MAX - 1; kk >= 0; kk--) begin
          if (32'(kk) < vcs) begin
            idx = n_start_rr + 32'(kk);
            if (idx >= vcs) idx = idx - vcs;
            for (int c = 0; c < VC_MAX; c++)
              if (32'(c) == idx && !n_s_active[c] && n_credits[c] != 32'd0) begin
                found = 1'b1;
                v = idx;
              end
          end
        end
        if (found) begin
          n_start_rr = v + 32'd1 >= vcs ? 32'd0 : v + 32'd1;
          active = active + 32'd1;
          qe = 0;
          for (int q = 0; q < QDEPTH_MAX; q++)
            if (32'(q) == n_q_head) qe = q_mem[q];
          dset = qe[127:96];
          mask = 64'd0;
          for (int d = 0; d < DSETS; d++)
            if (32'(d) == dset) mask = ds_tab[d];
          if (dset >= DSETS) err_a = 32'd7;
          nbits_pkt = hdr_bits + (qe[129:128] == 2'd1 ? cfg_payload_bits : 32'd0);
          nflits = (nbits_pkt + cfg_flit_bits - 32'd1) / cfg_flit_bits;
          if (nflits == 32'd0) nflits = 32'd1;
          if (nflits > 32'd2) err_a = 32'd5;
          for (int c = 0; c < VC_MAX; c++)
            if (32'(c) == v) begin
              n_s_active[c] = 1'b1;
              n_s_seq[c] = 2'd0;
              n_s_flits[c] = nflits[1:0];
              n_s_pkt[c] = encode(qe[129:128], mask, cfg_node, qe[95:64], qe[63:32], qe[31:0], popcount(mask),
                                  cfg_dest_bits, cfg_node_bits, cfg_axon_bits, cfg_step_bits, cfg_payload_bits);
            end
          n_q_head = n_q_head + 32'd1 >= QDEPTH_MAX ? 32'd0 : n_q_head + 32'd1;
          n_q_count = n_q_count - 32'd1;
        end
      end
    end

    // Send one flit, round robin from the VC after the last one that sent.
    found = 1'b0;
    for (int kk = 0; kk < VC_MAX; kk++) begin
      if (32'(kk) < vcs && !found) begin
        idx = n_send_rr + 32'(kk);
        if (idx >= vcs) idx = idx - vcs;
        for (int c = 0; c < VC_MAX; c++)
          if (32'(c) == idx && n_s_active[c] && n_credits[c] != 32'd0) begin
            found = 1'b1;
            comb2 = n_s_pkt[c] >> ({30'd0, n_s_seq[c]} * cfg_flit_bits);
            fbits = comb2[FLIT_W-1:0];
            for (int b = 0; b < FLIT_W; b++)
              if (32'(b) >= cfg_flit_bits) fbits[b] = 1'b0;
            inj_valid = 1'b1;
            inj_bits = fbits;
            inj_vc = 8'(c);
            inj_head = n_s_seq[c] == 2'd0;
            inj_tail = n_s_seq[c] + 2'd1 == n_s_flits[c];
            n_credits[c] = n_credits[c] - 32'd1;
            n_s_seq[c] = n_s_seq[c] + 2'd1;
            if (n_s_seq[c] == n_s_flits[c]) n_s_active[c] = 1'b0;
            n_send_rr = idx + 32'd1 >= vcs ? 32'd0 : idx + 32'd1;
          end
      end
    end

    if (arb_reset) begin
      n_start_rr = 32'd0;
      n_send_rr = 32'd0;
    end
    qa_head = n_q_head;
    qa_count = n_q_count;
    pe_inj_credits = cfg_qdepth > n_q_count + reserved ? cfg_qdepth - n_q_count - reserved : 32'd0;
  end

  // The PE's claims and packets, then the host's input spikes, into the queue. A PE packet whose
  // destination set is empty (a neuron without targets, sparse networks) is dropped: its claimed
  // slot is released, as the tile does (hw/chip/tile.cpp, out_push).
  always_comb begin
    logic [31:0] idx, npush, nfill;
    logic [63:0] dmask;
    idx = 32'd0;
    npush = 32'd0;
    nfill = 32'd0;
    dmask = 64'd0;
    err_b = 32'd0;
    for (int q = 0; q < QDEPTH_MAX; q++) n_q_mem[q] = q_mem[q];
    n_reserved = reserved;
    host_space = 32'd0;
    for (int r = 0; r < RT_MAX; r++)
      if (pe_pkt_valid[r]) begin
        nfill = nfill + 32'd1;
        dmask = 64'd0;
        for (int d = 0; d < DSETS; d++)
          if (32'(d) == pe_pkt_dest_set[r*32 +: 32]) dmask = ds_tab[d];
        if (dmask != 64'd0) begin
          idx = qa_head + qa_count + npush;
          if (idx >= QDEPTH_MAX) idx = idx - QDEPTH_MAX;
          for (int q = 0; q < QDEPTH_MAX; q++)
            if (32'(q) == idx)
              n_q_mem[q] = {cfg_to_host ? 2'd1 : 2'd0, pe_pkt_dest_set[r*32 +: 32], pe_pkt_axon[r*32 +: 32], pe_upd_step,
                            pe_pkt_vfire[r*32 +: 32]};
          npush = npush + 32'd1;
        end
      end
    if (nfill > n_reserved) err_b = 32'd1;
    n_reserved = n_reserved - nfill + pe_upd_reserve;
    // What the host may write after the PE: the free unclaimed slots after its claims (a dropped
    // packet's slot is free again in this cycle).
    host_space = pe_inj_credits + (nfill - npush) > pe_upd_reserve ? pe_inj_credits + (nfill - npush) - pe_upd_reserve
                                                                   : 32'd0;
    for (int h = 0; h < HIN_MAX; h++)
      if (host_in_valid[h]) begin
        if (32'(h) >= host_space) err_b = 32'd1;
        idx = qa_head + qa_count + npush;
        if (idx >= QDEPTH_MAX) idx = idx - QDEPTH_MAX;
        for (int q = 0; q < QDEPTH_MAX; q++)
          if (32'(q) == idx) n_q_mem[q] = {2'd0, host_in_dest_set, host_in_axon[h*32 +: 32], host_in_step[h*32 +: 32], 32'd0};
        npush = npush + 32'd1;
      end
    n_q_count_b = qa_count + npush;
    if (n_q_count_b + n_reserved > cfg_qdepth) err_b = 32'd1;

  end

  // Ejection (hw/noc/network_interface.cpp and the tile's deliveries).
  always_comb begin
    logic [31:0] idx, pushes;
    logic        blocked;
    logic [EW-1:0] ent;
    /* verilator lint_off UNUSEDSIGNAL */
    logic [PW-1:0] comb2;  // the fields are read from the low bits of the shifted packet
    /* verilator lint_on UNUSEDSIGNAL */
    logic [FLIT_W-1:0] fbits;
    idx = 32'd0;
    pushes = 32'd0;
    blocked = 1'b0;
    ent = '0;
    comb2 = '0;
    fbits = '0;
    err_c = 32'd0;
    for (int c = 0; c < VC_MAX; c++)
      for (int e = 0; e < DEPTH_MAX; e++) n_e_mem[c][e] = e_mem[c][e];
    for (int c = 0; c < VC_MAX; c++) n_e_head[c] = e_head[c];
    for (int c = 0; c < VC_MAX; c++) n_e_count[c] = e_count[c];
    for (int c = 0; c < VC_MAX; c++) n_rx_f0[c] = rx_f0[c];
    for (int c = 0; c < VC_MAX; c++) n_rx_seq[c] = rx_seq[c];
    pe_in_valid = '0;
    pe_in_axon = '0;
    pe_in_step = '0;
    host_out_valid = '0;
    host_out_neuron = '0;
    host_out_step = '0;
    host_out_v = '0;
    ej_cr = '0;
    delivered = 1'b0;
    // Ejection: the arriving flit into its VC's buffer, decoded (header at the head, payload
    // from the first two flits).
    if (ej_valid) begin
      fbits = ej_bits;
      for (int c = 0; c < VC_MAX; c++)
        if (32'({24'd0, ej_vc}) == 32'(c)) begin
          if (n_e_count[c] >= cfg_depth) err_c = 32'd2;
          if (ej_head) begin
            n_rx_f0[c] = fbits;
            n_rx_seq[c] = 2'd0;
          end else if (n_rx_seq[c] == 2'd3) err_c = 32'd5;
          comb2 = ej_head ? PW'(fbits) : (PW'(n_rx_f0[c]) | (PW'(fbits) << cfg_flit_bits));
          ent[EW-1] = ej_tail;
          ent[97:96] = comb2[1:0];
          ent[95:64] = 32'(comb2 >> (32'd3 + cfg_dest_bits + cfg_node_bits)) & lmask(cfg_axon_bits);
          ent[63:32] = 32'(comb2 >> (32'd3 + cfg_dest_bits + cfg_node_bits + cfg_axon_bits)) & lmask(cfg_step_bits);
          ent[31:0] = 32'(comb2 >> hdr_bits) & lmask(cfg_payload_bits);
          if (!ej_head) n_rx_seq[c] = n_rx_seq[c] + 2'd1;
          idx = n_e_head[c] + n_e_count[c];
          if (idx >= DEPTH_MAX) idx = idx - DEPTH_MAX;
          for (int e = 0; e < DEPTH_MAX; e++)
            if (32'(e) == idx) n_e_mem[c][e] = ent;
          n_e_count[c] = n_e_count[c] + 32'd1;
        end
    end

    // Hand packets on, VC by VC (a refused spike blocks its VC until the FIFO has room).
    for (int c = 0; c < VC_MAX; c++) begin
      blocked = 1'b0;
      for (int e = 0; e < DEPTH_MAX; e++) begin
        if (32'(e) < n_e_count[c] && !blocked) begin
          idx = n_e_head[c];
          ent = 0;
          for (int j = 0; j < DEPTH_MAX; j++)
            if (32'(j) == idx) ent = n_e_mem[c][j];
          if (ent[EW-1]) begin
            if (ent[97:96] == 2'd1 && host_out_valid[c]) begin
              blocked = 1'b1;  // one output spike per VC and cycle on the host port
            end else if (ent[97:96] == 2'd1) begin
              if (!cfg_host) err_c = 32'd4;
              host_out_valid[c] = 1'b1;
              host_out_neuron[c*32 +: 32] = ent[95:64];
              host_out_step[c*32 +: 32] = ent[63:32];
              host_out_v[c*32 +: 32] = cfg_payload_bits >= 32 ? ent[31:0] :
                  ((ent[31:0] ^ (32'd1 << (cfg_payload_bits - 32'd1))) - (32'd1 << (cfg_payload_bits - 32'd1)));
              delivered = 1'b1;
            end else if (!cfg_has_pe) begin
              err_c = 32'd3;
            end else if (pushes < IN_MAX && pe_fifo_count + pushes < cfg_fifo_depth) begin
              if (ent[95:64] < cfg_axon_first) err_c = 32'd6;
              for (int i = 0; i < IN_MAX; i++)
                if (32'(i) == pushes) begin
                  pe_in_valid[i] = 1'b1;
                  pe_in_axon[i*32 +: 32] = ent[95:64] - cfg_axon_first;
                  pe_in_step[i*32 +: 32] = ent[63:32];
                end
              pushes = pushes + 32'd1;
              delivered = 1'b1;
            end else begin
              blocked = 1'b1;
            end
          end
          if (!blocked) begin
            n_e_head[c] = idx + 32'd1 >= DEPTH_MAX ? 32'd0 : idx + 32'd1;
            n_e_count[c] = n_e_count[c] - 32'd1;
            ej_cr[c*8 +: 8] = ej_cr[c*8 +: 8] + 8'd1;
          end
        end
      end
    end

  end

  logic [31:0] n_q_count_b;
  assign n_err = err_r != 32'd0 ? err_r : err_a != 32'd0 ? err_a : err_b != 32'd0 ? err_b : err_c;
  always_ff @(posedge clk) begin
    if (!rst_n) begin
      q_head <= 32'd0;
      q_count <= 32'd0;
      reserved <= 32'd0;
      s_active <= '0;
      start_rr <= 32'd0;
      send_rr <= 32'd0;
      err_r <= 32'd0;
      for (int c = 0; c < VC_MAX; c++) begin
        credits[c] <= cfg_depth;
        e_head[c] <= 32'd0;
        e_count[c] <= 32'd0;
        rx_seq[c] <= 2'd0;
        s_seq[c] <= 2'd0;
        s_flits[c] <= 2'd0;
      end
    end else begin
      for (int q = 0; q < QDEPTH_MAX; q++) q_mem[q] <= n_q_mem[q];
      q_head <= n_q_head;
      q_count <= n_q_count_b;
      reserved <= n_reserved;
      s_active <= n_s_active;
      for (int c = 0; c < VC_MAX; c++) s_pkt[c] <= n_s_pkt[c];
      for (int c = 0; c < VC_MAX; c++) s_flits[c] <= n_s_flits[c];
      for (int c = 0; c < VC_MAX; c++) s_seq[c] <= n_s_seq[c];
      for (int c = 0; c < VC_MAX; c++) credits[c] <= n_credits[c];
      start_rr <= n_start_rr;
      send_rr <= n_send_rr;
      for (int c = 0; c < VC_MAX; c++)
        for (int e = 0; e < DEPTH_MAX; e++) e_mem[c][e] <= n_e_mem[c][e];
      for (int c = 0; c < VC_MAX; c++) e_head[c] <= n_e_head[c];
      for (int c = 0; c < VC_MAX; c++) e_count[c] <= n_e_count[c];
      for (int c = 0; c < VC_MAX; c++) rx_f0[c] <= n_rx_f0[c];
      for (int c = 0; c < VC_MAX; c++) rx_seq[c] <= n_rx_seq[c];
      err_r <= n_err;
    end
    if (ds_we) begin
      for (int d = 0; d < DSETS; d++)
        if (32'(d) == ds_addr) ds_tab[d] <= ds_mask;
    end
  end

  always_comb begin
    logic busy;
    busy = q_count != 32'd0 || reserved != 32'd0 || s_active != '0;
    for (int c = 0; c < VC_MAX; c++) busy = busy || e_count[c] != 32'd0;
    idle = !busy;
  end
  assign err = err_r;

endmodule
