# Two commands: `make run` starts the bot, `make test` runs every check.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit bench soak clean lock

# Exactly the pinned, hash-checked lock (runtime + dev), then the project itself.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	$(BIN)/python -m pip check
	touch $(STAMP)

# Re-resolve requirements.lock from pyproject.toml (runtime deps + the dev extra), for
# Python 3.11 on Linux. Pins that still fit are kept; `make lock UPGRADE=1` takes the
# newest releases of everything.
# requirements-runtime.lock: the runtime part alone, at the same pins (the Docker image).
LOCK_FLAGS := --python-version 3.11 --python-platform linux --generate-hashes \
	--custom-compile-command 'make lock' --quiet
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev $(LOCK_FLAGS) \
		$(if $(UPGRADE),--upgrade) --output-file requirements.lock
	$(BIN)/uv pip compile pyproject.toml --constraint requirements.lock $(LOCK_FLAGS) \
		--output-file requirements-runtime.lock

# The bot in the foreground (Ctrl-C stops it); settings from .env, data in ./data by default.
run: $(STAMP)
	$(BIN)/walk-coach run

lint: $(STAMP)
	$(BIN)/ruff check coach_rules bot tests
	$(BIN)/ruff format --check coach_rules bot tests

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck unit

# The benchmark table, each figure beside its anchor, also as JSON (BENCH_OUT, default
# bench-results.json); BENCH_SCALE=small: 10,000 runners instead of 100,000. Not in `make test`.
bench: $(STAMP)
	$(BIN)/python -m tests.bench

# The long runs (not part of `make test`, which runs a short version of each): 1,000
# SIGKILLs against the store's write path; 1,000 SIGKILLs of the real bot in polling and
# in webhook mode while runners report, and as many during a nudge fan-out; every fault
# kind; 2,000 concurrent webhook posts; 100,000 fuzzed updates (WALKCOACH_SOAK_KILLS sets
# fewer kills). Figures are printed.
soak: $(STAMP)
	$(BIN)/python -m pytest -m slow
	WALKCOACH_SOAK=1 $(BIN)/python -m pytest -q -s -p no:randomly tests/test_faults_e2e.py tests/test_fuzz_updates.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis .bench
