# Two commands from a fresh clone: `make demo` and `make test`. Each creates .venv on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
export DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: install demo test test-fast lint format dev dashboard doctor bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

$(DAGSTER_HOME)/dagster.yaml: dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp dagster.yaml $@

demo: install $(DAGSTER_HOME)/dagster.yaml  ## run the whole pipeline on the bundled export, print the digest
	$(BIN)/slack-events demo

test: install  ## lint and type-check, then the whole test suite (PostgreSQL 16 tests included)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy slack_events_dagster devtools
	$(BIN)/python -m pytest

# Unit tests: pure functions, settings, export parsing, the definitions snapshot. No PostgreSQL,
# no Dagster run or subprocess, no emulator: under a minute.
UNIT_TESTS := $(addprefix slack_events_dagster_tests/,domain test_settings.py test_urls.py \
	test_definitions.py test_config_reaches_resources.py \
	test_snapshots.py::test_definitions_are_the_snapshot test_demo_log.py \
	resources/test_slack_export.py evaluation/test_rules_quality.py \
	dashboard/test_slack_preview.py)

test-fast: install  ## the unit tests only, under a minute (make test runs them too)
	$(BIN)/python -m pytest -m "not slow and not postgres" $(UNIT_TESTS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy slack_events_dagster devtools

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

dev: install $(DAGSTER_HOME)/dagster.yaml  ## the Dagster UI and daemon on http://localhost:3000
	$(BIN)/dagster dev -w workspace.yaml

DASHBOARD_PORT ?= 8501
dashboard: install  ## the events dashboard on http://localhost:8501, read-only (run make demo first)
	$(BIN)/streamlit run slack_events_dagster/dashboard/app.py --server.port $(DASHBOARD_PORT) \
		--server.headless true --browser.gatherUsageStats false

doctor: install
	$(BIN)/slack-events doctor

bench: install  ## throughput and memory benchmarks (benchmarks/README.md); not part of make test
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(DAGSTER_HOME) data/slack_events.db*
