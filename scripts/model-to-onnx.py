#!/usr/bin/env python3
"""Exports the float ANN stored with a converted spiketlm model (weights.npz members
layer<k>.weight_float, as `spiketlm train --method rate|ttfs` writes them) as an ONNX file laid out
like torch.onnx.export writes an nn.Sequential of bias-free nn.Linear and nn.ReLU layers (input
[N, 784], Gemm with transB=1, Relu), so `spiketlm import` can be tried on a real trained network:

    scripts/model-to-onnx.py models/mnist-rate100 /tmp/mnist-rate100.onnx
    spiketlm import /tmp/mnist-rate100.onnx --dataset mnist --out models/mnist-imported

Needs python3-onnx and python3-numpy (scripts/setup-deps.sh).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: model-to-onnx.py MODEL_DIR OUT.onnx")
    z = np.load(sys.argv[1] + "/weights.npz")
    ws = []
    while f"layer{len(ws)}.weight_float" in z:
        ws.append(z[f"layer{len(ws)}.weight_float"].astype(np.float32))
    if not ws:
        sys.exit(f"{sys.argv[1]}/weights.npz has no layer0.weight_float (not a converted ANN)")
    nodes, inits, prev = [], [], "input"
    for k, w in enumerate(ws):
        inits.append(numpy_helper.from_array(w, f"{2 * k}.weight"))
        out = "output" if k + 1 == len(ws) else f"/{2 * k}/Gemm_output_0"
        nodes.append(helper.make_node("Gemm", [prev, f"{2 * k}.weight"], [out], name=f"/{2 * k}/Gemm",
                                      alpha=1.0, beta=1.0, transB=1))
        prev = out
        if k + 1 < len(ws):
            nodes.append(helper.make_node("Relu", [prev], [f"/{2 * k + 1}/Relu_output_0"], name=f"/{2 * k + 1}/Relu"))
            prev = f"/{2 * k + 1}/Relu_output_0"
    g = helper.make_graph(nodes, "spiketlm-ann", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", ws[0].shape[1]])],
                          [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", ws[-1].shape[0]])], initializer=inits)
    m = helper.make_model(g, producer_name="spiketlm model-to-onnx", opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    onnx.save(m, sys.argv[2])
    print(f"wrote {sys.argv[2]}: {'-'.join(str(s) for s in [ws[0].shape[1]] + [w.shape[0] for w in ws])}")


if __name__ == "__main__":
    main()
