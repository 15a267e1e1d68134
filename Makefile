# Two ways in: `make run` and `make test`. Both create .venv and install what they need.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test lint bench clean fresh-install

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "briefbot needs Python 3.11 or newer; set PYTHON=python3.11 (or newer)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

run: $(STAMP)
	$(BIN)/briefbot db upgrade
	$(BIN)/briefbot run --preview-if-no-token

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy bot jobs storage

test: lint
	$(BIN)/pytest

# A new virtualenv with the interpreter's own pip, `pip install -e .`, and the CLI started.
fresh-install: $(STAMP)
	BRIEFBOT_FRESH_INSTALL=1 $(BIN)/pytest -q tests/test_install.py

bench: $(STAMP)
	for b in tests/bench/bench_*.py; do $(BIN)/python -m tests.bench.$$(basename $$b .py) || exit 1; done

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
