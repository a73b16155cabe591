PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

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
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python run.py bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
