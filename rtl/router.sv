// router: the spiketlm mesh router in synthesizable SystemVerilog.
//
// It implements router kind `iq_wormhole` (hw/noc/iq_router.h, docs/noc.md "Router") cycle for
// cycle, so that it can replace it behind the router seam (hw/noc/router_if.h; the `rtl` kind
// in hw/noc/rtl). Five ports (0 local, 1 north, 2 east, 3 south, 4 west), VC_MAX virtual
// channels per port with input buffers of DEPTH_MAX flits, credit-based flow control, and the
// pipeline of the TLM router, all in the cycle a flit is visible:
//
//   in_* -> input buffers (write)
//        -> route computation (RC): a head at the front of its VC, cfg_rc cycles after it got
//           there, reads its header bits (tlm/packet_format.h: multicast flag at bit 2, the
//           destination from bit 3: a node id of cfg_node_bits, or a node bitmask of
//           cfg_dest_bits that is split into one branch per output port by the routing
//           function's first choice); routing functions xy, yx, west_first (two candidates);
//        -> VC allocation (VA): one iteration of separable iSLIP between the branches waiting
//           for an output VC and the free output VCs (grant pointer per output VC over input
//           VCs; accept by most credits, then round robin from a pointer per input VC);
//        -> switch allocation (SA): from cfg_va cycles after VA, one iteration of iSLIP between
//           input ports and output ports (grant pointer per output, accept pointer per input,
//           VC round robin per input); a multicast VC takes every granted branch (replication);
//        -> traversal: out_* carry the granted flits (the head of a multicast branch carries its
//           share of the bitmask; hops + 1 in the sideband tag when it leaves through a
//           non-local port); a flit every branch has sent leaves its buffer and its credit goes
//           upstream (cr_out_*).
//
// out_* and cr_out_* are the crossbar and credit outputs of the cycle of the switch grant: the
// SA/ST stage registers of the TLM router (NocConfig::stages() sa and st) are the output
// channel's delay, which the co-simulation wrapper applies when it puts them on the links
// (flits after sa + st cycles, credits after sa cycles), as the TLM router does.
//
// Flits carry FLIT_W data bits and a TAG_W-bit sideband tag that the router does not interpret
// except for the hop count in its top 16 bits (the simulator's packet handle, flit index, hops).
//
// The cycle logic is one combinational block that follows hw/noc/iq_router.cpp step by step
// (next-state variables updated with blocking assignments in loops over ports, VCs, branches and
// nodes); every array index is a constant after the loops unroll (a run-time selection is a
// compare against each candidate), so that yosys elaborates it without per-access case trees.
//
// Parameters fix the hardware (the maxima); cfg_* inputs are configuration registers that choose
// the operating point within them (the run's chip.noc.* values). Conventions as in pe_core:
// "cycle c" is the cycle before the rising edge that ends it; outputs marked (comb) describe the
// work of the current cycle.
module router #(
    parameter int VC_MAX    = 4,    // virtual channels per port
    parameter int DEPTH_MAX = 16,   // input buffer depth per VC (flits)
    parameter int FLIT_W    = 128,  // data bits per flit
    parameter int NODES_MAX = 128,  // nodes of the mesh (width of a multicast bitmask)
    parameter int TAG_W     = 64    // sideband tag: {hops[15:0], flit index[15:0], packet[31:0]}
) (
    input  logic                     clk,
    input  logic                     rst_n,
    input  logic                     arb_reset,      // pulse: every arbiter pointer back to its start (an idle router at a frame start)
    // ---- configuration registers (static during a run) ----
    input  logic [31:0]              cfg_vcs,        // VCs in use (<= VC_MAX)
    input  logic [31:0]              cfg_depth,      // buffer depth in use (<= DEPTH_MAX)
    input  logic [31:0]              cfg_rc,         // route computation delay
    input  logic [31:0]              cfg_va,         // VC allocation delay
    input  logic [31:0]              cfg_routing,    // 0 xy, 1 yx, 2 west_first
    input  logic [31:0]              cfg_width,      // mesh width (routers)
    input  logic [31:0]              cfg_nodes,      // width x height
    input  logic [31:0]              cfg_x,
    input  logic [31:0]              cfg_y,
    input  logic [31:0]              cfg_id,         // y * width + x
    input  logic [31:0]              cfg_node_bits,  // width of a node id in the header
    input  logic [31:0]              cfg_dest_bits,  // width of the destination field
    input  logic [4:0]               cfg_links,      // output ports that have a link
    // ---- flits in (one per input port per cycle) ----
    input  logic [4:0]               in_valid,
    input  logic [5*FLIT_W-1:0]      in_bits,
    input  logic [5*TAG_W-1:0]       in_tag,
    input  logic [5*8-1:0]           in_vc,
    input  logic [4:0]               in_head,
    input  logic [4:0]               in_tail,
    // ---- credits in: count o * VC_MAX + v (8 bits each) for output port o, VC v ----
    input  logic [5*VC_MAX*8-1:0]    cr_in,
    // ---- flits out (comb) ----
    output logic [4:0]               out_valid,
    output logic [5*FLIT_W-1:0]      out_bits,
    output logic [5*TAG_W-1:0]       out_tag,
    output logic [5*8-1:0]           out_vc,
    output logic [4:0]               out_head,
    output logic [4:0]               out_tail,
    // ---- credits out, per input port (comb) ----
    output logic [4:0]               cr_out_valid,
    output logic [5*8-1:0]           cr_out_vc,
    // ---- activity of this cycle (comb), for the energy model's action counts ----
    output logic [31:0]              act_read,       // flits taken out of input buffers
    output logic [31:0]              act_arb,        // VC allocations + switch grants
    // ---- status ----
    output logic [5*VC_MAX*8-1:0]    vc_count,       // flits per input VC (registered)
    output logic [31:0]              err,            // (comb) 0 none, 1 buffer overflow, 2 body flit
                                                     // at an idle VC's front, 3 node outside the mesh,
                                                     // 4 route to a port without a link, 5 empty bitmask
    output logic [31:0]              err_port,       // input port of the error
    output logic [31:0]              err_node        // VC (1) or destination node (3, 4)
);
  localparam int NP = 5;
  localparam int NI = NP * VC_MAX;   // input VCs (and output VCs): port * VC_MAX + vc
  localparam int NB = NI * NP;       // route branches: input VC * 5 + slot
  localparam int FW = FLIT_W + TAG_W + 2;  // buffered flit: {tail, head, tag, bits}
  localparam int NBITS = $clog2(NODES_MAX);

  // ------------------------------------------------------------------ helpers
  localparam logic [2:0] P_LOCAL = 3'd0, P_NORTH = 3'd1, P_EAST = 3'd2, P_SOUTH = 3'd3, P_WEST = 3'd4;

  // The routing functions of hw/noc/routing.cpp: {count[1:0], second[2:0], first[2:0]} for a
  // destination (dx, dy) other than the router (x, y).
  function automatic logic [7:0] route_fn(input logic [31:0] kind, input logic [31:0] x, input logic [31:0] y,
                                          input logic [31:0] dx, input logic [31:0] dy);
    logic [2:0] c0, c1;
    logic [1:0] nc;
    c0 = P_LOCAL;
    c1 = P_LOCAL;
    nc = 2'd1;
    if (kind == 32'd1) begin  // yx
      if (dy != y) c0 = dy > y ? P_SOUTH : P_NORTH;
      else c0 = dx > x ? P_EAST : P_WEST;
    end else if (kind == 32'd2) begin  // west_first
      if (dx < x) c0 = P_WEST;
      else begin
        nc = 2'd0;
        if (dx > x) begin
          c0 = P_EAST;
          nc = 2'd1;
        end
        if (dy != y) begin
          if (nc == 2'd0) c0 = dy > y ? P_SOUTH : P_NORTH;
          else c1 = dy > y ? P_SOUTH : P_NORTH;
          nc = nc + 2'd1;
        end
      end
    end else begin  // xy
      if (dx != x) c0 = dx > x ? P_EAST : P_WEST;
      else c0 = dy > y ? P_SOUTH : P_NORTH;
    end
    route_fn = {nc, c1, c0};
  endfunction

  // The first set bit of a 5-bit mask at or after `start`, cyclically.
  function automatic logic [2:0] first_from(input logic [4:0] mask, input logic [31:0] start);
    logic found;
    logic [31:0] j;
    found = 1'b0;
    first_from = 3'd0;
    for (int k = 0; k < NP; k++) begin
      j = start + k;
      if (j >= NP) j = j - NP;
      if (!found && mask[j%NP]) begin
        found = 1'b1;
        first_from = j[2:0];
      end
    end
  endfunction

  function automatic logic [31:0] inc_mod(input logic [31:0] a, input logic [31:0] n);
    inc_mod = (a + 32'd1 >= n) ? 32'd0 : a + 32'd1;
  endfunction

  // ------------------------------------------------------------------ routing table
  // Per destination node: the routing function's candidates from this router (local for the
  // router itself), whether the node is outside the mesh, whether a candidate has no link.
  logic [2:0] nd_c0[NODES_MAX];
  logic [2:0] nd_c1[NODES_MAX];
  logic [1:0] nd_nc[NODES_MAX];
  logic       nd_out[NODES_MAX];
  logic       nd_nolink[NODES_MAX];
  always_comb begin
    logic [31:0] x, y;
    logic [7:0] r;
    x = 0;
    y = 0;
    for (int d = 0; d < NODES_MAX; d++) begin
      r = route_fn(cfg_routing, cfg_x, cfg_y, x, y);
      if (d == cfg_id) r = {2'd1, P_LOCAL, P_LOCAL};
      nd_c0[d] = r[2:0];
      nd_c1[d] = r[5:3];
      nd_nc[d] = r[7:6];
      nd_out[d] = d >= cfg_nodes;
      nd_nolink[d] = d != cfg_id && ((r[2:0] == P_LOCAL || !cfg_links[r[2:0]]) ||
                                     (r[7:6] == 2'd2 && (r[5:3] == P_LOCAL || !cfg_links[r[5:3]])));
      x = x + 32'd1;
      if (x == cfg_width) begin
        x = 0;
        y = y + 32'd1;
      end
    end
  end

  // ------------------------------------------------------------------ state
  logic [FW-1:0] mem[NI*DEPTH_MAX];  // input buffers: VC i holds slots i * DEPTH_MAX ..
  logic [31:0] q_head[NI], q_count[NI];
  logic [31:0] q_age[NI];            // cycles since the front head could start RC (saturating)
  logic        q_routed[NI];
  // Branches of the packet at the front of each input VC (slot = output port for multicast,
  // slot 0 for unicast).
  logic        br_v[NB], br_mc[NB], br_hasvc[NB], br_done[NB];
  logic [2:0]  br_port[NB], br_c0[NB], br_c1[NB];
  logic [1:0]  br_nc[NB];
  logic [31:0] br_ovc[NB], br_off[NB], br_wait[NB];
  logic [NODES_MAX-1:0] br_mask[NB];
  // Output VCs: credits, held by a packet, VA grant pointers; per input VC: VA accept pointer.
  logic [31:0] cred[NI];
  logic        own[NI];
  logic [31:0] va_grr[NI], va_arr[NI];
  // Switch allocation pointers: grant per output, accept and VC priority per input.
  logic [31:0] sw_grr[NP], sw_arr[NP], vc_rr[NP];

  // Next state.
  logic [31:0] n_q_head[NI], n_q_count[NI], n_q_age[NI];
  logic        n_q_routed[NI];
  logic        n_br_v[NB], n_br_mc[NB], n_br_hasvc[NB], n_br_done[NB];
  logic [2:0]  n_br_port[NB], n_br_c0[NB], n_br_c1[NB];
  logic [1:0]  n_br_nc[NB];
  logic [31:0] n_br_ovc[NB], n_br_off[NB], n_br_wait[NB];
  logic [NODES_MAX-1:0] n_br_mask[NB];
  logic [31:0] n_cred[NI];
  logic        n_own[NI];
  logic [31:0] n_va_grr[NI], n_va_arr[NI];
  logic [31:0] n_sw_grr[NP], n_sw_arr[NP], n_vc_rr[NP];

  // The flit arriving on each input port (its buffer write happens at the edge; it can be read
  // in its arrival cycle through this bypass).
  logic [FW-1:0] in_flit[NP];
  always_comb
    for (int p = 0; p < NP; p++)
      in_flit[p] = {in_tail[p], in_head[p], in_tag[p*TAG_W +: TAG_W], in_bits[p*FLIT_W +: FLIT_W]};

  // Buffer slot written by each input port in this cycle.
  logic [31:0] wr_slot[NP];
  logic [31:0] wr_vc[NP];
  always_comb
    for (int p = 0; p < NP; p++) begin
      wr_vc[p] = {24'd0, in_vc[p*8 +: 8]} % VC_MAX;
      wr_slot[p] = 0;
      for (int v = 0; v < VC_MAX; v++)
        if (wr_vc[p] == v) wr_slot[p] = q_head[p*VC_MAX+v] + q_count[p*VC_MAX+v];
      if (wr_slot[p] >= cfg_depth) wr_slot[p] = wr_slot[p] - cfg_depth;
    end

  // ------------------------------------------------------------------ one cycle
  always_comb begin
    /* verilator lint_off UNUSEDSIGNAL */  // index variables: only their low bits select
    logic [31:0] nin, v, bi, dst, bestd, bcr, slot, dest, nbr, minoff, a;
    /* verilator lint_on UNUSEDSIGNAL */
    logic [FW-1:0] f;
    logic [NODES_MAX-1:0] pm[NP];
    logic any, found, ok, tl, dout, dnl;
    logic [2:0] dc0, dc1;
    logic [1:0] dnc;
    logic crok[NB];                   // the branch's output VC has a credit
    logic [2:0] port, go;
    logic [NI-1:0] rq[NP];            // rq[o][i]: input VC i asks for a VC of output o
    logic [31:0] vidx[NI];            // input VC index as the TLM router counts it (p * vcs + v)
    logic g_ok[NI];                   // output VC o * VC_MAX + ov granted ...
    logic [31:0] g_i[NI];             // ... to input VC g_i
    logic [4:0] in_req[NP], out_req[NP], offered[NP], outs[NP];
    logic [31:0] req_vc[NP][NP];
    logic won[NP];
    logic [31:0] wvc[NP];

    nin = NP * cfg_vcs;
    dout = 1'b0;
    dnl = 1'b0;
    dc0 = P_LOCAL;
    dc1 = P_LOCAL;
    dnc = 2'd0;
    v = 0;
    bi = 0;
    dst = 0;
    bestd = 0;
    bcr = 0;
    slot = 0;
    dest = 0;
    nbr = 0;
    minoff = 0;
    a = 0;
    any = 1'b0;
    found = 1'b0;
    ok = 1'b0;
    tl = 1'b0;
    port = P_LOCAL;
    go = P_LOCAL;
    err = 0;
    err_port = 0;
    err_node = 0;
    act_read = 0;
    act_arb = 0;
    out_valid = 0;
    out_bits = 0;
    out_tag = 0;
    out_vc = 0;
    out_head = 0;
    out_tail = 0;
    cr_out_valid = 0;
    cr_out_vc = 0;
    f = 0;
    for (int k = 0; k < NI; k++) begin
      n_q_head[k] = q_head[k];
      n_q_count[k] = q_count[k];
      n_q_age[k] = q_age[k];
      n_q_routed[k] = q_routed[k];
      n_cred[k] = cred[k];
      n_own[k] = own[k];
      n_va_grr[k] = va_grr[k];
      n_va_arr[k] = va_arr[k];
      vidx[k] = (k / VC_MAX) * cfg_vcs + (k % VC_MAX);
      g_ok[k] = 1'b0;
      g_i[k] = 0;
    end
    for (int k = 0; k < NB; k++) begin
      n_br_v[k] = br_v[k];
      n_br_mc[k] = br_mc[k];
      n_br_hasvc[k] = br_hasvc[k];
      n_br_done[k] = br_done[k];
      n_br_port[k] = br_port[k];
      n_br_c0[k] = br_c0[k];
      n_br_c1[k] = br_c1[k];
      n_br_nc[k] = br_nc[k];
      n_br_ovc[k] = br_ovc[k];
      n_br_off[k] = br_off[k];
      n_br_wait[k] = br_wait[k];
      n_br_mask[k] = br_mask[k];
    end
    for (int p = 0; p < NP; p++) begin
      n_sw_grr[p] = sw_grr[p];
      n_sw_arr[p] = sw_arr[p];
      n_vc_rr[p] = vc_rr[p];
      pm[p] = 0;
      rq[p] = 0;
      in_req[p] = 0;
      out_req[p] = 0;
      offered[p] = 0;
      outs[p] = 0;
      won[p] = 1'b0;
      wvc[p] = 0;
      for (int o = 0; o < NP; o++) req_vc[p][o] = 0;
    end

    // ---- buffer write: arrivals (a head into an idle VC may start RC in this cycle)
    for (int p = 0; p < NP; p++) begin
      for (int w = 0; w < VC_MAX; w++) begin
        if (in_valid[p] && wr_vc[p] == w) begin
          if (q_count[p*VC_MAX+w] == cfg_depth && err == 0) begin
            err = 1;
            err_port = p;
            err_node = w;
          end
          if (q_count[p*VC_MAX+w] == 0 && in_head[p]) n_q_age[p*VC_MAX+w] = 0;
          n_q_count[p*VC_MAX+w] = q_count[p*VC_MAX+w] + 32'd1;
        end
      end
    end
    for (int k = 0; k < NI; k++)
      n_cred[k] = n_cred[k] + {24'd0, cr_in[k*8 +: 8]};

    // ---- route computation
    for (int k = 0; k < NI; k++) begin
      if (n_q_count[k] != 0 && !n_q_routed[k] && n_q_age[k] >= cfg_rc) begin
        f = q_count[k] == 0 ? in_flit[k / VC_MAX] : mem[k * DEPTH_MAX + q_head[k] % DEPTH_MAX];
        for (int b = 0; b < NP; b++) begin
          n_br_v[k*NP+b] = 1'b0;
          n_br_mc[k*NP+b] = 1'b0;
          n_br_hasvc[k*NP+b] = 1'b0;
          n_br_done[k*NP+b] = 1'b0;
          n_br_port[k*NP+b] = P_LOCAL;
          n_br_c0[k*NP+b] = P_LOCAL;
          n_br_c1[k*NP+b] = P_LOCAL;
          n_br_nc[k*NP+b] = 2'd0;
          n_br_ovc[k*NP+b] = 0;
          n_br_off[k*NP+b] = 0;
          n_br_wait[k*NP+b] = 0;
          n_br_mask[k*NP+b] = 0;
        end
        if (!f[FLIT_W+TAG_W]) begin
          if (err == 0) begin
            err = 2;
            err_port = k / VC_MAX;
            err_node = k % VC_MAX;
          end
        end else if (!f[2]) begin  // unicast: destination node id
          dest = 0;
          for (int j = 0; j < NBITS; j++) if (j < cfg_node_bits) dest[j] = f[3+j];
          dout = 1'b1;
          dnl = 1'b0;
          dc0 = P_LOCAL;
          dc1 = P_LOCAL;
          dnc = 2'd0;
          for (int d = 0; d < NODES_MAX; d++) begin
            if (dest == d) begin
              dout = nd_out[d];
              dnl = nd_nolink[d];
              dc0 = nd_c0[d];
              dc1 = nd_c1[d];
              dnc = nd_nc[d];
            end
          end
          if (dout) begin
            if (err == 0) begin
              err = 3;
              err_port = k / VC_MAX;
              err_node = dest;
            end
          end else if (dnl && err == 0) begin
            err = 4;
            err_port = k / VC_MAX;
            err_node = dest;
          end
          n_br_v[k*NP] = 1'b1;
          n_br_c0[k*NP] = dc0;
          n_br_c1[k*NP] = dc1;
          n_br_nc[k*NP] = dnc;
        end else begin  // multicast: split the bitmask by the first choice per node
          for (int p = 0; p < NP; p++) pm[p] = 0;
          for (int d = 0; d < NODES_MAX && d + 3 < FLIT_W; d++) begin
            if (d < cfg_dest_bits && f[3+d]) begin
              if (nd_out[d]) begin
                if (err == 0) begin
                  err = 3;
                  err_port = k / VC_MAX;
                  err_node = d;
                end
              end else if (nd_nolink[d] && err == 0) begin
                err = 4;
                err_port = k / VC_MAX;
                err_node = d;
              end
              for (int p = 0; p < NP; p++) if (nd_c0[d] == p[2:0]) pm[p][d] = 1'b1;
            end
          end
          any = 1'b0;
          for (int b = 0; b < NP; b++) begin
            if (pm[b] != 0) begin
              any = 1'b1;
              n_br_v[k*NP+b] = 1'b1;
              n_br_mc[k*NP+b] = 1'b1;
              n_br_c0[k*NP+b] = b[2:0];
              n_br_nc[k*NP+b] = 2'd1;
              n_br_mask[k*NP+b] = pm[b];
            end
          end
          if (!any && err == 0) begin
            err = 5;
            err_port = k / VC_MAX;
            err_node = k % VC_MAX;
          end
        end
        n_q_routed[k] = 1'b1;
      end
    end

    // ---- VC allocation: requests (branches of routed VCs without an output VC)
    for (int k = 0; k < NI; k++) begin
      if (n_q_count[k] != 0 && n_q_routed[k] && (k % VC_MAX) < cfg_vcs) begin
        for (int b = 0; b < NP; b++) begin
          bi = k * NP + b;
          if (n_br_v[bi] && !n_br_hasvc[bi] && !n_br_done[bi]) begin
            for (int o = 0; o < NP; o++)
              if (n_br_c0[bi] == o[2:0] || (n_br_nc[bi] == 2'd2 && n_br_c1[bi] == o[2:0])) rq[o][k] = 1'b1;
          end
        end
      end
    end
    // Grant: each free output VC picks the first requesting input VC from its pointer.
    for (int o = 0; o < NP; o++) begin
      for (int ov = 0; ov < VC_MAX; ov++) begin
        bestd = 32'hFFFF_FFFF;
        if (ov < cfg_vcs && !own[o*VC_MAX+ov]) begin
          for (int k = 0; k < NI; k++) begin
            if (rq[o][k]) begin
              a = va_grr[o*VC_MAX+ov];
              dst = vidx[k] >= a ? vidx[k] - a : vidx[k] + nin - a;
              if (dst < bestd) begin
                bestd = dst;
                g_ok[o*VC_MAX+ov] = 1'b1;
                g_i[o*VC_MAX+ov] = k;
              end
            end
          end
        end
      end
    end
    // Accept: each requesting branch takes its best grant (most credits, then round robin).
    for (int k = 0; k < NI; k++) begin
      for (int b = 0; b < NP; b++) begin
        bi = k * NP + b;
        if (n_q_count[k] != 0 && n_q_routed[k] && n_br_v[bi] && !n_br_hasvc[bi] && !n_br_done[bi]) begin
          found = 1'b0;
          bcr = 0;
          bestd = 0;
          port = P_LOCAL;
          v = 0;
          for (int o = 0; o < NP; o++) begin
            for (int ov = 0; ov < VC_MAX; ov++) begin
              if (g_ok[o*VC_MAX+ov] && g_i[o*VC_MAX+ov] == k &&
                  (n_br_c0[bi] == o[2:0] || (n_br_nc[bi] == 2'd2 && n_br_c1[bi] == o[2:0]))) begin
                a = o * cfg_vcs + ov + nin - n_va_arr[k];
                dst = a >= nin ? a - nin : a;
                if (!found || n_cred[o*VC_MAX+ov] > bcr || (n_cred[o*VC_MAX+ov] == bcr && dst < bestd)) begin
                  found = 1'b1;
                  bcr = n_cred[o*VC_MAX+ov];
                  bestd = dst;
                  port = o[2:0];
                  v = ov;
                end
              end
            end
          end
          if (found) begin
            n_br_port[bi] = port;
            n_br_ovc[bi] = v;
            n_br_hasvc[bi] = 1'b1;
            n_br_wait[bi] = cfg_va;
            for (int o = 0; o < NP; o++)
              for (int ov = 0; ov < VC_MAX; ov++)
                if (port == o[2:0] && v == ov) begin
                  n_own[o*VC_MAX+ov] = 1'b1;
                  n_va_grr[o*VC_MAX+ov] = inc_mod(vidx[k], nin);
                end
            n_va_arr[k] = inc_mod({29'd0, port} * cfg_vcs + v, nin);
            act_arb = act_arb + 32'd1;
          end
        end
      end
    end

    // ---- switch allocation: requests (one VC per output port per input, VC round robin)
    for (int k = 0; k < NB; k++) begin
      crok[k] = 1'b0;
      for (int o = 0; o < NP; o++)
        for (int ov = 0; ov < VC_MAX; ov++)
          if (n_br_port[k] == o[2:0] && n_br_ovc[k] == ov && n_cred[o*VC_MAX+ov] != 0) crok[k] = 1'b1;
    end
    for (int p = 0; p < NP; p++) begin
      for (int kk = 0; kk < VC_MAX; kk++) begin
        if (kk < cfg_vcs) begin
          v = vc_rr[p] + kk;
          if (v >= cfg_vcs) v = v - cfg_vcs;
          for (int w = 0; w < VC_MAX; w++) begin
            if (v == w && n_q_count[p*VC_MAX+w] != 0 && n_q_routed[p*VC_MAX+w]) begin
              for (int b = 0; b < NP; b++) begin
                ok = n_br_v[(p*VC_MAX+w)*NP+b] && n_br_hasvc[(p*VC_MAX+w)*NP+b] &&
                     !n_br_done[(p*VC_MAX+w)*NP+b] && n_br_off[(p*VC_MAX+w)*NP+b] < n_q_count[p*VC_MAX+w] &&
                     n_br_wait[(p*VC_MAX+w)*NP+b] == 0 && crok[(p*VC_MAX+w)*NP+b];
                for (int o = 0; o < NP; o++) begin
                  if (ok && n_br_port[(p*VC_MAX+w)*NP+b] == o[2:0] && !in_req[p][o]) begin
                    in_req[p][o] = 1'b1;
                    req_vc[p][o] = w;
                    out_req[o][p] = 1'b1;
                  end
                end
              end
            end
          end
        end
      end
    end
    // Grant: each requested output picks one input port from its pointer.
    for (int o = 0; o < NP; o++) begin
      if (out_req[o] != 0) begin
        go = first_from(out_req[o], sw_grr[o]);
        for (int p = 0; p < NP; p++) if (go == p[2:0]) offered[p][o] = 1'b1;
      end
    end
    // Accept: each input takes one grant from its pointer, plus the other grants of that VC.
    for (int p = 0; p < NP; p++) begin
      if (offered[p] != 0) begin
        go = first_from(offered[p], sw_arr[p]);
        for (int o = 0; o < NP; o++) if (go == o[2:0]) wvc[p] = req_vc[p][o];
        won[p] = 1'b1;
        for (int o = 0; o < NP; o++) begin
          if (offered[p][o] && req_vc[p][o] == wvc[p]) begin
            outs[p][o] = 1'b1;
            n_sw_grr[o] = inc_mod(p, NP);
            act_arb = act_arb + 32'd1;
          end
        end
        n_sw_arr[p] = inc_mod({29'd0, go}, NP);
        n_vc_rr[p] = inc_mod(wvc[p], cfg_vcs);
      end
    end

    // ---- traversal of the granted flits, then the buffer read of the flits every branch sent
    for (int p = 0; p < NP; p++) begin
      for (int w = 0; w < VC_MAX; w++) begin
        if (won[p] && wvc[p] == w) begin
          nbr = 0;
          for (int b = 0; b < NP; b++) if (n_br_v[(p*VC_MAX+w)*NP+b]) nbr = nbr + 32'd1;
          for (int b = 0; b < NP; b++) begin
            if (n_br_v[(p*VC_MAX+w)*NP+b] && !n_br_done[(p*VC_MAX+w)*NP+b] && n_br_hasvc[(p*VC_MAX+w)*NP+b] &&
                outs[p][n_br_port[(p*VC_MAX+w)*NP+b]]) begin
              slot = q_head[p*VC_MAX+w] + n_br_off[(p*VC_MAX+w)*NP+b];
              if (slot >= cfg_depth) slot = slot - cfg_depth;
              f = (in_valid[p] && wr_vc[p] == w && n_br_off[(p*VC_MAX+w)*NP+b] == q_count[p*VC_MAX+w]) ?
                  in_flit[p] : mem[(p * VC_MAX + w) * DEPTH_MAX + slot % DEPTH_MAX];
              if (f[FLIT_W+TAG_W]) begin  // head
                if (n_br_mc[(p*VC_MAX+w)*NP+b] && nbr > 1)  // this branch's share of the destinations
                  for (int d = 0; d < NODES_MAX && d + 3 < FLIT_W; d++)
                    if (d < cfg_dest_bits) f[3+d] = n_br_mask[(p*VC_MAX+w)*NP+b][d];
                if (n_br_port[(p*VC_MAX+w)*NP+b] != P_LOCAL)
                  f[FLIT_W+TAG_W-16 +: 16] = f[FLIT_W+TAG_W-16 +: 16] + 16'd1;
              end
              for (int o = 0; o < NP; o++) begin
                if (n_br_port[(p*VC_MAX+w)*NP+b] == o[2:0]) begin
                  out_valid[o] = 1'b1;
                  out_bits[o*FLIT_W +: FLIT_W] = f[FLIT_W-1:0];
                  out_tag[o*TAG_W +: TAG_W] = f[FLIT_W +: TAG_W];
                  out_vc[o*8 +: 8] = n_br_ovc[(p*VC_MAX+w)*NP+b][7:0];
                  out_head[o] = f[FLIT_W+TAG_W];
                  out_tail[o] = f[FLIT_W+TAG_W+1];
                  for (int ov = 0; ov < VC_MAX; ov++) begin
                    if (n_br_ovc[(p*VC_MAX+w)*NP+b] == ov) begin
                      n_cred[o*VC_MAX+ov] = n_cred[o*VC_MAX+ov] - 32'd1;
                      if (f[FLIT_W+TAG_W+1]) n_own[o*VC_MAX+ov] = 1'b0;
                    end
                  end
                end
              end
              n_br_off[(p*VC_MAX+w)*NP+b] = n_br_off[(p*VC_MAX+w)*NP+b] + 32'd1;
              if (f[FLIT_W+TAG_W+1]) n_br_done[(p*VC_MAX+w)*NP+b] = 1'b1;
            end
          end
          minoff = 32'hFFFF_FFFF;
          for (int b = 0; b < NP; b++)
            if (n_br_v[(p*VC_MAX+w)*NP+b] && n_br_off[(p*VC_MAX+w)*NP+b] < minoff) minoff = n_br_off[(p*VC_MAX+w)*NP+b];
          if (n_q_count[p*VC_MAX+w] != 0 && minoff != 0) begin
            f = q_count[p*VC_MAX+w] == 0 ? in_flit[p] : mem[(p * VC_MAX + w) * DEPTH_MAX + q_head[p*VC_MAX+w] % DEPTH_MAX];
            tl = f[FLIT_W+TAG_W+1];
            n_q_head[p*VC_MAX+w] = inc_mod(q_head[p*VC_MAX+w], cfg_depth);
            n_q_count[p*VC_MAX+w] = n_q_count[p*VC_MAX+w] - 32'd1;
            act_read = act_read + 32'd1;
            cr_out_valid[p] = 1'b1;
            cr_out_vc[p*8 +: 8] = w[7:0];
            for (int b = 0; b < NP; b++)
              if (n_br_v[(p*VC_MAX+w)*NP+b]) n_br_off[(p*VC_MAX+w)*NP+b] = n_br_off[(p*VC_MAX+w)*NP+b] - 32'd1;
            if (tl) begin  // the packet left: the next head (if any) is routed from the next cycle
              n_q_routed[p*VC_MAX+w] = 1'b0;
              for (int b = 0; b < NP; b++) n_br_v[(p*VC_MAX+w)*NP+b] = 1'b0;
              n_q_age[p*VC_MAX+w] = 32'hFFFF_FFFF;  // becomes 0 below
            end
          end
        end
      end
    end

    // ---- counters of the next cycle
    for (int k = 0; k < NI; k++) n_q_age[k] = n_q_age[k] == 32'hFFFF_FFFF ? 32'd0 :
                                            (n_q_age[k] >= 32'd15 ? 32'd15 : n_q_age[k] + 32'd1);
    for (int k = 0; k < NB; k++) n_br_wait[k] = n_br_wait[k] == 0 ? 32'd0 : n_br_wait[k] - 32'd1;
  end

  always_comb
    for (int k = 0; k < NI; k++) vc_count[k*8 +: 8] = q_count[k][7:0];

  // ------------------------------------------------------------------ registers
  always_ff @(posedge clk) begin
    for (int p = 0; p < NP; p++)
      if (in_valid[p]) mem[(p * VC_MAX + wr_vc[p]) * DEPTH_MAX + wr_slot[p] % DEPTH_MAX] <= in_flit[p];
  end

  for (genvar k = 0; k < NI; k++) begin : g_vc
    always_ff @(posedge clk) begin
      if (!rst_n) begin
        q_head[k] <= 0;
        q_count[k] <= 0;
        q_age[k] <= 0;
        q_routed[k] <= 1'b0;
        cred[k] <= cfg_depth;
        own[k] <= 1'b0;
        va_grr[k] <= 0;
        va_arr[k] <= 0;
      end else begin
        q_head[k] <= n_q_head[k];
        q_count[k] <= n_q_count[k];
        q_age[k] <= n_q_age[k];
        q_routed[k] <= n_q_routed[k];
        cred[k] <= n_cred[k];
        own[k] <= n_own[k];
        va_grr[k] <= arb_reset ? 0 : n_va_grr[k];
        va_arr[k] <= arb_reset ? 0 : n_va_arr[k];
      end
    end
  end
  for (genvar k = 0; k < NB; k++) begin : g_branch
    always_ff @(posedge clk) begin
      if (!rst_n) begin
        br_v[k] <= 1'b0;
        br_mc[k] <= 1'b0;
        br_hasvc[k] <= 1'b0;
        br_done[k] <= 1'b0;
        br_port[k] <= P_LOCAL;
        br_c0[k] <= P_LOCAL;
        br_c1[k] <= P_LOCAL;
        br_nc[k] <= 2'd0;
        br_ovc[k] <= 0;
        br_off[k] <= 0;
        br_wait[k] <= 0;
        br_mask[k] <= 0;
      end else begin
        br_v[k] <= n_br_v[k];
        br_mc[k] <= n_br_mc[k];
        br_hasvc[k] <= n_br_hasvc[k];
        br_done[k] <= n_br_done[k];
        br_port[k] <= n_br_port[k];
        br_c0[k] <= n_br_c0[k];
        br_c1[k] <= n_br_c1[k];
        br_nc[k] <= n_br_nc[k];
        br_ovc[k] <= n_br_ovc[k];
        br_off[k] <= n_br_off[k];
        br_wait[k] <= n_br_wait[k];
        br_mask[k] <= n_br_mask[k];
      end
    end
  end
  for (genvar p = 0; p < NP; p++) begin : g_port
    always_ff @(posedge clk) begin
      if (!rst_n) begin
        sw_grr[p] <= 0;
        sw_arr[p] <= 0;
        vc_rr[p] <= 0;
      end else begin
        sw_grr[p] <= arb_reset ? 0 : n_sw_grr[p];
        sw_arr[p] <= arb_reset ? 0 : n_sw_arr[p];
        vc_rr[p] <= arb_reset ? 0 : n_vc_rr[p];
      end
    end
  end
endmodule
