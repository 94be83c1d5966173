# Rapor: two commands on a fresh machine with Python 3.11 and make.
#   make demo       create .venv, load the demo region, run the monthly DAG through Airflow
#   make test       run the whole test suite (SQLite and PostgreSQL, browser, DAG runs)
#   make test-fast  the inner loop: SQLite only, no browser, no DAG runs through Airflow
#   make lint       formatting, lint rules and the layer contract (CI runs it first)
#   make check-deploy  docker-compose.yaml, Dockerfile and .env.example, checked without Docker
#   make fmt        format the tree and apply the safe lint fixes
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test test-fast check-deploy lint fmt clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/rapor demo

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	RAPOR_TEST_DATABASES=sqlite $(BIN)/python -m pytest -m "not browser and not dag_run"

check-deploy: $(STAMP)
	$(BIN)/python -m pytest tests/deploy

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/lint-imports --no-cache

fmt: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf .airflow var output demo-data inbox
