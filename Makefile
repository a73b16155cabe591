PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The suite on every core, at most 4 (pytest-xdist); PYTEST_WORKERS= runs it in one process.
PYTEST_WORKERS ?= -n auto --maxprocesses 4

# The guard after the suite: the tests that type dates to a server in another process, run again with that
# server's clock moved to Dec 31 (AIRTNG_CLOCK_OFFSET_DAYS, for tests only). A test typing a fixed day
# ("Dec 1-2") instead of one relative to the server's today (tests/support/stays.py) fails there whatever
# the real date; the stays they book also cross into the next year.
CLOCK_GUARD_TESTS := tests/test_serve.py::test_two_workers_apply_every_text_once_and_stop_cleanly \
	tests/test_crash.py tests/test_cluster.py
# (On Dec 31 itself, next year's: the guard always runs on a day that is not today.)
DAYS_TO_YEAR_END = $(shell $(BIN)/python -c "from datetime import UTC, date, datetime; \
	today = datetime.now(UTC).date(); last = date(today.year, 12, 31); \
	print(((last if last > today else date(today.year + 1, 12, 31)) - today).days)")

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
	AIRTNG_CLOCK_OFFSET_DAYS=$(DAYS_TO_YEAR_END) $(BIN)/python -m pytest $(PYTEST_WORKERS) $(CLOCK_GUARD_TESTS)

bench: $(STAMP)
	$(BIN)/python run.py bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
