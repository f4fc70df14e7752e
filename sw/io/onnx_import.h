#pragma once
// Reading a fully connected ReLU network (a multilayer perceptron) out of an ONNX model file, as
// `torch.onnx.export` writes one (docs/conversion.md, "ONNX import"). Parsing is done by the ONNX
// project's own protobuf classes (Debian libonnx-dev: onnx::ModelProto) and its model checker;
// this file only interprets the graph.
//
// Accepted graph: one data input ([N, F] or [N, d1, d2, ...], batch dimension first), then a
// chain of affine layers, each Gemm (any alpha, beta, transB; transA 0) or MatMul with a
// constant right operand, optionally followed by Add of a constant bias, then Relu on every
// layer but the last (the logits), optionally a final Softmax or LogSoftmax. Around them:
// Flatten, Reshape to [N, F] (shape from an initializer, a Constant node, or computed from the
// data's Shape through Gather / Unsqueeze / Concat / Cast, as torch writes x.view(x.size(0), -1)),
// Identity, Dropout (inference: identity), Pad with all pads zero, Constant. Convolutional
// layers on [N, C, H, W] data: Conv (strides, symmetric pads, group; dilation 1; optional bias),
// each followed by Relu like a dense layer, AveragePool / GlobalAveragePool after a Relu (a
// depthwise convolution with equal weights; floor mode, zero pads or count_include_pad = 1),
// then Flatten / Reshape into the dense layers. MaxPool is refused (rate-coded IF neurons cannot
// compute a maximum). Anything else is an InputError naming the node and its operator. Weights
// come from initializers or
// Constant nodes (float, double, float16 is rejected; raw_data or typed fields; external data is
// rejected).
#include <cstdint>
#include <string>
#include <vector>

#include "sw/snn/network.h"

namespace spiketlm::io {

enum class OnnxLayerKind { dense, conv, avgpool };

// One layer of the chain: dense (Gemm / MatMul), conv (Conv) or avgpool (AveragePool,
// GlobalAveragePool: a depthwise convolution, groups = channels, weights 1 / (k_h k_w)).
struct OnnxDense {
    std::string name;         // the ONNX node that holds the weights (e.g. "/fc1/Gemm")
    OnnxLayerKind kind = OnnxLayerKind::dense;
    int in = 0, out = 0;      // flattened sizes (conv: C*H*W in and out)
    snn::Conv2d conv;         // conv / avgpool geometry (CHW)
    std::vector<float> w;     // dense: out x in, row-major: y = W x + b; conv/avgpool: out_c x in_c/groups x k_h x k_w
    std::vector<float> b;     // dense: out; conv/avgpool: out_c (zeros when the graph adds no bias)
    bool has_bias = false;    // the graph adds a bias (possibly all zero)
    bool relu = false;        // followed by Relu
};

struct OnnxMlp {
    std::string path;
    std::string producer;         // producer_name + " " + producer_version
    std::int64_t opset = 0;       // default-domain opset
    std::string input_name, output_name;
    std::vector<std::int64_t> input_shape;  // without the batch dimension
    int inputs = 0;               // product of input_shape
    std::vector<OnnxDense> layers;
    std::vector<std::string> ops; // operator of every node, in graph order (for the report)
    std::string output_activation;  // "", "Softmax" or "LogSoftmax": a final node over the logits
};

// Throws InputError naming the file and, for graph problems, the node (name and operator): file
// missing or unreadable, not a protobuf ModelProto (truncated, corrupt), the ONNX checker's
// verdict, unsupported operator or attribute, non-constant weights, shape mismatch, a graph that
// is not a single chain, a hidden layer without Relu, an output layer with Relu.
OnnxMlp read_onnx_mlp(const std::string& path);

// y = the network's output for one input vector x (size inputs), in float as ONNX runtimes do
// (with the final Softmax / LogSoftmax when the graph has one).
std::vector<float> onnx_mlp_forward(const OnnxMlp& net, const std::vector<float>& x);

}  // namespace spiketlm::io
