#pragma once
// Users' own image sets, named by a path wherever a dataset name is taken (run.dataset,
// `spiketlm train --dataset`, `spiketlm import --dataset`; docs/data.md):
//   a folder  IDX files {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz] (either split may be
//             absent; asking for it is an error naming the missing file); any image size
//   X.npz     NumPy arrays: x_train, y_train, x_test, y_test (the Keras layout; either pair may be
//             absent), or images, labels (one set, used as both splits). Images (N, H, W),
//             (N, H, W, 1), (N, 1, H, W) or (N, F): uint8 (scaled x / 255) or float in [0, 1];
//             labels (N,) integers in 0..255.
//   S.npz     a spike list (sw/data/spike_list.h) with members inputs and steps: each frame's
//             spike count per channel / steps as its pixels (rate view), the same list as both splits
// Classes: the largest label + 1 (at least 2). Every error names the file and the member or item.
#include <string>

#include "sw/data/dataset.h"

namespace spiketlm::data {

// A dataset name that is a path: contains '/', ends in ".npz", or is an existing folder.
bool is_dataset_path(const std::string& name);

// One split ("train" | "test") of the set at `path`.
ImageSet load_user_split(const std::string& path, const std::string& split);

}  // namespace spiketlm::data
