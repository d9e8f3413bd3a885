# The README's commands. Everything binds to 127.0.0.1; caches live under $(TODO_CACHE).
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

TODO_CACHE ?= $(HOME)/.cache/todo
UV_VERSION := 0.13.8
UV := $(TODO_CACHE)/uv/$(UV_VERSION)/bin/uv
PORT ?= 8000
BACKEND := backend
FRONTEND := frontend
# npm ci runs again only when node_modules is gone or the lock (or package.json) changed.
NPM_STAMP := $(FRONTEND)/node_modules/.install-stamp
# The browser tests drive Debian's Chromium; the script installs it when missing (as root).
CHROMIUM = bash scripts/tools/chromium.sh | tail -n1

# uv must use the machine's Python 3.11; it cannot download interpreters here.
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON ?= python3
export TODO_CACHE

.PHONY: help setup tools run stack bench test lint unit integration e2e stack-test clean \
	web web-test api-client chromium screenshots monitoring soak reliability

help:
	@echo "make run    - the app at http://127.0.0.1:$(PORT) (embedded: SQLite, in-process events)"
	@echo "make test   - lint, types, and every test suite against real parts"
	@echo "make stack  - the real stack on one machine: PostgreSQL, Kafka, Dapr sidecars, every service"
	@echo "make bench  - open-loop measurement of the event pipeline (docs/BENCHMARKS.md)"
	@echo "make lint   - ruff and mypy only"
	@echo "make web    - build the web app into frontend/dist (make run serves it at /)"
	@echo "make web-test   - the web app's component tests (vitest)"
	@echo "make api-client - regenerate frontend/openapi.json and the typed API client"
	@echo "make screenshots - docs/screenshots/*.png from a real Chromium"
	@echo "make cluster-check - a local kube-apiserver judges the chart; the images built and run (podman)"
	@echo "make cluster       - a one-node Kubernetes here (own network namespace) running the product (root)"
	@echo "make cluster-down  - stop it and remove its state (.cluster/)"
	@echo "make monitoring  - regenerate the Grafana dashboards and copy them and the rules into the chart"

$(UV):
	@bash scripts/tools/uv.sh >/dev/null

setup: $(UV)
	@echo "==> installing Python dependencies (uv sync --frozen)"
	@$(UV) sync --frozen --project $(BACKEND)

run: setup web
	@echo "==> serving http://127.0.0.1:$(PORT)  (Ctrl-C stops; data in ./.data)"
	@PORT=$(PORT) TODO_LOG_JSON=$${TODO_LOG_JSON:-false} TODO_STATIC_DIR=$(CURDIR)/$(FRONTEND)/dist \
		$(UV) run --frozen --project $(BACKEND) todo serve --migrate

$(NPM_STAMP): $(FRONTEND)/package-lock.json $(FRONTEND)/package.json
	@echo "==> installing the web app's dependencies (npm ci)"
	@cd $(FRONTEND) && npm ci --no-audit --no-fund
	@touch $@

web: $(NPM_STAMP)
	@echo "==> building the web app (type check + vite build -> frontend/dist)"
	@cd $(FRONTEND) && npm run build

web-test: $(NPM_STAMP)
	@echo "==> web app component tests (vitest)"
	@cd $(FRONTEND) && npm test

api-client: setup $(NPM_STAMP)
	@echo "==> regenerating frontend/openapi.json and frontend/src/api/schema.d.ts"
	@cd $(FRONTEND) && UV=$(UV) bash scripts/gen-api.sh

chromium:
	@$(CHROMIUM)

screenshots: setup web
	@echo "==> screenshots of the web app -> docs/screenshots/"
	@TODO_CHROMIUM=$$($(CHROMIUM)); export TODO_CHROMIUM; \
		cd $(BACKEND) && $(UV) run --frozen python ../scripts/screenshots.py

stack: setup
	@cd $(BACKEND) && PORT=$(PORT) .venv/bin/python -m todo.stack

bench: setup
	@cd $(BACKEND) && .venv/bin/python ../bench/pipeline.py $(BENCH_ARGS)

# Not in `make test`: 30 minutes of steady load on the stack (docs/RELIABILITY.md).
soak: setup
	@cd $(BACKEND) && TODO_PG_BIN=$$(bash ../scripts/tools/postgres.sh | tail -n1) \
		.venv/bin/python ../bench/soak.py $(SOAK_ARGS)

# The fault matrix of the stack tests, its table written for docs/RELIABILITY.md.
reliability: setup
	@export TODO_RELIABILITY_TABLE=$(CURDIR)/docs/reliability/fault-matrix.md; $(PYTEST) tests/stack/test_fault_matrix.py

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

e2e: setup web
	@echo "==> end-to-end tests (real server processes, schemathesis, the web app in Chromium)"
	@TODO_CHROMIUM=$$($(CHROMIUM)); export TODO_CHROMIUM; $(PYTEST) tests/e2e

stack-test: setup
	@echo "==> stack tests (PostgreSQL, Kafka, Dapr sidecars, every service)"
	@$(PYTEST) tests/stack

# The cluster artefacts: helm lint/template, kubeconform (offline schemas), checkov, actionlint,
# yamllint, NetworkPolicy flows. The scripts install each pinned tool once into $(TODO_CACHE).
.PHONY: chart-test
chart-test: setup
	@echo "==> chart checks (helm, kubeconform, checkov, actionlint, yamllint; tools cached in $(TODO_CACHE))"
	@for t in $(CHART_TOOLS); do bash scripts/tools/$$t.sh >/dev/null || exit 1; done
	@$(PYTEST) tests/chart

CHART_TOOLS := helm kubeconform k8s-schemas checkov actionlint yamllint

# A real control plane judges every shipped object (etcd, kube-apiserver, controller-manager and
# scheduler on 127.0.0.1, RBAC, Pod Security `restricted`), and the real Dockerfiles are built with
# podman on stand-in bases and run under the chart's securityContext. docs/cluster.md.
.PHONY: cluster-check
cluster-check: setup
	@echo "==> cluster checks (local kube-apiserver, helm install/upgrade/test, podman images; tools cached in $(TODO_CACHE))"
	@for t in $(CLUSTER_TOOLS); do bash scripts/tools/$$t.sh >/dev/null || exit 1; done
	@$(PYTEST) tests/cluster

CLUSTER_TOOLS := kubernetes etcd helm k8s-schemas podman base-images cni-plugins coredns \
	metrics-server traefik cert-manager kube-router cluster-images

# The product in a one-node Kubernetes on this machine (docs/cloud/local.md): control plane and
# node in a network namespace with no route out, reached through 127.0.0.1 ports only; deployed
# by the cloud path (scripts/cloud/local.sh -> deploy.sh -> smoke.sh over HTTPS).
CLUSTER_PORTS ?= --api-port 16443 --https-port 8443 --mailbox-port 18025
.PHONY: cluster cluster-down
cluster: setup
	@for t in $(CLUSTER_TOOLS); do bash scripts/tools/$$t.sh >/dev/null || exit 1; done
	@cd $(BACKEND) && .venv/bin/python -m tests.support.localcluster up --dir $(CURDIR)/.cluster $(CLUSTER_PORTS)

cluster-down: setup
	@cd $(BACKEND) && .venv/bin/python -m tests.support.localcluster down --dir $(CURDIR)/.cluster

# Every tool the tests use, fetched or built once into $(TODO_CACHE), with progress shown here
# rather than inside a captured test fixture.
tools:
	@echo "==> tools: PostgreSQL, Kafka, Dapr, Zipkin, Prometheus, nginx, Chromium, the chart checkers, Kubernetes, podman; cached in $(TODO_CACHE)"
	@for t in postgres kafka dapr zipkin prometheus nginx chromium $(CHART_TOOLS) $(CLUSTER_TOOLS); do bash scripts/tools/$$t.sh >/dev/null || exit 1; done

# pytest runs every suite under backend/tests: unit, integration, e2e (browser), stack, chart,
# cluster.
test: lint tools web web-test
	@echo "==> all test suites (the web app's in Chromium among them)"
	@TODO_CHROMIUM=$$($(CHROMIUM)); export TODO_CHROMIUM; $(PYTEST) tests

# Helm reads only files inside the chart: it carries copies of the tested rules and dashboards
# (backend/tests/chart/test_monitoring.py fails when they drift).
monitoring:
	@python3 monitoring/grafana/generate_dashboards.py >/dev/null
	@cp monitoring/prometheus/rules/*.yml helm/todo-app/files/prometheus/
	@cp monitoring/grafana/dashboards/*.json helm/todo-app/files/grafana/
	@echo "dashboards regenerated; rules and dashboards copied into helm/todo-app/files/"

clean:
	rm -rf $(BACKEND)/.venv .data $(FRONTEND)/node_modules $(FRONTEND)/dist
