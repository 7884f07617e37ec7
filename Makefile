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
	$(BIN)/pytest -q -p no:cacheprovider --cov=features --cov=training --cov=serving --cov=planning --cov=monitoring --cov=batch --cov-report=term-missing:skip-covered --cov-fail-under=85
	$(BIN)/pytest -q -p no:cacheprovider --nbmake notebooks

test: lint typecheck pytest

# Generate a province, validate it, train and register a model, promote it to champion, then
# serve it on 127.0.0.1:8000 (Ctrl-C stops). Everything lives under var/.
demo: install
	$(BIN)/mutasi generate --preset gorontalo --seed 7 --employees $(DEMO_EMPLOYEES) --out $(DEMO_DIR)
	$(BIN)/mutasi validate $(DEMO_DIR)
	MUTASI_DATA_DIR=$(DEMO_DIR) $(BIN)/mutasi train $(DEMO_DIR)
	$(BIN)/mutasi card --model-uri challenger --out var/demo
	# A first model has no champion to compare with, so the fairness gate asks for a recorded
	# reason: the demo gives one; read the flags in var/demo/model_card before relying on it.
	$(BIN)/mutasi promote --force --reason "make demo: first model of a synthetic province; fairness flags reviewed in var/demo/model_card"
	MUTASI_DATA_DIR=$(DEMO_DIR) $(BIN)/mutasi demo-keys $(DEMO_DIR)
	MUTASI_DATA_DIR=$(DEMO_DIR) MUTASI_API_KEYS="$$(cat var/demo/api_keys.json)" $(BIN)/mutasi serve

# Every benchmark in turn (about 45 min on 2 cores); each prints its table and writes
# benchmarks/results/<name>.json. One alone: .venv/bin/python benchmarks/<name>.py
BENCHMARKS := generate validate features eligibility train serving recommend load plan plan_province fairness continuation simulate monitor batch
bench: install
	set -e; for b in $(BENCHMARKS); do echo "== $$b"; $(PY) benchmarks/$$b.py; done

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
