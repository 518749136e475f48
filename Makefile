# trendtrace: `make demo` sets up and runs the main job; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
EXTRAS ?= dev,spark
comma := ,
STAMP := $(BIN)/.installed-$(subst $(comma),-,$(EXTRAS))

.PHONY: setup demo test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[$(EXTRAS)]'
	touch $@

setup: $(STAMP)

demo: setup
	$(BIN)/trendtrace demo --out trendtrace-out

test: setup
	SPARK_LOCAL_IP=127.0.0.1 $(BIN)/python -m pytest -n 2 tests

bench: setup
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) trendtrace-out trendtrace.duckdb* .pytest_cache .hypothesis
