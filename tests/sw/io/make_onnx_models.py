#!/usr/bin/env python3
"""Writes the ONNX files the ONNX-import tests read (tests/sw/io/onnx_import_test.cpp), with the
reference outputs computed by NumPy. Usage: make_onnx_models.py OUT_DIR

The graphs are built node by node the way torch.onnx.export writes a multilayer perceptron
(Flatten or a Constant shape + Reshape in front, Gemm with transB=1 for nn.Linear, or MatMul +
Add, Relu, and the Identity / Dropout / zero Pad nodes exporters leave around layers), so the
tests do not need PyTorch. Needs python3-onnx and python3-numpy (scripts/setup-deps.sh).

Files:
  mlp_gemm.onnx       [N,1,28,28] -> Flatten -> Gemm -> Relu -> Identity -> Gemm -> Relu -> Gemm
  mlp_matmul.onnx     [N,784] -> Constant shape -> Reshape -> MatMul+Add -> Relu -> Pad(0) ->
                      Dropout -> MatMul+Add -> Relu -> MatMul+Add -> Identity
  mlp_nobias.onnx     [N,784] -> Gemm (no C) -> Relu -> Gemm (no C): convertible onto the chip
  mlp_zerosum.onnx    as mlp_nobias, 784-24-10, first-layer rows summing to zero (TTFS-convertible)
  mlp_dynflat.onnx    [N,1,28,28] -> Shape -> Gather(0) -> Unsqueeze -> Concat(-1) -> Cast -> Reshape
                      (torch's x.view(x.size(0), -1) with a dynamic batch) -> Gemm -> Relu -> Gemm
                      -> LogSoftmax; reference out_dynflat (log-probabilities)
  reference.npz       inputs (100, 784) float32 in [0, 1]; out_gemm, out_matmul, out_nobias (100, 10)
  bad_truncated.onnx  the first half of mlp_gemm.onnx's bytes
  bad_conv.onnx       Conv node 'conv1' in front of the MLP
  bad_sigmoid.onnx    Sigmoid node 'act1' instead of a Relu
  bad_shape.onnx      second Gemm 'fc2' whose weights take 31 inputs where the data has 32
  bad_pad.onnx        Pad node 'pad1' with non-zero pads
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

SIZES = [784, 32, 16, 10]


def weights(rng, sizes, bias=True):
    ws, bs = [], []
    for k in range(len(sizes) - 1):
        ws.append((rng.standard_normal((sizes[k + 1], sizes[k])) * np.sqrt(2.0 / sizes[k])).astype(np.float32))
        bs.append((rng.standard_normal(sizes[k + 1]) * 0.1).astype(np.float32) if bias else None)
    return ws, bs


def numpy_forward(x, ws, bs):
    a = x
    for k, (w, b) in enumerate(zip(ws, bs)):
        a = a @ w.T
        if b is not None:
            a = a + b
        if k + 1 < len(ws):
            a = np.maximum(a, 0)
    return a.astype(np.float32)


def model(nodes, inits, inp_shape, name):
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, inp_shape)
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 10])
    g = helper.make_graph(nodes, name, [inp], [out], initializer=inits)
    m = helper.make_model(g, producer_name="spiketlm-test", opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    return m


def gemm_model(ws, bs, name="mlp_gemm", conv=False, act="Relu", shape_bug=False, pad=None):
    nodes, inits = [], []
    prev = "input"
    if conv:
        inits.append(numpy_helper.from_array(np.ones((1, 1, 3, 3), np.float32), "conv1.weight"))
        nodes.append(helper.make_node("Conv", ["input", "conv1.weight"], ["c1"], name="conv1", pads=[1, 1, 1, 1]))
        prev = "c1"
    if pad is not None:
        nodes.append(helper.make_node("Pad", [prev, "pads"], ["p0"], name="pad1", mode="constant"))
        inits.append(numpy_helper.from_array(np.array(pad, np.int64), "pads"))
        prev = "p0"
    nodes.append(helper.make_node("Flatten", [prev], ["/Flatten_output_0"], name="/Flatten", axis=1))
    prev = "/Flatten_output_0"
    for k, (w, b) in enumerate(zip(ws, bs)):
        wn, bn = f"fc{k + 1}.weight", f"fc{k + 1}.bias"
        if shape_bug and k == 1:
            w = w[:, :-1]
        inits += [numpy_helper.from_array(w, wn), numpy_helper.from_array(b, bn)]
        out = "output" if k + 1 == len(ws) else f"/fc{k + 1}/Gemm_output_0"
        nodes.append(helper.make_node("Gemm", [prev, wn, bn], [out], name=f"/fc{k + 1}/Gemm", alpha=1.0, beta=1.0, transB=1))
        prev = out
        if k + 1 < len(ws):
            a = f"/act{k + 1}_output_0"
            nodes.append(helper.make_node(act, [prev], [a], name=f"act{k + 1}" if act != "Relu" else f"/relu{k + 1}/Relu"))
            prev = a
            if k == 0:
                nodes.append(helper.make_node("Identity", [prev], ["/Identity_output_0"], name="/Identity"))
                prev = "/Identity_output_0"
    shape = ["batch", 1, 28, 28]
    return model(nodes, inits, shape, name)


def matmul_model(ws, bs):
    nodes, inits = [], []
    nodes.append(helper.make_node("Constant", [], ["/Constant_output_0"], name="/Constant",
                                  value=numpy_helper.from_array(np.array([-1, 784], np.int64))))
    nodes.append(helper.make_node("Reshape", ["input", "/Constant_output_0"], ["/Reshape_output_0"], name="/Reshape"))
    prev = "/Reshape_output_0"
    for k, (w, b) in enumerate(zip(ws, bs)):
        wn = f"onnx::MatMul_{k}"
        inits.append(numpy_helper.from_array(np.ascontiguousarray(w.T), wn))
        # one bias as a Constant node, the others as initializers (both occur in exports)
        bn = f"fc{k + 1}.bias"
        if k == 1:
            nodes.append(helper.make_node("Constant", [], [bn], name=f"/fc{k + 1}/Constant", value=numpy_helper.from_array(b)))
        else:
            inits.append(numpy_helper.from_array(b, bn))
        nodes.append(helper.make_node("MatMul", [prev, wn], [f"/fc{k + 1}/MatMul_output_0"], name=f"/fc{k + 1}/MatMul"))
        nodes.append(helper.make_node("Add", [bn, f"/fc{k + 1}/MatMul_output_0"], [f"/fc{k + 1}/Add_output_0"], name=f"/fc{k + 1}/Add"))
        prev = f"/fc{k + 1}/Add_output_0"
        if k + 1 < len(ws):
            nodes.append(helper.make_node("Relu", [prev], [f"/relu{k + 1}/Relu_output_0"], name=f"/relu{k + 1}/Relu"))
            prev = f"/relu{k + 1}/Relu_output_0"
            if k == 0:
                inits.append(numpy_helper.from_array(np.zeros(4, np.int64), "zero_pads"))
                nodes.append(helper.make_node("Pad", [prev, "zero_pads"], ["/Pad_output_0"], name="/Pad", mode="constant"))
                nodes.append(helper.make_node("Dropout", ["/Pad_output_0"], ["/Dropout_output_0"], name="/Dropout"))
                prev = "/Dropout_output_0"
    nodes.append(helper.make_node("Identity", [prev], ["output"], name="/Identity_out"))
    return model(nodes, inits, ["batch", 784], "mlp_matmul")


def nobias_model(ws):
    nodes, inits = [], []
    prev = "input"
    for k, w in enumerate(ws):
        wn = f"fc{k + 1}.weight"
        inits.append(numpy_helper.from_array(w, wn))
        out = "output" if k + 1 == len(ws) else f"h{k + 1}"
        nodes.append(helper.make_node("Gemm", [prev, wn], [out], name=f"/fc{k + 1}/Gemm", transB=1))
        prev = out
        if k + 1 < len(ws):
            nodes.append(helper.make_node("Relu", [prev], [f"r{k + 1}"], name=f"/relu{k + 1}/Relu"))
            prev = f"r{k + 1}"
    return model(nodes, inits, ["batch", 784], "mlp_nobias")


def dynflat_model(ws, bs):
    nodes, inits = [], []
    inits.append(numpy_helper.from_array(np.array(0, np.int64), "zero"))
    inits.append(numpy_helper.from_array(np.array([0], np.int64), "axes0"))
    nodes += [
        helper.make_node("Shape", ["input"], ["/Shape_output_0"], name="/Shape"),
        helper.make_node("Gather", ["/Shape_output_0", "zero"], ["/Gather_output_0"], name="/Gather", axis=0),
        helper.make_node("Unsqueeze", ["/Gather_output_0", "axes0"], ["/Unsqueeze_output_0"], name="/Unsqueeze"),
        helper.make_node("Constant", [], ["/Constant_output_0"], name="/Constant",
                         value=numpy_helper.from_array(np.array([-1], np.int64))),
        helper.make_node("Concat", ["/Unsqueeze_output_0", "/Constant_output_0"], ["/Concat_output_0"], name="/Concat", axis=0),
        helper.make_node("Cast", ["/Concat_output_0"], ["/Cast_output_0"], name="/Cast", to=TensorProto.INT64),
        helper.make_node("Reshape", ["input", "/Cast_output_0"], ["/Reshape_output_0"], name="/Reshape"),
    ]
    prev = "/Reshape_output_0"
    for k, (w, b) in enumerate(zip(ws, bs)):
        inits += [numpy_helper.from_array(w, f"fc{k + 1}.weight"), numpy_helper.from_array(b, f"fc{k + 1}.bias")]
        out = f"/fc{k + 1}/Gemm_output_0"
        nodes.append(helper.make_node("Gemm", [prev, f"fc{k + 1}.weight", f"fc{k + 1}.bias"], [out], name=f"/fc{k + 1}/Gemm", transB=1))
        prev = out
        if k + 1 < len(ws):
            nodes.append(helper.make_node("Relu", [prev], [f"/relu{k + 1}/Relu_output_0"], name=f"/relu{k + 1}/Relu"))
            prev = f"/relu{k + 1}/Relu_output_0"
    nodes.append(helper.make_node("LogSoftmax", [prev], ["output"], name="/LogSoftmax", axis=1))
    return model(nodes, inits, ["batch", 1, 28, 28], "mlp_dynflat")


def log_softmax(a):
    m = a.max(axis=1, keepdims=True)
    return (a - m - np.log(np.exp(a - m).sum(axis=1, keepdims=True))).astype(np.float32)


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(14)
    x = rng.random((100, 784), dtype=np.float32)
    ws, bs = weights(rng, SIZES)
    onnx.save(gemm_model(ws, bs), os.path.join(out, "mlp_gemm.onnx"))
    ws2, bs2 = weights(rng, SIZES)
    onnx.save(matmul_model(ws2, bs2), os.path.join(out, "mlp_matmul.onnx"))
    ws3, _ = weights(rng, [784, 64, 10], bias=False)
    onnx.save(nobias_model(ws3), os.path.join(out, "mlp_nobias.onnx"))
    ws4, _ = weights(rng, [784, 24, 10], bias=False)
    ws4[0] = (ws4[0] - ws4[0].mean(axis=1, keepdims=True)).astype(np.float32)
    onnx.save(nobias_model(ws4), os.path.join(out, "mlp_zerosum.onnx"))
    ws5, bs5 = weights(rng, [784, 20, 10])
    onnx.save(dynflat_model(ws5, bs5), os.path.join(out, "mlp_dynflat.onnx"))
    np.savez(os.path.join(out, "reference.npz"), inputs=x, out_gemm=numpy_forward(x, ws, bs),
             out_dynflat=log_softmax(numpy_forward(x, ws5, bs5)),
             out_matmul=numpy_forward(x, ws2, bs2), out_nobias=numpy_forward(x, ws3, [None, None]))
    data = open(os.path.join(out, "mlp_gemm.onnx"), "rb").read()
    open(os.path.join(out, "bad_truncated.onnx"), "wb").write(data[: len(data) // 2])
    onnx.save(gemm_model(ws, bs, "bad_conv", conv=True), os.path.join(out, "bad_conv.onnx"))
    onnx.save(gemm_model(ws, bs, "bad_sigmoid", act="Sigmoid"), os.path.join(out, "bad_sigmoid.onnx"))
    onnx.save(gemm_model(ws, bs, "bad_shape", shape_bug=True), os.path.join(out, "bad_shape.onnx"))
    onnx.save(gemm_model(ws, bs, "bad_pad", pad=[0, 0, 1, 1, 0, 0, 1, 1]), os.path.join(out, "bad_pad.onnx"))


if __name__ == "__main__":
    main()
