# The README's entry points. `make demo` and `make test` install what is missing first.
PRESET ?= release
BUILD  := build/$(PRESET)
JOBS   ?= $(shell nproc)
CLI    := $(BUILD)/bin/spiketlm

.PHONY: all deps data configure build test test-unit demo bench docs clean

all: build

deps:
	@scripts/setup-deps.sh

data: deps
	@scripts/get-data.sh

configure: deps
	@test -f $(BUILD)/build.ninja || cmake --preset $(PRESET)

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

test: build
	@cd $(BUILD) && ctest -j $(JOBS) --output-on-failure --timeout 900

test-unit: build
	@cd $(BUILD) && ctest -j $(JOBS) --output-on-failure -L unit

demo: data build
	@scripts/demo.sh $(CLI)

bench: data build
	@scripts/bench.sh $(BUILD)

# Regenerates docs/config.md from the declared parameters (a test checks it is current).
docs: build
	@scripts/gen-config-doc.sh $(CLI)

clean:
	rm -rf build runs
