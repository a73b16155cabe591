PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The suite on every core, at most 4 (pytest-xdist); PYTEST_WORKERS= runs it in one process.
PYTEST_WORKERS ?= -n auto --maxprocesses 4

.PHONY: run test lint typecheck check docs chat bench clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/python run.py serve

chat: $(STAMP)
	$(BIN)/python run.py chat $(or $(PHONE),+15551230001)

lint: $(STAMP)
	$(BIN)/ruff check bot bench tests run.py

typecheck: $(STAMP)
	$(BIN)/mypy

check: $(STAMP)
	$(BIN)/python run.py check

docs: $(STAMP)
	$(BIN)/python run.py messages --docs

test: $(STAMP) lint typecheck check
	$(BIN)/python -m pytest $(PYTEST_WORKERS)

bench: $(STAMP)
	$(BIN)/python run.py bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
