# Two commands do all the set-up: `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
DEMO_DIR ?= var/data/gorontalo
DEMO_EMPLOYEES ?= 3000

.PHONY: demo test lint typecheck pytest install clean bench

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(BIN)/activate

install: $(BIN)/activate

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -q -p no:cacheprovider

test: lint typecheck pytest

demo: install
	$(BIN)/mutasi generate --preset gorontalo --seed 7 --employees $(DEMO_EMPLOYEES) --out $(DEMO_DIR)
	$(BIN)/mutasi validate $(DEMO_DIR)

bench: install
	$(PY) benchmarks/generate.py

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
