# The README's entry points. `make demo` and `make test` install what is missing first.
PRESET ?= release
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)
CLI    := $(BUILD)/bin/spiketlm

.PHONY: all deps data configure build test test-unit test-asan mutate mutate-rtl lint-rtl synth coverage demo paper bench docs clean

all: build

deps:
	@scripts/setup-deps.sh

data: deps
	@scripts/get-data.sh

configure: deps
	@test -f $(BUILD)/build.ninja || cmake --preset $(PRESET)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

# Tests that need the datasets fail without them (never skip): fetch them first.
test: data build
	@cd $(BUILD) && ctest -j $(JOBS) --output-on-failure --timeout 900

test-unit: build
	@cd $(BUILD) && ctest -j $(JOBS) --output-on-failure -L unit

# Every test under AddressSanitizer + UndefinedBehaviorSanitizer (with LeakSanitizer), in its own
# build tree; not part of `make test` (slow). Options in CMakePresets.json's asan test preset.
test-asan: data deps
	@test -f build/asan/build.ninja || cmake --preset asan
	@cmake --build build/asan -j $(JOBS)
	@ctest --preset asan -j $(JOBS) --timeout 3600

# Mutation testing (docs/testing.md): builds in build/mutate, never touches the working tree.
mutate: data deps
	@python3 scripts/mutate.py --jobs $(JOBS)

# RTL (docs/rtl.md). Lint is also a ctest entry (label rtl) of `make test`.
lint-rtl: deps
	@verilator --lint-only -Wall --top-module pe_core rtl/pe_core.sv rtl/pe_neuron.sv && echo "rtl: lint clean"
	@verilator --lint-only -Wall --top-module router rtl/router.sv && echo "rtl router: lint clean"
	@verilator --lint-only -Wall --top-module mesh rtl/mesh.sv rtl/ni.sv rtl/dline.sv rtl/router.sv rtl/pe_core.sv \
	  rtl/pe_neuron.sv && echo "rtl mesh (ni, dline): lint clean"

# The injected RTL bugs of scripts/rtl_mutants.yaml (10 PE, 5 router), each must fail an rtl regression.
mutate-rtl: data deps
	@python3 scripts/mutate.py --list scripts/rtl_mutants.yaml --scratch build/mutate-rtl --jobs $(JOBS)

# yosys cell counts of pe_core for a chip configuration (CONFIG=...; GATES=1 maps to gates too;
# TOP=router or TOP=all for rtl/router.sv, TOP=ni for rtl/ni.sv).
CONFIG ?= configs/chips/yoso.yaml
synth: build
	@python3 scripts/synth.py --config $(CONFIG) --cli $(CLI) $(if $(GATES),--gates,) $(if $(TOP),--top $(TOP),)

# Line and toggle coverage of rtl/ over the rtl regressions (build/coverage).
coverage: data deps
	@JOBS=$(JOBS) scripts/rtl-coverage.sh

demo: data build
	@scripts/demo.sh $(CLI)

# The paper configuration: 784-800-10 ReL-PSP on Fashion-MNIST (trained first if models/fashion-relpsp
# is missing: about 12 epochs, 1-4 min each on 2 cores), the full test set on the default chip.
paper: data build
	@test -f models/fashion-relpsp/model.yaml || $(CLI) train --dataset fashion-mnist --model configs/models/relpsp-fc.yaml --out models/fashion-relpsp
	@$(CLI) ref --config configs/runs/fashion-yoso.yaml --out runs/fashion-yoso-ref > /dev/null
	@$(CLI) run --config configs/runs/fashion-yoso.yaml --out runs/fashion-yoso
	@$(CLI) trace diff runs/fashion-yoso/spikes.spk runs/fashion-yoso-ref/spikes.spk

bench: data build
	@scripts/bench.sh $(BUILD)

# Regenerates docs/config.md from the declared parameters (a test checks it is current).
docs: build
	@scripts/gen-config-doc.sh $(CLI)

clean:
	rm -rf build runs
