# goot's one entry point for building, testing and running the demo.
#
#   make demo   set up, build, run the demo on real data (first README command)
#   make test   set up, build, run every Go and Python test (second README command)
#   make bench  the goot-vs-POT benchmarks (writes nothing; see benchmarks/)
#   make flow-matching  the flow-matching example (needs torch; PNG in examples/out/)
#
# Needs Go >= 1.26, gcc, Python >= 3.9 with its headers and venv; everything
# else is installed into .venv from PyPI and the Go module proxy.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.goot-deps
TORCH  := $(VENV)/.goot-torch

.PHONY: all setup setup-torch build test test-go test-py lint demo flow-matching bench clean

all: build

setup: $(STAMP)

$(STAMP): requirements-dev.txt
	@command -v go >/dev/null || { echo "goot needs Go >= 1.26 on PATH"; exit 1; }
	@command -v gcc >/dev/null || { echo "goot needs gcc (cgo)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# torch only for the tests: the demo and the library itself do not need it.
setup-torch: $(TORCH)

$(TORCH): requirements-torch.txt $(STAMP)
	$(PY) -m pip install --quiet -r requirements-torch.txt
	touch $@

build: setup
	$(PY) -m pip install --quiet --no-build-isolation --no-deps --force-reinstall .

test: build lint test-go test-py

test-go:
	gofmt -l goot capi internal | (! grep .) || { echo "gofmt needed"; exit 1; }
	go vet ./goot/... ./internal/...
	go vet -unsafeptr=false ./capi/...
	go test -race -count=1 ./...
	# the pure-Go fallback of the assembly kernels, as on a CPU without AVX2
	go vet -tags purego ./goot/... ./internal/...
	go test -count=1 -tags purego ./goot/... ./internal/...

test-py: build setup-torch
	cd tests && ../$(PY) -m pytest -q -p no:cacheprovider .

lint: setup
	$(VENV)/bin/ruff check python tests benchmarks examples
	$(VENV)/bin/ruff format --check python tests benchmarks examples

demo: build
	$(PY) examples/demo.py

# OT-CFM on a 2-D toy with goot's minibatch couplings; writes examples/out/.
flow-matching: build setup-torch
	$(PY) examples/flow_matching.py

bench: build
	$(PY) benchmarks/bench_barycenter.py
	$(PY) benchmarks/bench_emd.py
	$(PY) benchmarks/bench_gaussian.py
	$(PY) benchmarks/bench_sinkhorn.py
	$(PY) benchmarks/bench_sliced.py
	$(PY) benchmarks/bench_sns.py
	$(PY) benchmarks/bench_unbalanced.py
	$(PY) benchmarks/bench_minibatch.py

clean:
	rm -rf _gopy_build build dist python/goot.egg-info python/goot/_gopy
