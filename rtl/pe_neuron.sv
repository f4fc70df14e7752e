// pe_neuron: one lane of the update engine, combinational. The neuron datapath of
// docs/neuron.md (sw/snn/neuron.h is the code of record): decay by a Q12 multiply and an
// arithmetic shift (floor), exact sums saturated once to cfg_state_bits, refractory hold,
// deterministic / threshold-noise / Bernoulli firing, reset to a value or by subtraction, the
// single-spike flag. The noise word is the counter-based hash of (seed, layer, neuron, frame,
// step): four SplitMix64 finalisers.
module pe_neuron #(
    parameter bit NOISE = 1
) (
    input  logic [31:0]        cfg_state_bits,
    input  logic signed [31:0] cfg_theta,
    input  logic signed [31:0] cfg_bias,
    input  logic signed [31:0] cfg_vreset,
    input  logic [31:0]        cfg_decay_i,
    input  logic [31:0]        cfg_decay_v,
    input  logic [31:0]        cfg_refractory,
    input  logic               cfg_reset_to_value,
    input  logic               cfg_single_spike,
    input  logic [1:0]         cfg_noise_mode,  // 0 none, 1 threshold, 2 bernoulli
    input  logic [31:0]        cfg_noise_bits,
    input  logic [31:0]        cfg_noise_shift,
    input  logic [63:0]        cfg_noise_seed,
    input  logic [31:0]        cfg_layer,
    input  logic [31:0]        neuron,          // index in the layer
    input  logic [63:0]        frame,
    input  logic [31:0]        step,
    input  logic signed [31:0] i_in,
    input  logic signed [31:0] v_in,
    input  logic [15:0]        r_in,
    input  logic               d_in,
    input  logic signed [63:0] acc_in,          // exact sum delivered this step
    output logic signed [31:0] i_out,
    output logic signed [31:0] v_out,
    output logic [15:0]        r_out,
    output logic               d_out,
    output logic               fire,
    output logic signed [31:0] vfire,           // v before the reset (output ties)
    output logic [1:0]         mults,           // decay multiplies executed
    output logic               noise_used,      // a noise word was hashed
    output logic               updated          // the datapath ran (not done)
);
  function automatic logic signed [63:0] sat(input logic signed [63:0] x, input logic [31:0] bits);
    logic signed [63:0] hi, lo;
    hi = (64'sd1 <<< (bits - 32'd1)) - 64'sd1;
    lo = -hi - 64'sd1;
    sat = (x > hi) ? hi : (x < lo) ? lo : x;
  endfunction
  /* verilator lint_off UNUSEDSIGNAL */
  function automatic logic signed [31:0] sat32(input logic signed [63:0] x, input logic [31:0] bits);
    logic signed [63:0] y;
    y = sat(x, bits);
    sat32 = y[31:0];
  endfunction
  /* verilator lint_on UNUSEDSIGNAL */

  function automatic logic [63:0] mix(input logic [63:0] x0);
    logic [63:0] x;
    x = x0 + 64'h9e3779b97f4a7c15;
    x = (x ^ (x >> 30)) * 64'hbf58476d1ce4e5b9;
    x = (x ^ (x >> 27)) * 64'h94d049bb133111eb;
    mix = x ^ (x >> 31);
  endfunction

  logic [31:0] word;
  always_comb begin
    logic [63:0] h;
    h = 64'd0;
    if (NOISE && cfg_noise_mode != 2'd0) begin
      h = mix(cfg_noise_seed);
      h = mix(h ^ {cfg_layer, neuron});
      h = mix(h ^ frame);
      h = mix(h ^ {32'd0, step});
    end
    word = h[63:32];
  end

  always_comb begin
    logic signed [63:0] x, thr_noise, half, raw, p16;
    logic f;
    i_out = i_in; v_out = v_in; r_out = r_in; d_out = d_in; fire = 1'b0; vfire = 32'sd0; mults = 2'd0;
    noise_used = 1'b0; updated = 1'b0;
    x = 64'sd0; thr_noise = 64'sd0; half = 64'sd0; raw = 64'sd0; p16 = 64'sd0; f = 1'b0;
    if (!d_in) begin
      updated = 1'b1;
      mults = {1'b0, (cfg_decay_i != 0 && cfg_decay_i != 32'd4096)};
      x = (($signed({{32{i_in[31]}}, i_in}) * $signed({32'd0, cfg_decay_i})) >>> 12) + acc_in;
      i_out = sat32(x, cfg_state_bits);
      if (r_in != 0) begin
        r_out = r_in - 16'd1;
      end else begin
        mults = mults + {1'b0, (cfg_decay_v != 0 && cfg_decay_v != 32'd4096)};
        noise_used = cfg_noise_mode != 2'd0;
        x = (($signed({{32{v_in[31]}}, v_in}) * $signed({32'd0, cfg_decay_v})) >>> 12) +
            $signed({{32{i_out[31]}}, i_out}) + $signed({{32{cfg_bias[31]}}, cfg_bias});
        v_out = sat32(x, cfg_state_bits);
        case (cfg_noise_mode)
          2'd1: begin
            raw = $signed({32'd0, word} & ((64'd1 << cfg_noise_bits) - 64'd1));
            half = 64'sd1 <<< (cfg_noise_bits - 32'd1);
            thr_noise = (raw >= half ? raw - 2 * half : raw) <<< cfg_noise_shift;
            f = $signed({{32{v_out[31]}}, v_out}) >= $signed({{32{cfg_theta[31]}}, cfg_theta}) + thr_noise;
          end
          2'd2: begin
            p16 = (($signed({{32{v_out[31]}}, v_out}) - $signed({{32{cfg_theta[31]}}, cfg_theta})) <<< cfg_noise_shift) +
                  64'sd32768;
            if (p16 < 0) p16 = 64'sd0;
            if (p16 > 64'sd65536) p16 = 64'sd65536;
            f = $signed({48'd0, word[15:0]}) < p16;
          end
          default: f = v_out >= cfg_theta;
        endcase
        if (f) begin
          fire = 1'b1;
          vfire = v_out;
          x = $signed({{32{v_out[31]}}, v_out}) - $signed({{32{cfg_theta[31]}}, cfg_theta});
          v_out = cfg_reset_to_value ? cfg_vreset : sat32(x, cfg_state_bits);
          r_out = cfg_refractory[15:0];
          d_out = cfg_single_spike;
        end
      end
    end
  end

  logic unused;
  assign unused = ^{cfg_refractory[31:16]};
endmodule
