# trendtrace: `make demo` sets up and runs the main job; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,spark,comments
comma := ,
STAMP := $(BIN)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: setup demo test test-fast lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(if $(findstring comments,$(EXTRAS)),$(BIN)/pip install --quiet torch==2.13.0)
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

setup: $(STAMP)

demo: setup
	$(BIN)/trendtrace demo --out trendtrace-out

test: setup lint
	SPARK_LOCAL_IP=127.0.0.1 $(BIN)/python -m pytest -n 2 tests

# ruff (pyflakes, bugbear, pyupgrade, simplify, 120 columns, complexity ceiling) and mypy on the
# package: both at zero findings (pyproject.toml)
lint: setup
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

# the suite without the longer end-to-end checks on the simulator (marked slow)
test-fast: setup lint
	SPARK_LOCAL_IP=127.0.0.1 $(BIN)/python -m pytest -n 2 -m 'not slow and not bench' tests

bench: setup
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) trendtrace-out trendtrace.duckdb* .pytest_cache .hypothesis
