# EPMO Portfolio Analytics. Two commands: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501
DEMO_SCALE ?= medium
export EPMO_STORE ?= data/store

.PHONY: run test test-s3 test-dates lint fmt typecheck unit demo templates docs chromium clean bench

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

## Set everything up, load the demo portfolio if the store is empty, serve the app.
run: $(VENV)/.runtime
	$(PY) -m epmo demo --if-empty --scale $(DEMO_SCALE)
	$(PY) -m streamlit run app.py --server.port $(PORT)

## Set everything up and run the whole suite: lint, format check, type check, tests.
test: $(VENV)/.dev chromium
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy epmo
	$(PY) -m pytest

## The whole browser suite once more with every server's store on a loopback S3 server
## (moto, tests/objectstore.py) instead of a local directory.
test-s3: $(VENV)/.dev chromium
	EPMO_TEST_STORE=s3 $(PY) -m pytest -m e2e tests/e2e

## The suite with the machine's clock moved to three other days (libfaketime): no test may
## depend on the day it runs. make test-dates [DAYS='"2027-01-04 09:00:00" ...']
test-dates: $(VENV)/.dev chromium
	scripts/test_dates.sh $(DAYS)

lint: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy epmo

fmt: $(VENV)/.dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

unit: $(VENV)/.dev
	$(PY) -m pytest -m "not slow" tests/unit tests/sql

demo: $(VENV)/.runtime
	$(PY) -m epmo demo --scale $(DEMO_SCALE)

templates: $(VENV)/.runtime
	$(PY) -m epmo templates build/templates

docs: $(VENV)/.runtime
	$(PY) -m epmo docs

## Benchmark: page data, pandas reference, memory, browser timing -> docs/benchmarks.md.
## make bench [SCALE=medium|large] [BENCH_ARGS=--quick]
SCALE ?= large
bench: $(VENV)/.dev chromium
	$(PY) -m epmo bench --scale $(SCALE) $(BENCH_ARGS)

chromium:
	@scripts/ensure_chromium.sh

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache build test-artifacts
