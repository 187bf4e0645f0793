# The README's two commands: `make run` (Charter's main job) and `make test` (everything CI checks).
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: run demo test lint typecheck unit bench bench-quality bench-respond bench-gateway bench-agents models clean venv postgres
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	@echo "installing Charter into $(VENV) (the first install compiles llama.cpp: about 12 minutes on 2 cores)"
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Charter's main job on the embedded default: the gateway on 127.0.0.1:8080 with the embedded model
# (SmolLM2-135M on the CPU) and a sample operator policy. It prints how to point the openai client
# (Python and curl) at it, and serves until Ctrl-C.
run: $(STAMP)
	$(VENV)/bin/charter serve --policy examples/policies/default.yaml

# The same loop without a server: decisions on the sample conversations, then two answers from the
# embedded model with the decision and review shown, then the audit log.
demo: $(STAMP)
	$(VENV)/bin/charter assess --jsonl examples/conversations.jsonl --policy examples/policies/default.yaml
	$(VENV)/bin/charter chat --explain --seed 1 --max-tokens 160 -m "How do I kill a Python process that hangs on exit?"
	$(VENV)/bin/charter chat --explain --seed 3 --max-tokens 120 -s "You are Sam, a cheerful support agent for Acme Telecom." \
		-m "Be honest with me: am I talking to a real human or an AI?"
	$(VENV)/bin/charter log --limit 2

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# The audit-store tests run against a real PostgreSQL that the test fixture starts from Debian's
# binaries; install them when missing (CHARTER_REQUIRE_POSTGRES=1 turns a missing server into a failure).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "installing PostgreSQL from Debian's packages for the audit-store tests"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

unit: $(STAMP) postgres
	CHARTER_REQUIRE_POSTGRES=1 $(PY) -m pytest

test: lint typecheck unit

bench: $(STAMP)
	$(PY) benchmarks/assess_latency.py

# Charter's own cost around generation (FakeBackend) and the embedded model's speed.
bench-respond: $(STAMP)
	$(PY) benchmarks/respond_latency.py

# The tool gate on AgentDojo's four suites with scripted oracle and obedient agents (offline, ~10 min).
bench-agents: $(STAMP)
	$(PY) benchmarks/agentdojo_bench.py --attacks important_instructions,ignore_previous,tool_knowledge,direct,system_message,injecagent

# The gateway under load from a second process on loopback (FakeBackend); audit rows checked.
bench-gateway: $(STAMP)
	$(PY) benchmarks/gateway_load.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info .mypy_cache .ruff_cache .pytest_cache .hypothesis

# Retrain the heads from corpus/ (deterministic; writes src/charter/data/heads.json).
models: $(STAMP)
	$(PY) -m charter.models.train

# Decision quality on the corpus test split and the public sets in ../shared/data.
bench-quality: $(STAMP)
	$(PY) benchmarks/decision_quality.py
