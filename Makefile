# keten — the quick-start commands and the named checks. Every target installs what it needs.
#
#   make demo           install what is missing, build (C++ and the Python package), run the main job
#                       on the default data, ending with the example municipality's gaps and report
#   make test           install what is missing, build, run every test (C++, sanitizers, Python)
#   make sanitize       the C++ test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#   make tsan           the ledger's tests (its 8-thread stress test) under ThreadSanitizer
#   make format         format the C++ sources with .clang-format
#   make check-format   fail if any C++ source is not formatted
#   make check-layers   fail on an include circle or an include across layers (docs/design.md)
#   make bench          build and run the benchmarks (keten against its peers, in one run)
#   make bench-python   the Python package's binding overhead (benchmarks/python, docs/benchmarks.md)
#   make bench-simulation  a national year simulated, warm allocator against allocate() each round,
#                       and Dask scenarios on 1 and 2 workers (docs/benchmarks.md, "Simulation")
#   make bench-memory   peak memory of the min-cost-flow core against LEMON (benchmarks/mcf_memory.sh)
#   make fuzz-smoke     build the libFuzzer harnesses (clang) and run each for FUZZ_SMOKE_TIME s
#   make fuzz           the same for FUZZ_TIME s each (default 600), keeping the corpus in build/fuzz
#   make install PREFIX=/usr/local

SHELL := /bin/bash
.DEFAULT_GOAL := demo
CMAKE ?= cmake
CTEST ?= ctest
PREFIX ?= /usr/local
VENV := .venv
PY := $(VENV)/bin/python
BUILD := build/release
KETEN := $(BUILD)/keten
# ccache (scripts/install-deps.sh installs it) shares objects between builds with the same flags:
# the release build, the Python package and the consumer test's add_subdirectory build.
export CCACHE_DIR ?= $(CURDIR)/build/ccache
CXX_SOURCES = $(shell git ls-files -co --exclude-standard -- '*.hpp' '*.cpp' '*.h' '*.cc' 2>/dev/null)

.PHONY: demo test deps build test-cpp test-python sanitize tsan fuzz-deps fuzz-build fuzz-smoke fuzz format check-format check-layers bench bench-python bench-memory bench-simulation install python clean

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	@$(CMAKE) --preset release >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@$(CMAKE) --build --preset release

demo: build python
	@echo "== The national landscape (data/national_landscape.json) =="
	@$(KETEN) info
	@echo
	@echo "== The example municipality (data/example/landscape.json) =="
	@$(KETEN) info --landscape data/example/landscape.json
	@echo
	@$(KETEN) validate --landscape data/example/landscape.json data/example/cases.json
	@echo
	@echo "== Matching three of the example day's cases (data/example/README.md) =="
	@echo "   zw-0020: crisis, debts and work at once; zw-0016: not eligible / out of area; zw-0009: no consent"
	@$(KETEN) match --landscape data/example/landscape.json --cases data/example/cases.json \
		--case zw-0020 --case zw-0016 --case zw-0009 --top 2
	@echo
	@echo "== Allocating the example municipality's whole day at once (docs/allocation.md) =="
	@$(KETEN) allocate --landscape data/example/landscape.json --cases data/example/cases.json
	@echo
	@echo "== The example municipality's local chain (docs/cooperation.md) =="
	@$(KETEN) chains --landscape data/example/landscape.json
	@echo
	@echo "== Its five conditions of cooperation, two scans (data/example/scan.csv) =="
	@$(KETEN) cooperation --landscape data/example/landscape.json --scan data/example/scan.csv
	@echo
	@echo "== Where its chain is thin: demand, capacity, reach, unmet needs, new teams (docs/gaps.md) =="
	@$(KETEN) gaps --landscape data/example/landscape.json --cases data/example/cases.json \
		--municipality GM0193 --teams 1
	@echo
	@echo "== Its report (gap bars, map, chain network, five conditions) =="
	@KETEN_PYTHON=$(abspath $(PY)) $(KETEN) report --landscape data/example/landscape.json \
		--cases data/example/cases.json --scan data/example/scan.csv --municipality GM0193 \
		--out build/report-gm0193

test: test-cpp sanitize tsan test-python fuzz-smoke

test-cpp: build
	@$(CTEST) --preset release

# ThreadSanitizer on the ledger's tests (8 threads on one ledger file; a smaller count than the
# release run, as under the other sanitizers), but the crash test, which is about processes, not
# threads, and which the other builds run. setarch -R: TSan maps memory at fixed places.
build/tsan/CMakeCache.txt: | deps
	@$(CMAKE) --preset tsan >/dev/null

tsan: deps build/tsan/CMakeCache.txt
	@$(CMAKE) --build --preset tsan
	@setarch -R $(CTEST) --preset tsan

build/sanitize/CMakeCache.txt: | deps
	@$(CMAKE) --preset sanitize >/dev/null

sanitize: deps build/sanitize/CMakeCache.txt
	@$(CMAKE) --build --preset sanitize
	@$(CTEST) --preset sanitize

$(PY): | deps
	@python3 -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip

$(VENV)/.test-deps: requirements-test.txt | $(PY)
	@$(PY) -m pip install -q -r requirements-test.txt
	@touch $@

# The Python package, built from the same CMake project (build tree reused: build/python).
PACKAGE_SOURCES = $(shell git ls-files -co --exclude-standard -- include src bindings cmake CMakeLists.txt pyproject.toml data/nl_municipalities.csv data/national_landscape.json data/national_scan.json data/example/landscape.json data/example/cases.json data/example/scan.csv data/example/scenario.json 2>/dev/null)
$(VENV)/.keten-installed: $(PACKAGE_SOURCES) | $(VENV)/.test-deps
	@echo "Installing the keten Python package into $(VENV)"
	@$(PY) -m pip install -q --no-build-isolation -C cmake.define.KETEN_WARNINGS_AS_ERRORS=ON .
	@touch $@

python: $(VENV)/.keten-installed

test-python: build python
	@cd tests/python && KETEN_CLI=$(abspath $(KETEN)) KETEN_ROOT=$(CURDIR) KETEN_REQUIRE_BROWSER=1 \
		../../$(PY) -m pytest -q -p no:cacheprovider .

# Fuzzing (docs/fuzzing.md): the harnesses of fuzz/ built by clang with libFuzzer, ASan and UBSan
# in build/fuzz (library and harnesses only), run one after the other by fuzz/run.sh. FUZZERS=
# names a subset (e.g. FUZZERS="landscape_json snapshot"); FUZZ_ARGS= passes libFuzzer flags.
FUZZ_PACKAGES := clang libclang-rt-14-dev
FUZZ_SMOKE_TIME ?= 10
FUZZ_TIME ?= 600
FUZZERS ?=

fuzz-deps:
	@scripts/install-deps.sh $(FUZZ_PACKAGES)

build/fuzz/CMakeCache.txt: | fuzz-deps
	@$(CMAKE) --preset fuzz >/dev/null

fuzz-build: fuzz-deps build/fuzz/CMakeCache.txt
	@$(CMAKE) --build --preset fuzz

fuzz-smoke: fuzz-build
	@fuzz/run.sh --time $(FUZZ_SMOKE_TIME) build/fuzz $(FUZZERS)

fuzz: fuzz-build
	@fuzz/run.sh --time $(FUZZ_TIME) --corpus build/fuzz/corpus build/fuzz $(FUZZERS)

format: deps
	@clang-format -i $(CXX_SOURCES)

check-format: deps
	@clang-format --dry-run -Werror $(CXX_SOURCES)

check-layers:
	@python3 scripts/check-layers.py --graph

build/bench/CMakeCache.txt: | deps
	@$(CMAKE) --preset bench >/dev/null

bench: deps build/bench/CMakeCache.txt
	@$(CMAKE) --build --preset bench
	@build/bench/benchmarks/keten_benchmarks --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true $(BENCH_ARGS)

bench-python: python
	@$(PY) benchmarks/python/bench_match.py $(BENCH_ARGS)
	@$(PY) benchmarks/python/bench_alloc.py
	@$(PY) benchmarks/python/bench_flow.py
	@$(PY) benchmarks/python/bench_network.py

bench-simulation: deps build/bench/CMakeCache.txt python
	@$(CMAKE) --build --preset bench --target keten_simulation_benchmarks
	@build/bench/benchmarks/keten_simulation_benchmarks --benchmark_repetitions=3 --benchmark_enable_random_interleaving=true $(BENCH_ARGS)
	@$(PY) benchmarks/python/bench_scale.py

bench-memory: deps build/bench/CMakeCache.txt
	@$(CMAKE) --build --preset bench
	@benchmarks/mcf_memory.sh build/bench

install: build
	@$(CMAKE) --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf build $(VENV)
