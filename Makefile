# Two commands on a fresh machine:
#   make ask Q="When will the night trams run?"                 # set up, then answer from ./corpus
#   make test                                                   # set up, then lint and run the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
Q ?= When will the night trams run?

.PHONY: ask test setup clean

$(BIN)/newsbot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/newsbot

ask: setup
	$(BIN)/newsbot ask "$(Q)"

test: setup
	$(BIN)/ruff check .
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
