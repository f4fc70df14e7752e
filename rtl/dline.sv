// dline: a channel delay of cfg_d cycles (0..D_MAX) for rtl/mesh.sv: a value entered in cycle c
// is visible at `out` in cycle c + cfg_d (1 <= cfg_d <= D_MAX; there is no combinational path). The links of the mesh
// (docs/noc.md: a router's SA/ST stage delays plus the link latency for flits, SA plus the link
// latency for credits, the NI channels' fixed latencies) are such delays.
module dline #(
    parameter int W     = 8,
    parameter int D_MAX = 8
) (
    input  logic         clk,
    input  logic         rst_n,
    input  logic [31:0]  cfg_d,
    input  logic [W-1:0] in,
    output logic [W-1:0] out,
    output logic         busy     // a nonzero value is in flight (registered stages, the one visible now included)
);
  logic [W-1:0] st[D_MAX];

  always_ff @(posedge clk) begin
    if (!rst_n) begin
      for (int k = 0; k < D_MAX; k++) st[k] <= '0;
    end else begin
      st[0] <= in;
      for (int k = 1; k < D_MAX; k++) st[k] <= st[k-1];
    end
  end

  always_comb begin
    out = '0;
    busy = 1'b0;
    for (int k = 0; k < D_MAX; k++) begin
      if (32'(k) + 32'd1 == cfg_d) out = st[k];
      if (32'(k) < cfg_d && st[k] != '0) busy = 1'b1;  // the output stage too: visible, not yet taken
    end
  end
endmodule
