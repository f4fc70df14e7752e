#pragma once
// Float 2-D convolution for the ANN trainers (sw/train/rate_conversion.h): forward and backward
// over a batch of CHW images stored as the columns of a matrix, by im2col + Eigen GEMM. The
// geometry is the spiking network's (snn::Conv2d: stride, zero padding, groups), so a trained
// layer becomes a conv2d Layer without reshuffling: the weight matrix is (out_c, in_c/groups *
// k_h * k_w), row-major equal to the Layer's kernel order (out_c, in_c/groups, k_h, k_w).
// Single-threaded Eigen: the results do not depend on the machine's thread count.
#include <Eigen/Dense>

#include <string>

#include "sw/snn/network.h"

namespace spiketlm::train {

// Output size of one spatial dimension: (in + 2 pad - k) / stride + 1, or 0 when the kernel does
// not fit.
int conv_out_dim(int in, int k, int stride, int pad);

// Throws InputError("<what>: ...") when the geometry is inconsistent: sizes < 1, groups not
// dividing the channels, out_h/out_w not equal to conv_out_dim, padding >= kernel.
void check_conv_geometry(const snn::Conv2d& g, const std::string& what);

// y (out_size, n) = conv(x (in_size, n)) + b per output channel (b may be empty: no bias).
Eigen::MatrixXf conv_forward(const snn::Conv2d& g, const Eigen::MatrixXf& w, const Eigen::VectorXf& b,
                             const Eigen::MatrixXf& x);

// Given dL/dy (out_size, n): dw (same shape as w) and db (out_c) for the batch, summed over it,
// and dL/dx (in_size, n) if dx is not null.
void conv_backward(const snn::Conv2d& g, const Eigen::MatrixXf& w, const Eigen::MatrixXf& x, const Eigen::MatrixXf& dy,
                   Eigen::MatrixXf& dw, Eigen::VectorXf& db, Eigen::MatrixXf* dx);

}  // namespace spiketlm::train
