# fluxloop-otel developer commands. `make demo` and `make test` work on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo lint test test-fast test-frameworks bench bench-instructions soak clean

#: Layers type-checked with mypy --strict.
STRICT := src/fluxloop_otel/semconv src/fluxloop_otel/serialization src/fluxloop_otel/telemetry \
          src/fluxloop_otel/instrumentation src/fluxloop_otel/_compat.py

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[langchain,threading,test,nat,agnt5]'
	touch $(STAMP)

## demo: set up, run the quickstart agent (JSONL files, no collector needed) and show its trace
demo: $(STAMP)
	rm -rf examples/quickstart/traces
	cd examples/quickstart && ../../$(PY) agent.py
	$(VENV)/bin/fluxloop-otel show examples/quickstart/traces --last 1

## lint: ruff, the package stack (import-linter) and mypy --strict on the lower layers
lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench examples tools
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy --strict $(STRICT)

## test: set up, lint, and run the whole test suite (unit + end-to-end with the real FluxLoop CLI and Phoenix)
test: lint
	$(PY) -m pytest

## test-fast: unit tests only
test-fast: $(STAMP)
	$(PY) -m pytest -m "not e2e"

## test-frameworks: the NVIDIA NeMo Agent Toolkit and AGNT5 tests only (tests/instrumentation/nat and agnt5)
test-frameworks: $(STAMP)
	$(PY) -m pytest -m "nat or agnt5"

## bench: every benchmark, ratios measured side by side (minutes; needs the Phoenix venv for export)
bench: $(STAMP)
	$(PY) bench/decorators.py
	$(PY) bench/langchain.py
	$(PY) bench/frameworks.py
	$(PY) bench/export.py

## bench-instructions: the same ratios as instruction counts under valgrind (stable on a busy machine; ~40 min)
bench-instructions: $(STAMP)
	$(PY) bench/instructions.py
	$(PY) bench/export.py --instructions
	$(PY) bench/langchain.py --instructions

## soak: 1,000,000 spans through decorators + JSONL + OTLP to a local backend (RSS, drops, lag)
soak: $(STAMP)
	$(PY) bench/soak.py

clean:
	rm -rf $(VENV) .cache .pytest_cache .hypothesis
