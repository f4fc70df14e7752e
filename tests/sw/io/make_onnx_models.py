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
  cnn_pool.onnx       [N,1,28,28] -> Conv(4, 3x3, pad 1, bias) -> Relu -> AveragePool(2, stride 2) ->
                      Conv(8, 3x3, stride 2, pad 1, group 2, bias) -> Relu -> Flatten -> Gemm(392 -> 10)
  cnn_gap.onnx        [N,1,28,28] -> Conv(8, 5x5, stride 2, pad 2, no bias) -> Relu -> AveragePool(3,
                      stride 2, pads 1, count_include_pad 1) -> Conv(8, 3x3, no bias) -> Relu ->
                      GlobalAveragePool -> Constant shape + Reshape [-1, 8] -> Gemm(8 -> 10, no bias)
  cnn_ttfs.onnx       [N,1,28,28] -> Conv(6, 5x5, stride 2, no padding, no bias, every kernel summing to
                      zero) -> Relu -> AveragePool(2, stride 2) -> Flatten -> Gemm(216 -> 10, no bias):
                      TTFS-convertible (one hidden layer; the pooling folds into the output layer)
  cnn_reference.npz   inputs (100, 784) in [0, 1]; out_pool, out_gap, out_ttfs (100, 10), NumPy's
                      convolutions
  bad_dilation.onnx   Conv node 'conv1' with dilations [2, 2]
  bad_maxpool.onnx    MaxPool node 'pool1' after the first Conv + Relu
  bad_asympad.onnx    Conv node 'conv1' with pads [0, 0, 1, 1]
  bad_poolorder.onnx  AveragePool node 'pool1' between Conv and its Relu
  bad_convshape.onnx  Conv node 'conv2' whose weights read 3 channels where the data has 4
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


def np_conv(x, w, b, stride=1, pad=0, groups=1):
    """2-D convolution of x [N, C, H, W] with w [M, C/groups, kh, kw] (zero padding), in float64."""
    n, c, h, wd = x.shape
    m, cg, kh, kw = w.shape
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    out = np.zeros((n, m, oh, ow))
    mg = m // groups
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        ws = w[g * mg:(g + 1) * mg].astype(np.float64)
        for ky in range(kh):
            for kx in range(kw):
                patch = xs[:, :, ky:ky + stride * oh:stride, kx:kx + stride * ow:stride]
                out[:, g * mg:(g + 1) * mg] += np.einsum("nchw,mc->nmhw", patch, ws[:, :, ky, kx])
    if b is not None:
        out += b.astype(np.float64)[None, :, None, None]
    return out


def np_avgpool(x, k, stride, pad=0):
    c = x.shape[1]
    return np_conv(x, np.full((c, 1, k, k), 1.0 / (k * k)), None, stride, pad, groups=c)


def conv_w(rng, m, cg, k):
    return (rng.standard_normal((m, cg, k, k)) * np.sqrt(2.0 / (cg * k * k))).astype(np.float32)


def cnn_model(nodes, inits, name):
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 1, 28, 28])
    out = helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", 10])
    g = helper.make_graph(nodes, name, [inp], [out], initializer=inits)
    m = helper.make_model(g, producer_name="spiketlm-test", opset_imports=[helper.make_opsetid("", 13)])
    m.ir_version = 7
    onnx.checker.check_model(m)
    return m


def cnn_pool(rng, x, variant=""):
    """cnn_pool.onnx (variant ""), or one of its malformed variants; returns (model, NumPy outputs)."""
    w1, b1 = conv_w(rng, 4, 1, 3), (rng.standard_normal(4) * 0.1).astype(np.float32)
    w2, b2 = conv_w(rng, 8, 2, 3), (rng.standard_normal(8) * 0.1).astype(np.float32)
    w3, b3 = weights(rng, [392, 10])
    w3, b3 = w3[0], b3[0]
    if variant == "convshape":
        w2 = conv_w(rng, 8, 3, 3)
    inits = [numpy_helper.from_array(a, nm) for a, nm in
             [(w1, "conv1.weight"), (b1, "conv1.bias"), (w2, "conv2.weight"), (b2, "conv2.bias"), (w3, "fc.weight"),
              (b3, "fc.bias")]]
    c1 = dict(pads=[1, 1, 1, 1], strides=[1, 1], kernel_shape=[3, 3])
    if variant == "dilation":
        c1 = dict(pads=[2, 2, 2, 2], dilations=[2, 2])
    if variant == "asympad":
        c1 = dict(pads=[0, 0, 1, 1])
    nodes = [helper.make_node("Conv", ["input", "conv1.weight", "conv1.bias"], ["/conv1/Conv_output_0"], name="conv1", **c1)]
    pool_op = "MaxPool" if variant == "maxpool" else "AveragePool"
    relu = helper.make_node("Relu", ["/conv1/Conv_output_0"], ["/relu1/Relu_output_0"], name="/relu1/Relu")
    pool_in = "/relu1/Relu_output_0"
    if variant == "poolorder":
        nodes.append(helper.make_node(pool_op, ["/conv1/Conv_output_0"], ["/pool1_output_0"], name="pool1",
                                      kernel_shape=[2, 2], strides=[2, 2]))
        nodes.append(helper.make_node("Relu", ["/pool1_output_0"], ["/relu1/Relu_output_0"], name="/relu1/Relu"))
        nodes.append(helper.make_node("Identity", ["/relu1/Relu_output_0"], ["/pool1/out"], name="/Identity"))
    else:
        nodes.append(relu)
        nodes.append(helper.make_node(pool_op, [pool_in], ["/pool1/out"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]))
    nodes += [
        helper.make_node("Conv", ["/pool1/out", "conv2.weight", "conv2.bias"], ["/conv2/Conv_output_0"], name="conv2",
                         pads=[1, 1, 1, 1], strides=[2, 2], group=2),
        helper.make_node("Relu", ["/conv2/Conv_output_0"], ["/relu2/Relu_output_0"], name="/relu2/Relu"),
        helper.make_node("Flatten", ["/relu2/Relu_output_0"], ["/Flatten_output_0"], name="/Flatten", axis=1),
        helper.make_node("Gemm", ["/Flatten_output_0", "fc.weight", "fc.bias"], ["output"], name="/fc/Gemm", transB=1),
    ]
    m = cnn_model(nodes, inits, "cnn_pool" + variant)
    img = x.reshape(-1, 1, 28, 28)
    a = np.maximum(np_conv(img, w1, b1, 1, 1), 0)
    a = np_avgpool(a, 2, 2)
    a = np.maximum(np_conv(a, w2, b2, 2, 1, groups=2), 0)
    y = a.reshape(a.shape[0], -1) @ w3.T.astype(np.float64) + b3
    return m, y.astype(np.float32)


def cnn_gap(rng, x):
    w1, w2 = conv_w(rng, 8, 1, 5), conv_w(rng, 8, 8, 3)
    w3 = weights(rng, [8, 10], bias=False)[0][0]
    inits = [numpy_helper.from_array(w1, "conv1.weight"), numpy_helper.from_array(w2, "conv2.weight"),
             numpy_helper.from_array(w3, "fc.weight"), numpy_helper.from_array(np.array([-1, 8], np.int64), "shape")]
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight"], ["c1"], name="conv1", pads=[2, 2, 2, 2], strides=[2, 2]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("AveragePool", ["r1"], ["p1"], name="pool1", kernel_shape=[3, 3], strides=[2, 2],
                         pads=[1, 1, 1, 1], count_include_pad=1),
        helper.make_node("Conv", ["p1", "conv2.weight"], ["c2"], name="conv2"),
        helper.make_node("Relu", ["c2"], ["r2"], name="relu2"),
        helper.make_node("GlobalAveragePool", ["r2"], ["g"], name="gap"),
        helper.make_node("Reshape", ["g", "shape"], ["flat"], name="reshape"),
        helper.make_node("Gemm", ["flat", "fc.weight"], ["output"], name="fc", transB=1),
    ]
    m = cnn_model(nodes, inits, "cnn_gap")
    a = np.maximum(np_conv(x.reshape(-1, 1, 28, 28), w1, None, 2, 2), 0)
    a = np_avgpool(a, 3, 2, 1)
    a = np.maximum(np_conv(a, w2, None), 0)
    a = a.mean(axis=(2, 3))
    return m, (a @ w3.T.astype(np.float64)).astype(np.float32)


def cnn_ttfs(rng, x):
    w1 = conv_w(rng, 6, 1, 5)
    w1 = (w1 - w1.mean(axis=(1, 2, 3), keepdims=True)).astype(np.float32)
    w2 = weights(rng, [216, 10], bias=False)[0][0]
    inits = [numpy_helper.from_array(w1, "conv1.weight"), numpy_helper.from_array(w2, "fc.weight")]
    nodes = [
        helper.make_node("Conv", ["input", "conv1.weight"], ["c1"], name="conv1", strides=[2, 2], kernel_shape=[5, 5]),
        helper.make_node("Relu", ["c1"], ["r1"], name="relu1"),
        helper.make_node("AveragePool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p1"], ["flat"], name="flatten", axis=1),
        helper.make_node("Gemm", ["flat", "fc.weight"], ["output"], name="fc", transB=1),
    ]
    m = cnn_model(nodes, inits, "cnn_ttfs")
    a = np.maximum(np_conv(x.reshape(-1, 1, 28, 28), w1, None, 2, 0), 0)
    a = np_avgpool(a, 2, 2)
    return m, (a.reshape(a.shape[0], -1) @ w2.T.astype(np.float64)).astype(np.float32)


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
    crng = np.random.default_rng(15)
    m_pool, y_pool = cnn_pool(crng, x)
    onnx.save(m_pool, os.path.join(out, "cnn_pool.onnx"))
    m_gap, y_gap = cnn_gap(crng, x)
    onnx.save(m_gap, os.path.join(out, "cnn_gap.onnx"))
    m_ttfs, y_ttfs = cnn_ttfs(np.random.default_rng(17), x)
    onnx.save(m_ttfs, os.path.join(out, "cnn_ttfs.onnx"))
    np.savez(os.path.join(out, "cnn_reference.npz"), inputs=x, out_pool=y_pool, out_gap=y_gap, out_ttfs=y_ttfs)
    for v in ["dilation", "maxpool", "asympad", "poolorder", "convshape"]:
        m, _ = cnn_pool(np.random.default_rng(16), x, v)
        onnx.save(m, os.path.join(out, f"bad_{v}.onnx"))


if __name__ == "__main__":
    main()
