# Two commands on a fresh machine:
#   make ask Q="When will the night trams run?"                 # set up, then answer from ./corpus
#   make test                                                   # set up, then lint and run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
Q ?= When will the night trams run?
# What each target has installed: `ask` needs only the runtime packages, `test` the dev extra.
RUNTIME := $(VENV)/.installed-runtime
DEV := $(VENV)/.installed-dev

.PHONY: ask test setup clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,xapian]'
	touch $@ $(RUNTIME)

setup: $(DEV)

ask: $(RUNTIME)
	$(BIN)/newsbot ask "$(Q)"

test: $(DEV)
	$(BIN)/ruff check --no-cache .
	PYTHONDONTWRITEBYTECODE=1 $(BIN)/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
