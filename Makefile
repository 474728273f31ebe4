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

export UV_PROJECT_ENVIRONMENT := $(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_NO_PROGRESS := 1

.PHONY: run test lint install css migrate seed e2e clean

run: install css migrate seed
	@echo "Serving the store on http://$(HOST):$(PORT)/"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install css lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

e2e: install css
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

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

clean:
	rm -rf $(VENV) $(THEME)/node_modules theme/static/css/dist staticfiles
