# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test lint setup venv venv-dev bench clean

# The venv is rebuilt only when it is missing; packages are reinstalled only when a requirements file changed.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime-installed

venv: $(VENV)/.runtime-installed
venv-dev: $(VENV)/.dev-installed

# Migrates the database (SQLite in instance/ unless DATABASE_URL is set), loads the territory when it is
# missing and, on a new database, the demo accounts and plans.
setup: venv
	$(FLASK) db upgrade
	$(FLASK) setup

run: setup
	$(FLASK) run --host $(HOST) --port $(PORT)

# The suite on every CPU (pytest-xdist; each worker has its own databases). PYTEST_WORKERS=0: one process;
# PYTEST_ARGS: any other pytest argument, e.g. make test PYTEST_ARGS="tests/plans -x".
PYTEST_WORKERS ?= auto
test: venv-dev
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

# The rules a machine checks (docs/ARCHITECTURE.md): ruff (ruff.toml), then the import contracts (.importlinter).
lint: venv-dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

# Every benchmark, full size (several minutes), into docs/BENCHMARKS.md; a quick check of the scripts:
# make bench BENCH_ARGS="--plans 30 --actions 10 --duration 3"
bench: venv-dev
	$(BIN)/python scripts/bench.py --postgresql $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
