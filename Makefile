# The README's commands. Each target creates .venv as needed.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
CONFIG ?= monitor.yaml

.PHONY: run test test-fast demo lint clean tools

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $@ $(STAMP)

run: $(STAMP)
	$(BIN)/monitor --config $(CONFIG) run

demo: $(STAMP)
	$(BIN)/monitor demo

# Chromium, promtool, docker-compose and systemd-analyze, from Debian, when missing.
tools:
	bash .ci/tools

# One test process per core (pytest-xdist); PYTEST_ARGS="-n 0" runs them in this one.
test: $(TEST_STAMP) tools
	$(BIN)/python -m pytest -n auto $(PYTEST_ARGS)

# SQLite only, no browser, no wheel, nothing slow: the suite while editing. `make test`
# before a commit.
test-fast: $(TEST_STAMP)
	$(BIN)/python -m pytest -n auto -m "not postgres and not browser and not wheel and not slow" $(PYTEST_ARGS)

lint: $(TEST_STAMP) tools
	$(BIN)/ruff check monitor tests benchmarks migrations
	$(BIN)/ruff format --check monitor tests benchmarks migrations
	$(BIN)/mypy
	bash deploy/check

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
