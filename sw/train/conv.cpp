#include "sw/train/conv.h"

#include <algorithm>

#include "sw/common/error.h"

namespace spiketlm::train {

int conv_out_dim(int in, int k, int stride, int pad) {
    if (in < 1 || k < 1 || stride < 1 || pad < 0 || in + 2 * pad < k) return 0;
    return (in + 2 * pad - k) / stride + 1;
}

void check_conv_geometry(const snn::Conv2d& g, const std::string& what) {
    auto bad = [&](const std::string& m) { throw InputError(what + ": " + m); };
    if (g.in_c < 1 || g.in_h < 1 || g.in_w < 1) bad("input shape must be positive (C, H, W)");
    if (g.out_c < 1) bad("output channels must be >= 1");
    if (g.k_h < 1 || g.k_w < 1) bad("kernel must be >= 1");
    if (g.stride_h < 1 || g.stride_w < 1) bad("stride must be >= 1");
    if (g.pad_h < 0 || g.pad_w < 0) bad("padding must be >= 0");
    if (g.pad_h >= g.k_h || g.pad_w >= g.k_w)
        bad("padding " + std::to_string(std::max(g.pad_h, g.pad_w)) + " must be smaller than the kernel " +
            std::to_string(std::max(g.k_h, g.k_w)) + " (some outputs would read padding only)");
    if (g.groups < 1 || g.in_c % g.groups != 0 || g.out_c % g.groups != 0)
        bad("groups " + std::to_string(g.groups) + " must divide the input channels " + std::to_string(g.in_c) +
            " and the output channels " + std::to_string(g.out_c));
    const int oh = conv_out_dim(g.in_h, g.k_h, g.stride_h, g.pad_h);
    const int ow = conv_out_dim(g.in_w, g.k_w, g.stride_w, g.pad_w);
    if (oh < 1 || ow < 1)
        bad("kernel " + std::to_string(g.k_h) + "x" + std::to_string(g.k_w) + " with padding " +
            std::to_string(g.pad_h) + "," + std::to_string(g.pad_w) + " does not fit the input " +
            std::to_string(g.in_h) + "x" + std::to_string(g.in_w));
    if (g.out_h != oh || g.out_w != ow)
        bad("output " + std::to_string(g.out_h) + "x" + std::to_string(g.out_w) + " does not match the geometry (" +
            std::to_string(oh) + "x" + std::to_string(ow) + ")");
}

namespace {

// Patch matrix of group `grp` for the batch: row (img * HWo + oy * out_w + ox), column
// ((ci * k_h + ky) * k_w + kx) = x(input channel grp * cin_g + ci at (oy*s - p + ky, ox*s - p + kx)),
// 0 in the padding.
Eigen::MatrixXf im2col(const snn::Conv2d& g, const Eigen::MatrixXf& x, int grp) {
    const int cin_g = g.in_c / g.groups;
    const Eigen::Index hwo = static_cast<Eigen::Index>(g.out_h) * g.out_w;
    const Eigen::Index kk = static_cast<Eigen::Index>(cin_g) * g.k_h * g.k_w;
    const Eigen::Index n = x.cols();
    Eigen::MatrixXf p = Eigen::MatrixXf::Zero(n * hwo, kk);
    for (int ci = 0; ci < cin_g; ++ci) {
        const int c = grp * cin_g + ci;
        for (int ky = 0; ky < g.k_h; ++ky)
            for (int kx = 0; kx < g.k_w; ++kx) {
                const Eigen::Index col = (static_cast<Eigen::Index>(ci) * g.k_h + ky) * g.k_w + kx;
                float* dst = p.col(col).data();
                for (Eigen::Index img = 0; img < n; ++img) {
                    const float* src = x.col(img).data() + static_cast<Eigen::Index>(c) * g.in_h * g.in_w;
                    float* d = dst + img * hwo;
                    for (int oy = 0; oy < g.out_h; ++oy) {
                        const int iy = oy * g.stride_h - g.pad_h + ky;
                        if (iy < 0 || iy >= g.in_h) continue;
                        for (int ox = 0; ox < g.out_w; ++ox) {
                            const int ix = ox * g.stride_w - g.pad_w + kx;
                            if (ix < 0 || ix >= g.in_w) continue;
                            d[oy * g.out_w + ox] = src[iy * g.in_w + ix];
                        }
                    }
                }
            }
    }
    return p;
}

// The transpose of im2col: adds the patch gradients dp back onto dx.
void col2im_add(const snn::Conv2d& g, const Eigen::MatrixXf& dp, int grp, Eigen::MatrixXf& dx) {
    const int cin_g = g.in_c / g.groups;
    const Eigen::Index hwo = static_cast<Eigen::Index>(g.out_h) * g.out_w;
    const Eigen::Index n = dx.cols();
    for (int ci = 0; ci < cin_g; ++ci) {
        const int c = grp * cin_g + ci;
        for (int ky = 0; ky < g.k_h; ++ky)
            for (int kx = 0; kx < g.k_w; ++kx) {
                const Eigen::Index col = (static_cast<Eigen::Index>(ci) * g.k_h + ky) * g.k_w + kx;
                const float* src = dp.col(col).data();
                for (Eigen::Index img = 0; img < n; ++img) {
                    float* d = dx.col(img).data() + static_cast<Eigen::Index>(c) * g.in_h * g.in_w;
                    const float* s = src + img * hwo;
                    for (int oy = 0; oy < g.out_h; ++oy) {
                        const int iy = oy * g.stride_h - g.pad_h + ky;
                        if (iy < 0 || iy >= g.in_h) continue;
                        for (int ox = 0; ox < g.out_w; ++ox) {
                            const int ix = ox * g.stride_w - g.pad_w + kx;
                            if (ix < 0 || ix >= g.in_w) continue;
                            d[iy * g.in_w + ix] += s[oy * g.out_w + ox];
                        }
                    }
                }
            }
    }
}

}  // namespace

Eigen::MatrixXf conv_forward(const snn::Conv2d& g, const Eigen::MatrixXf& w, const Eigen::VectorXf& b,
                             const Eigen::MatrixXf& x) {
    const int cout_g = g.out_c / g.groups;
    const Eigen::Index hwo = static_cast<Eigen::Index>(g.out_h) * g.out_w;
    const Eigen::Index n = x.cols();
    Eigen::MatrixXf y(static_cast<Eigen::Index>(g.out_size()), n);
    for (int grp = 0; grp < g.groups; ++grp) {
        const Eigen::MatrixXf p = im2col(g, x, grp);
        const Eigen::MatrixXf z = p * w.middleRows(static_cast<Eigen::Index>(grp) * cout_g, cout_g).transpose();
        for (int co = 0; co < cout_g; ++co) {
            const int c = grp * cout_g + co;
            const float bias = b.size() ? b(c) : 0.0f;
            for (Eigen::Index img = 0; img < n; ++img)
                y.col(img).segment(static_cast<Eigen::Index>(c) * hwo, hwo) =
                    z.col(co).segment(img * hwo, hwo).array() + bias;
        }
    }
    return y;
}

void conv_backward(const snn::Conv2d& g, const Eigen::MatrixXf& w, const Eigen::MatrixXf& x, const Eigen::MatrixXf& dy,
                   Eigen::MatrixXf& dw, Eigen::VectorXf& db, Eigen::MatrixXf* dx) {
    const int cout_g = g.out_c / g.groups;
    const Eigen::Index hwo = static_cast<Eigen::Index>(g.out_h) * g.out_w;
    const Eigen::Index n = x.cols();
    dw.setZero(w.rows(), w.cols());
    db.setZero(g.out_c);
    if (dx) dx->setZero(static_cast<Eigen::Index>(g.in_size()), n);
    for (int grp = 0; grp < g.groups; ++grp) {
        const Eigen::MatrixXf p = im2col(g, x, grp);
        Eigen::MatrixXf dz(n * hwo, cout_g);
        for (int co = 0; co < cout_g; ++co) {
            const int c = grp * cout_g + co;
            for (Eigen::Index img = 0; img < n; ++img)
                dz.col(co).segment(img * hwo, hwo) = dy.col(img).segment(static_cast<Eigen::Index>(c) * hwo, hwo);
            db(c) = dz.col(co).sum();
        }
        const auto rows = static_cast<Eigen::Index>(grp) * cout_g;
        dw.middleRows(rows, cout_g) = dz.transpose() * p;
        if (dx) {
            const Eigen::MatrixXf dp = dz * w.middleRows(rows, cout_g);
            col2im_add(g, dp, grp, *dx);
        }
    }
}

}  // namespace spiketlm::train
