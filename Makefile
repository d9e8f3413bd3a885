# The README's commands. Everything binds to 127.0.0.1; caches live under $(TODO_CACHE).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

TODO_CACHE ?= $(HOME)/.cache/todo
UV_VERSION := 0.13.8
UV := $(TODO_CACHE)/uv/$(UV_VERSION)/bin/uv
PORT ?= 8000
BACKEND := backend

# uv must use the machine's Python 3.11; it cannot download interpreters here.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON ?= python3
export TODO_CACHE

.PHONY: help setup run stack bench test lint unit integration e2e stack-test clean

help:
	@echo "make run    - the app at http://127.0.0.1:$(PORT) (embedded: SQLite, in-process events)"
	@echo "make test   - lint, types, and every test suite against real parts"
	@echo "make stack  - the real stack on one machine: PostgreSQL, Kafka, Dapr sidecars, every service"
	@echo "make bench  - open-loop measurement of the event pipeline (docs/BENCHMARKS.md)"
	@echo "make lint   - ruff and mypy only"

$(UV):
	@bash scripts/tools/uv.sh >/dev/null

setup: $(UV)
	@echo "==> installing Python dependencies (uv sync --frozen)"
	@$(UV) sync --frozen --project $(BACKEND)

run: setup
	@echo "==> serving http://127.0.0.1:$(PORT)  (Ctrl-C stops; data in ./.data)"
	@PORT=$(PORT) TODO_LOG_JSON=$${TODO_LOG_JSON:-false} \
		$(UV) run --frozen --project $(BACKEND) todo serve --migrate

stack: setup
	@cd $(BACKEND) && PORT=$(PORT) .venv/bin/python -m todo.stack

bench: setup
	@cd $(BACKEND) && .venv/bin/python ../bench/pipeline.py $(BENCH_ARGS)

lint: setup
	@echo "==> ruff"
	@cd $(BACKEND) && $(UV) run --frozen ruff check src tests && $(UV) run --frozen ruff format --check src tests
	@echo "==> mypy (strict on the domain)"
	@cd $(BACKEND) && $(UV) run --frozen mypy src

PYTEST = cd $(BACKEND) && TODO_PG_BIN=$$(bash ../scripts/tools/postgres.sh | tail -n1) \
	$(UV) run --frozen pytest -p no:cacheprovider --durations=10

unit: setup
	@echo "==> unit tests"
	@$(PYTEST) tests/unit

integration: setup
	@echo "==> integration tests (SQLite and a private PostgreSQL server)"
	@$(PYTEST) tests/integration

e2e: setup
	@echo "==> end-to-end tests (real server processes, schemathesis)"
	@$(PYTEST) tests/e2e

stack-test: setup
	@echo "==> stack tests (PostgreSQL, Kafka, Dapr sidecars, every service)"
	@$(PYTEST) tests/stack

test: lint
	@echo "==> all test suites"
	@$(PYTEST) tests

clean:
	rm -rf $(BACKEND)/.venv .data
