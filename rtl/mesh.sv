// mesh: a W x H spiketlm chip in synthesizable SystemVerilog: at every node a router
// (rtl/router.sv), a network interface (rtl/ni.sv) and a PE (rtl/pe_core.sv), connected by
// channel delays (rtl/dline.sv) with the latencies of the TLM mesh (hw/noc/mesh.cpp, docs/noc.md):
//
//   router -> router     flits after cfg_d_flit  = sa + st + link_latency cycles,
//                        credits after cfg_d_cr  = sa + link_latency
//   NI -> router         flits after 1 (kNiChannelLatency), ejection credits after 2 (kNiCreditLatency)
//   router -> NI         flits after cfg_d_ej    = sa + st + 1, credits after cfg_d_injcr = sa + 2
//
// Node n = y * W + x; router ports 0 local, 1 north (y - 1), 2 east (x + 1), 3 south, 4 west.
// The host port sits at node cfg_host_node: a testbench (or a host block) writes input spikes
// into that node's NI (host_in_*, at most host_space per cycle) and receives the output layer's
// spikes (host_out_*). The timestep controller (frame reset, step start, barrier) is outside:
// pe_done, noc_idle and delivered are the done-tree's inputs (docs/pe.md).
//
// Loading (before a run, through one port): ld_sel 0 synapse word, 1 axon entry, 2 routing
// entry of node ld_node's PE (the pe_core load port); 3 configuration register ld_addr of node
// ld_node (the list below); 4 destination set ld_addr (a node bitmask, written into every NI).
module mesh #(
    parameter int W          = 2,
    parameter int H          = 2,
    parameter int VC_MAX     = 2,
    parameter int DEPTH_MAX  = 4,
    parameter int FLIT_W     = 64,
    parameter int QDEPTH_MAX = 8,
    parameter int DSETS      = 16,
    parameter int D_MAX      = 8,      // longest channel delay
    parameter int HIN_MAX    = 1,      // host input spikes per cycle
    // pe_core sizes
    parameter int NEURONS    = 32,
    parameter int SYN_WORDS  = 256,
    parameter int AXONS      = 64,
    parameter int ROUTES     = 32,
    parameter int IN_MAX     = 2,
    parameter int FIFO_MAX   = 8,
    parameter int WFIFO_MAX  = 4,
    parameter int LWPC_MAX   = 1,
    parameter int LANES_MAX  = 8,
    parameter int UPD_MAX    = 4,
    parameter int LAT_MAX    = 2,
    parameter int ACC_SLOTS  = 2,
    parameter int ACC_W      = 20,
    parameter int STQ_MAX    = 8,
    parameter int RT_MAX     = 1,
    parameter bit NOISE      = 0
) (
    input  logic                        clk,
    input  logic                        rst_n,
    // ---- configuration registers of the NoC (every node) ----
    input  logic [31:0]                 cfg_vcs,
    input  logic [31:0]                 cfg_depth,
    input  logic [31:0]                 cfg_rc,
    input  logic [31:0]                 cfg_va,
    input  logic [31:0]                 cfg_routing,
    input  logic [31:0]                 cfg_d_flit,
    input  logic [31:0]                 cfg_d_cr,
    input  logic [31:0]                 cfg_d_ej,
    input  logic [31:0]                 cfg_d_injcr,
    input  logic [31:0]                 cfg_qdepth,
    input  logic [31:0]                 cfg_inflight,
    input  logic [31:0]                 cfg_flit_bits,
    input  logic [31:0]                 cfg_node_bits,
    input  logic [31:0]                 cfg_dest_bits,
    input  logic [31:0]                 cfg_axon_bits,
    input  logic [31:0]                 cfg_step_bits,
    input  logic [31:0]                 cfg_payload_bits,
    input  logic [31:0]                 cfg_host_node,
    // ---- load port ----
    input  logic                        ld_we,
    input  logic [2:0]                  ld_sel,
    input  logic [31:0]                 ld_node,
    input  logic [31:0]                 ld_addr,
    input  logic [63:0]                 ld_data,
    // ---- control (every PE) ----
    input  logic                        arb_reset,
    input  logic                        frame_reset,
    input  logic [63:0]                 frame_id,
    input  logic                        step_start,
    input  logic [31:0]                 step_in,
    // ---- host port ----
    output logic [31:0]                 host_space,
    input  logic [HIN_MAX-1:0]          host_in_valid,
    input  logic [HIN_MAX*32-1:0]       host_in_axon,
    input  logic [HIN_MAX*32-1:0]       host_in_step,
    input  logic [31:0]                 host_in_dest_set,
    output logic [VC_MAX-1:0]           host_out_valid,
    output logic [VC_MAX*32-1:0]        host_out_neuron,
    output logic [VC_MAX*32-1:0]        host_out_step,
    output logic [VC_MAX*32-1:0]        host_out_v,
    // ---- status ----
    output logic [W*H-1:0]              pe_done,
    output logic                        noc_idle,    // no packet queued, claimed, on a channel or buffered
    output logic                        delivered,   // (comb) a packet reached a PE or the host in this cycle
    output logic [31:0]                 err,         // first error: {node[15:0], source[3:0], code[11:0]}
    // ---- spike monitor (comb): every PE's update decision of this cycle ----
    output logic [W*H-1:0]              mon_decide,
    output logic [W*H*UPD_MAX-1:0]      mon_fire,
    output logic [W*H*32-1:0]           mon_first,
    output logic [W*H*32-1:0]           mon_step
);
  localparam int N = W * H;
  localparam int TAG_W = 16;                         // the hop count (the router's sideband)
  localparam int FL = 1 + FLIT_W + TAG_W + 8 + 2;    // a flit on a channel: {valid, tail, head, vc, tag, bits}
  localparam int CR = VC_MAX * 8;                    // credit counts per VC
  localparam int NCFG = 35;

  // Per-node configuration registers (ld_sel 3): the pe_core cfg_* inputs, then the NI's.
  //  0 neurons  1 fifo_depth  2 wfifo_depth  3 lwpc  4 lanes  5 upd_lanes  6 syn_banks  7 syn_ports
  //  8 syn_lat  9 axon_lat  10 state_lat  11 route_lat  12 route_banks  13 route_ports  14 wbits
  // 15 wpw  16 delay  17 state_bits  18 theta  19 bias  20 vreset  21 decay_i  22 decay_v
  // 23 refractory  24 reset_to_value  25 single_spike  26 noise_mode  27 noise_bits  28 noise_shift
  // 29 noise_seed  30 layer  31 first_neuron  32 has_pe  33 to_host  34 axon_first
  logic [63:0] ncfg[N][NCFG];
  always_ff @(posedge clk) begin
    if (ld_we && ld_sel == 3'd3) begin
      for (int n = 0; n < N; n++)
        for (int r = 0; r < NCFG; r++)
          if (32'(n) == ld_node && 32'(r) == ld_addr) ncfg[n][r] <= ld_data;
    end
  end

  // Router outputs and inputs, per node and port.
  logic [4:0]         r_out_valid[N], r_out_head[N], r_out_tail[N], r_cr_valid[N];
  logic [5*FLIT_W-1:0] r_out_bits[N];
  logic [5*TAG_W-1:0] r_out_tag[N];
  logic [5*8-1:0]     r_out_vc[N], r_cr_vc[N];
  logic [FL-1:0]      ch_flit[N][5];     // delayed router outputs (sender side)
  logic [CR-1:0]      ch_cr[N][5];       // delayed credits of router input ports (sender side)
  logic [N*5-1:0]     ch_busy;
  logic [5*VC_MAX*8-1:0] r_vc_count[N];
  logic [31:0]        r_err[N];
  /* verilator lint_off UNUSEDSIGNAL */
  logic [31:0]        r_err_port[N], r_err_node[N];   // visible in a VCD
  logic [31:0]        r_act_read[N], r_act_arb[N];
  /* verilator lint_on UNUSEDSIGNAL */

  logic [N-1:0]       ni_idle, ni_delivered;
  logic [31:0]        ni_err[N];
  logic [31:0]        ni_host_space[N];
  logic [VC_MAX-1:0]  ni_host_valid[N];
  logic [VC_MAX*32-1:0] ni_host_neuron[N], ni_host_step[N], ni_host_v[N];
  logic [N-1:0]       pe_err, inj_busy_n;

  function automatic int nb(input int n, input int p);  // neighbour of node n through port p (-1: none)
    int x, y;
    x = n % W;
    y = n / W;
    if (p == 1) return y > 0 ? n - W : -1;
    if (p == 2) return x + 1 < W ? n + 1 : -1;
    if (p == 3) return y + 1 < H ? n + W : -1;
    if (p == 4) return x > 0 ? n - 1 : -1;
    return -1;
  endfunction
  function automatic int opp(input int p);
    return p == 1 ? 3 : p == 2 ? 4 : p == 3 ? 1 : 2;
  endfunction

  genvar g, gp;
  generate
    for (g = 0; g < N; g++) begin : node
      // ---------------------------------------------------------- router inputs
      logic [4:0]          in_valid, in_head, in_tail;
      logic [5*FLIT_W-1:0] in_bits;
      logic [5*TAG_W-1:0]  in_tag;
      logic [5*8-1:0]      in_vc;
      logic [5*CR-1:0]     cr_in;
      logic [4:0]          links;
      // NI <-> router channels
      logic                inj_valid, inj_head, inj_tail;
      logic [FLIT_W-1:0]   inj_bits;
      logic [7:0]          inj_vc;
      logic [FL-1:0]       inj_ch;
      logic [CR-1:0]       ej_cr, ej_cr_d;
      logic [FL-1:0]       ej_ch;
      // PE <-> NI
      logic [IN_MAX-1:0]      pe_in_valid;
      logic [IN_MAX*32-1:0]   pe_in_axon, pe_in_step;
      logic [31:0]            fifo_count, inj_credits, upd_reserve, upd_step, upd_first;
      logic [RT_MAX-1:0]      pkt_valid;
      logic [RT_MAX*32-1:0]   pkt_vfire, pkt_dest_set, pkt_axon;
      logic                   done, perr, upd_decide;
      logic [UPD_MAX-1:0]     fire_mask;
      /* verilator lint_off UNUSEDSIGNAL */
      logic [RT_MAX*32-1:0]   pkt_neuron;                 // visible in a VCD
      logic                   upd_busy, upd_stall;
      logic [UPD_MAX*32-1:0]  fire_v;
      /* verilator lint_on UNUSEDSIGNAL */
      logic [31:0]            hs;
      logic [HIN_MAX-1:0]     hvalid;

      for (gp = 1; gp < 5; gp++) begin : port
        if (nb(g, gp) >= 0) begin : linked
          assign links[gp] = 1'b1;
          // The flit arriving through input port gp left neighbour nb's output port opp(gp).
          assign in_valid[gp] = ch_flit[nb(g, gp)][opp(gp)][FL-1];
          assign in_tail[gp]  = ch_flit[nb(g, gp)][opp(gp)][FL-2];
          assign in_head[gp]  = ch_flit[nb(g, gp)][opp(gp)][FL-3];
          assign in_vc[gp*8 +: 8] = ch_flit[nb(g, gp)][opp(gp)][FLIT_W+TAG_W +: 8];
          assign in_tag[gp*TAG_W +: TAG_W] = ch_flit[nb(g, gp)][opp(gp)][FLIT_W +: TAG_W];
          assign in_bits[gp*FLIT_W +: FLIT_W] = ch_flit[nb(g, gp)][opp(gp)][0 +: FLIT_W];
          // Credits for output port gp come back from the neighbour's input port opp(gp).
          assign cr_in[gp*CR +: CR] = ch_cr[nb(g, gp)][opp(gp)];
        end else begin : edge_port
          assign links[gp] = 1'b0;
          assign in_valid[gp] = 1'b0;
          assign in_tail[gp] = 1'b0;
          assign in_head[gp] = 1'b0;
          assign in_vc[gp*8 +: 8] = 8'd0;
          assign in_tag[gp*TAG_W +: TAG_W] = '0;
          assign in_bits[gp*FLIT_W +: FLIT_W] = '0;
          assign cr_in[gp*CR +: CR] = '0;
        end
      end
      assign links[0] = 1'b1;
      assign in_valid[0] = inj_ch[FL-1];
      assign in_tail[0] = inj_ch[FL-2];
      assign in_head[0] = inj_ch[FL-3];
      assign in_vc[7:0] = inj_ch[FLIT_W+TAG_W +: 8];
      assign in_tag[0 +: TAG_W] = '0;
      assign in_bits[0 +: FLIT_W] = inj_ch[0 +: FLIT_W];
      assign cr_in[0 +: CR] = ej_cr_d;

      router #(.VC_MAX(VC_MAX), .DEPTH_MAX(DEPTH_MAX), .FLIT_W(FLIT_W), .NODES_MAX(N), .TAG_W(TAG_W)) rt (
          .clk, .rst_n, .arb_reset,
          .cfg_vcs, .cfg_depth, .cfg_rc, .cfg_va, .cfg_routing,
          .cfg_width(32'(W)), .cfg_nodes(32'(N)), .cfg_x(32'(g % W)), .cfg_y(32'(g / W)), .cfg_id(32'(g)),
          .cfg_node_bits, .cfg_dest_bits, .cfg_links(links),
          .in_valid, .in_bits, .in_tag, .in_vc, .in_head, .in_tail, .cr_in,
          .out_valid(r_out_valid[g]), .out_bits(r_out_bits[g]), .out_tag(r_out_tag[g]), .out_vc(r_out_vc[g]),
          .out_head(r_out_head[g]), .out_tail(r_out_tail[g]),
          .cr_out_valid(r_cr_valid[g]), .cr_out_vc(r_cr_vc[g]),
          .act_read(r_act_read[g]), .act_arb(r_act_arb[g]), .vc_count(r_vc_count[g]),
          .err(r_err[g]), .err_port(r_err_port[g]), .err_node(r_err_node[g]));

      // ---------------------------------------------------------- channels leaving this router
      for (gp = 0; gp < 5; gp++) begin : out_ch
        logic [FL-1:0] f_in;
        logic [CR-1:0] c_in;
        assign f_in = {r_out_valid[g][gp], r_out_tail[g][gp], r_out_head[g][gp], r_out_vc[g][gp*8 +: 8],
                       r_out_tag[g][gp*TAG_W +: TAG_W], r_out_bits[g][gp*FLIT_W +: FLIT_W]};
        always_comb begin
          c_in = '0;
          for (int v = 0; v < VC_MAX; v++)
            if (r_cr_valid[g][gp] && r_cr_vc[g][gp*8 +: 8] == 8'(v)) c_in[v*8 +: 8] = 8'd1;
        end
        dline #(.W(FL), .D_MAX(D_MAX)) fd (.clk, .rst_n, .cfg_d(gp == 0 ? cfg_d_ej : cfg_d_flit), .in(f_in),
                                           .out(ch_flit[g][gp]), .busy(ch_busy[g*5+gp]));
        /* verilator lint_off PINCONNECTEMPTY */
        dline #(.W(CR), .D_MAX(D_MAX)) cd (.clk, .rst_n, .cfg_d(gp == 0 ? cfg_d_injcr : cfg_d_cr), .in(c_in),
                                           .out(ch_cr[g][gp]), .busy());
        /* verilator lint_on PINCONNECTEMPTY */
      end
      assign ej_ch = ch_flit[g][0];

      // ---------------------------------------------------------- NI channels to the router
      logic inj_busy;
      dline #(.W(FL), .D_MAX(1)) injd (.clk, .rst_n, .cfg_d(32'd1),
          .in({inj_valid, inj_tail, inj_head, inj_vc, {TAG_W{1'b0}}, inj_bits}), .out(inj_ch), .busy(inj_busy));
      assign inj_busy_n[g] = inj_busy;
      /* verilator lint_off PINCONNECTEMPTY */
      dline #(.W(CR), .D_MAX(2)) ejcd (.clk, .rst_n, .cfg_d(32'd2), .in(ej_cr), .out(ej_cr_d), .busy());
      /* verilator lint_on PINCONNECTEMPTY */

      // ---------------------------------------------------------- NI
      assign hvalid = 32'(g) == cfg_host_node ? host_in_valid : '0;
      ni #(.VC_MAX(VC_MAX), .DEPTH_MAX(DEPTH_MAX), .FLIT_W(FLIT_W), .NODES_MAX(N), .QDEPTH_MAX(QDEPTH_MAX),
           .DSETS(DSETS), .IN_MAX(IN_MAX), .RT_MAX(RT_MAX), .HIN_MAX(HIN_MAX)) nif (
          .clk, .rst_n, .arb_reset,
          .cfg_node(32'(g)), .cfg_vcs, .cfg_depth, .cfg_qdepth, .cfg_inflight, .cfg_flit_bits, .cfg_node_bits,
          .cfg_dest_bits, .cfg_axon_bits, .cfg_step_bits, .cfg_payload_bits,
          .cfg_has_pe(ncfg[g][32][0]), .cfg_host(32'(g) == cfg_host_node), .cfg_to_host(ncfg[g][33][0]),
          .cfg_axon_first(ncfg[g][34][31:0]), .cfg_fifo_depth(ncfg[g][1][31:0]),
          .ds_we(ld_we && ld_sel == 3'd4), .ds_addr(ld_addr), .ds_mask(ld_data),
          .pe_fifo_count(fifo_count), .pe_in_valid, .pe_in_axon, .pe_in_step, .pe_inj_credits(inj_credits),
          .pe_upd_reserve(upd_reserve), .pe_upd_step(upd_step), .pe_pkt_valid(pkt_valid), .pe_pkt_vfire(pkt_vfire),
          .pe_pkt_dest_set(pkt_dest_set), .pe_pkt_axon(pkt_axon),
          .host_space(hs), .host_in_valid(hvalid), .host_in_axon, .host_in_step, .host_in_dest_set,
          .host_out_valid(ni_host_valid[g]), .host_out_neuron(ni_host_neuron[g]), .host_out_step(ni_host_step[g]),
          .host_out_v(ni_host_v[g]),
          .inj_valid, .inj_bits, .inj_vc, .inj_head, .inj_tail, .inj_cr(ch_cr[g][0]),
          .ej_valid(ej_ch[FL-1]), .ej_bits(ej_ch[0 +: FLIT_W]), .ej_vc(ej_ch[FLIT_W+TAG_W +: 8]),
          .ej_head(ej_ch[FL-3]), .ej_tail(ej_ch[FL-2]), .ej_cr,
          .idle(ni_idle[g]), .delivered(ni_delivered[g]), .err(ni_err[g]));
      assign ni_host_space[g] = hs;

      // ---------------------------------------------------------- PE
      /* verilator lint_off PINCONNECTEMPTY */
      pe_core #(.NEURONS(NEURONS), .SYN_WORDS(SYN_WORDS), .AXONS(AXONS), .ROUTES(ROUTES), .IN_MAX(IN_MAX),
                .FIFO_MAX(FIFO_MAX), .WFIFO_MAX(WFIFO_MAX), .LWPC_MAX(LWPC_MAX), .LANES_MAX(LANES_MAX),
                .UPD_MAX(UPD_MAX), .LAT_MAX(LAT_MAX), .ACC_SLOTS(ACC_SLOTS), .ACC_W(ACC_W), .STQ_MAX(STQ_MAX),
                .RT_MAX(RT_MAX), .NOISE(NOISE)) pe (
          .clk, .rst_n,
          .cfg_neurons(ncfg[g][0][31:0]), .cfg_fifo_depth(ncfg[g][1][31:0]), .cfg_wfifo_depth(ncfg[g][2][31:0]),
          .cfg_lwpc(ncfg[g][3][31:0]), .cfg_lanes(ncfg[g][4][31:0]), .cfg_upd_lanes(ncfg[g][5][31:0]),
          .cfg_syn_banks(ncfg[g][6][31:0]), .cfg_syn_ports(ncfg[g][7][31:0]), .cfg_syn_lat(ncfg[g][8][31:0]),
          .cfg_axon_lat(ncfg[g][9][31:0]), .cfg_state_lat(ncfg[g][10][31:0]), .cfg_route_lat(ncfg[g][11][31:0]),
          .cfg_route_banks(ncfg[g][12][31:0]), .cfg_route_ports(ncfg[g][13][31:0]), .cfg_wbits(ncfg[g][14][31:0]),
          .cfg_wpw(ncfg[g][15][31:0]), .cfg_delay(ncfg[g][16][31:0]), .cfg_state_bits(ncfg[g][17][31:0]),
          .cfg_theta(ncfg[g][18][31:0]), .cfg_bias(ncfg[g][19][31:0]), .cfg_vreset(ncfg[g][20][31:0]),
          .cfg_decay_i(ncfg[g][21][31:0]), .cfg_decay_v(ncfg[g][22][31:0]), .cfg_refractory(ncfg[g][23][31:0]),
          .cfg_reset_to_value(ncfg[g][24][0]), .cfg_single_spike(ncfg[g][25][0]), .cfg_noise_mode(ncfg[g][26][1:0]),
          .cfg_noise_bits(ncfg[g][27][31:0]), .cfg_noise_shift(ncfg[g][28][31:0]), .cfg_noise_seed(ncfg[g][29]),
          .cfg_layer(ncfg[g][30][31:0]), .cfg_first_neuron(ncfg[g][31][31:0]),
          .ld_we(ld_we && ld_sel < 3'd3 && ld_node == 32'(g)), .ld_sel(ld_sel[1:0]), .ld_addr, .ld_data,
          .frame_reset, .frame_id, .step_start, .step_in,
          .in_valid(pe_in_valid), .in_axon(pe_in_axon), .in_step(pe_in_step), .fifo_count,
          .inj_credits, .done, .err(perr), .upd_busy, .upd_decide, .upd_stall, .upd_reserve, .upd_first,
          .upd_step, .fire_mask, .fire_v,
          .pkt_valid, .pkt_neuron, .pkt_vfire, .pkt_dest_set, .pkt_axon,
          .act_pop(), .act_words(), .act_syn_conflict(), .act_word_start(), .act_word_valid(), .act_compute_busy(),
          .act_upd_group(), .act_upd_updates(), .act_upd_mults(), .act_upd_noise(), .act_state_write(),
          .act_route_reads(), .act_route_conflict(), .act_reset_write(), .act_reset_word());
      /* verilator lint_on PINCONNECTEMPTY */
      assign pe_done[g] = done;
      assign pe_err[g] = perr;
      assign mon_decide[g] = upd_decide;
      assign mon_fire[g*UPD_MAX +: UPD_MAX] = fire_mask;
      assign mon_first[g*32 +: 32] = upd_first;
      assign mon_step[g*32 +: 32] = upd_step;
    end
  endgenerate

  // ---------------------------------------------------------------- host port and status
  always_comb begin
    logic busy;
    host_space = 32'd0;
    host_out_valid = '0;
    host_out_neuron = '0;
    host_out_step = '0;
    host_out_v = '0;
    busy = ch_busy != '0;
    err = 32'd0;
    for (int n = N - 1; n >= 0; n--) begin
      if (32'(n) == cfg_host_node) begin
        host_space = ni_host_space[n];
        host_out_valid = ni_host_valid[n];
        host_out_neuron = ni_host_neuron[n];
        host_out_step = ni_host_step[n];
        host_out_v = ni_host_v[n];
      end
      if (!ni_idle[n] || r_vc_count[n] != '0 || inj_busy_n[n]) busy = 1'b1;
      if (r_err[n] != 32'd0) err = {16'(n), 4'd1, r_err[n][11:0]};
      if (ni_err[n] != 32'd0) err = {16'(n), 4'd2, ni_err[n][11:0]};
      if (pe_err[n]) err = {16'(n), 4'd3, 12'd1};
    end
    noc_idle = !busy;
    delivered = ni_delivered != '0;
  end

endmodule
