# The two commands of README.md: `make run` (serve the demo store) and `make test` (lint and
# the whole suite). Both set up everything they need on a fresh machine with Python 3.11 and
# Node 20; running them again only redoes what changed.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
THEME := theme/static_src
HOST ?= 127.0.0.1
PORT ?= 8000
SANDBOX_PORT ?= 8001

export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

.PHONY: run test lint install css messages migrate seed e2e sandbox bench load clean

# Without MERCADOPAGO_ACCESS_TOKEN the store talks to the offline Mercado Pago sandbox, which
# runs beside it for as long as the store does.
run: install css messages migrate seed
	@if [ -z "$$MERCADOPAGO_ACCESS_TOKEN" ]; then \
		echo "Offline Mercado Pago sandbox on http://127.0.0.1:$(SANDBOX_PORT)/ (no credentials needed)"; \
		$(BIN)/python -m payments.mercado_pago.sandbox --port $(SANDBOX_PORT) & sandbox=$$!; \
		trap 'kill $$sandbox 2>/dev/null' EXIT INT TERM; \
		export MERCADOPAGO_API_BASE_URL=http://127.0.0.1:$(SANDBOX_PORT) SITE_URL=http://$(HOST):$(PORT); \
		echo "Serving the store on http://$(HOST):$(PORT)/"; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT); \
	else \
		echo "Serving the store on http://$(HOST):$(PORT)/ with real Mercado Pago credentials"; \
		$(BIN)/python manage.py runserver $(HOST):$(PORT); \
	fi

# The benchmark (bench/README.md): gunicorn + wrk on this machine, results in bench/results/.
bench: install css
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } \
		|| { echo "wrk is needed: apt-get install -y wrk"; exit 1; }
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The load test (bench/README.md, "Load test"): 200 simulated shoppers (locust) for 5 minutes
# against gunicorn on PostgreSQL through the sandbox. Not part of `make test`.
load: install css
	$(BIN)/uv sync --frozen --inexact --group bench
	$(BIN)/python bench/load/run.py $(LOAD_ARGS)

sandbox: install
	$(BIN)/python -m payments.mercado_pago.sandbox --port $(SANDBOX_PORT)

test: install css messages lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

e2e: install css messages
	$(BIN)/python -m pytest e2e

install: $(VENV)/.synced

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --inexact keeps uv itself, which is not a project dependency.
$(VENV)/.synced: $(BIN)/uv uv.lock pyproject.toml
	$(BIN)/uv sync --frozen --inexact
	@touch $@

css: $(THEME)/node_modules/.installed
	$(BIN)/python manage.py tailwind build

# `npm install --no-save` installs the locked versions without touching the lock. (`npm ci`
# refuses this lock: npm 11 leaves other platforms' optional Tailwind binaries out of it.)
$(THEME)/node_modules/.installed: $(THEME)/package-lock.json $(THEME)/package.json
	cd $(THEME) && npm install --no-save --no-audit --no-fund
	@touch $@

# The translations (locale/*/LC_MESSAGES/django.po) compiled to the .mo files Django reads, by
# Babel (a project dependency), so no system gettext is needed. The .mo files are not committed.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/django.po)
messages: $(PO_FILES:.po=.mo)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(VENV)/.synced
	$(BIN)/pybabel compile --statistics -l $* -i $< -o $@

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

clean:
	rm -rf $(VENV) $(THEME)/node_modules theme/static/css/dist staticfiles
