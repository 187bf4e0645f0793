# The README's two commands: `make run` (Charter's main job) and `make test` (everything CI checks).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck unit bench bench-quality models clean venv

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Charter's main job on the embedded default: decide on a set of sample conversations.
run: $(STAMP)
	$(VENV)/bin/charter assess --jsonl examples/conversations.jsonl --policy examples/policies/default.yaml

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

unit: $(STAMP)
	$(PY) -m pytest

test: lint typecheck unit

bench: $(STAMP)
	$(PY) benchmarks/assess_latency.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis

# Retrain the heads from corpus/ (deterministic; writes src/charter/data/heads.json).
models: $(STAMP)
	$(PY) -m charter.models.train

# Decision quality on the corpus test split and the public sets in ../shared/data.
bench-quality: $(STAMP)
	$(PY) benchmarks/decision_quality.py
