# btxh: `make run` starts everything on the embedded stack; `make test` runs every test;
# `make test-fast` runs the fast tier (no PostgreSQL, no broker).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint bench contracts clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m backbone.launcher

# Test files run on TEST_WORKERS processes (pytest-xdist), each with its own PostgreSQL and
# broker: most of a system test is waiting (a consumer group joining, a process starting).
TEST_WORKERS ?= 2

test:
	@$(PYTHON) -m tests.support.infra describe
	@sh scripts/install-system-packages.sh
	@$(MAKE) --no-print-directory $(STAMP)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# Rules and use cases on eventsourcing's in-memory store: tests marked neither `system` nor
# `integration` (tests/conftest.py marks them); needs neither PostgreSQL nor the broker.
test-fast: $(STAMP)
	$(PY) -m pytest -m "not system and not integration" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy contracts backbone services reference
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) -m tests.bench.thin_flow

.PHONY: chaos
chaos: $(STAMP)
	$(PY) -m tests.chaos $(CHAOS_ARGS)

.PHONY: bench-payroll
bench-payroll: $(STAMP)
	$(PY) -m tests.bench.payroll

.PHONY: bench-writes
bench-writes: $(STAMP)
	$(PY) -m tests.bench.large_writes

.PHONY: bench-import
bench-import: $(STAMP)
	$(PY) -m tests.bench.result_import

contracts: $(STAMP)
	$(PY) -m contracts.export

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
