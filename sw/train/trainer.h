#pragma once
// Minibatch STDBP training with Adam: seeded initialisation and shuffling, data-parallel
// forward/backward over the batch, per-epoch metrics, checkpoints. Results are identical for
// any thread count: per-sample work lands in per-sample slots and every sum runs in sample order.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sw/data/dataset.h"
#include "sw/train/parallel.h"
#include "sw/train/stdbp.h"
#include "sw/train/train_spec.h"

namespace spiketlm::train {

// Forward pass of a whole batch (inputs of layers[0] set in every trace), bit-identical to
// forward() per sample but organised for the cache: neurons are processed in blocks whose
// transposed weights stay in L2 while every sample of the batch streams through them.
class BatchForward {
  public:
    // Call after every weight change (keeps a transposed copy of the weights).
    void prepare(const Net& net, Workers& workers);
    void run(const Net& net, std::vector<SampleTrace>& traces, Workers& workers) const;

  private:
    std::vector<std::vector<double>> m_wt;  // per layer: in x out (transposed)
};

// Forward + backward of every trace (inputs and labels set), then the batch-mean gradient:
// grad.dw[l][j, i] = (1/B) sum_s dLoss_s/dw[j, i], summed in sample order. Returns the mean loss.
double batch_gradient(const Net& net, const LossSpec& loss, std::vector<SampleTrace>& traces,
                      Gradients& grad, Workers& workers);
double batch_gradient(const Net& net, const LossSpec& loss, std::vector<SampleTrace>& traces,
                      Gradients& grad, Workers& workers, BatchForward& fwd);

struct EpochMetrics {
    int epoch = 0;               // 1-based
    double lr = 0;
    double loss = 0;             // mean training loss over the epoch (incl. hinge)
    double train_accuracy = 0;   // on the training batches, before each update
    double test_accuracy = 0;    // float (continuous-time) accuracy on the test set
    double dead_fraction = 0;    // hidden neurons that fired for no training sample this epoch
    double clipped_fraction = 0; // batches whose gradient norm was clipped
    double seconds = 0;          // wall time of the epoch (training + test evaluation)
    double quantized_test_accuracy = -1;  // filled by the caller (sw/quant + reference); -1: not measured
};

struct EvalResult {
    std::size_t correct = 0, total = 0, no_output = 0;
    double accuracy() const { return total ? static_cast<double>(correct) / total : 0.0; }
};

class Trainer {
  public:
    // Initialises the weights from spec.init with a seed derived from spec.seed.
    Trainer(TrainSpec spec, int threads);

    const TrainSpec& spec() const { return m_spec; }
    const Net& net() const { return m_net; }
    Net& net() { return m_net; }
    int epochs_done() const { return static_cast<int>(m_history.size()); }
    const std::vector<EpochMetrics>& history() const { return m_history; }
    // Records the quantized accuracy of the last finished epoch (kept in checkpoints).
    void set_quantized_accuracy(double accuracy);

    // Trains epoch epochs_done()+1 on `train` (order shuffled with a seed derived from spec.seed
    // and the epoch number) and measures test accuracy on `test`. `on_batch(done, total)` is
    // called after each batch (progress display).
    EpochMetrics train_epoch(const data::ImageSet& train, const data::ImageSet& test,
                             const std::function<void(std::size_t, std::size_t)>& on_batch = {});
    // Float (continuous-time) classification of a data set.
    EvalResult evaluate(const data::ImageSet& set);

    // Checkpoint: weights, Adam state and history, one binary file (written atomically).
    void save_checkpoint(const std::string& path) const;
    // Throws InputError if the file is not a checkpoint of this architecture.
    void load_checkpoint(const std::string& path);

  private:
    void adam_step(const Gradients& g, double lr);

    TrainSpec m_spec;
    Net m_net;
    Workers m_workers;
    std::vector<std::vector<double>> m_m, m_v;  // Adam moments, shaped like the weights
    std::uint64_t m_step = 0;
    std::vector<EpochMetrics> m_history;
    std::vector<SampleTrace> m_traces;
    Gradients m_grad;
    BatchForward m_fwd;
};

}  // namespace spiketlm::train
