# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 5000
HOST   ?= 127.0.0.1
FLASK  := $(BIN)/flask --app wsgi

.PHONY: run test setup venv venv-dev bench clean

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

test: venv-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Every benchmark, full size (several minutes), into docs/BENCHMARKS.md; a quick check of the scripts:
# make bench BENCH_ARGS="--plans 30 --actions 10 --duration 3"
bench: venv-dev
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
