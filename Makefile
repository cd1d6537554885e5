# Kefu: `make run` starts the appliance, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint setup bench package clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/kefu serve $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check appliance tests bench installer
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run.py

# One executable with Nuitka (needs gcc, patchelf and ccache: see installer/README.md).
# FLAVOUR=qt builds the larger flavour with the Qt console window built in.
FLAVOUR ?= lean
package: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,package]'
	FLAVOUR=$(FLAVOUR) bash installer/build.sh

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
