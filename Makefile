# Rapor: two commands on a fresh machine with Python 3.11 and make.
#   make demo   create .venv, load the demo region, run the monthly DAG through Airflow
#   make test   run the test suite (SQLite and PostgreSQL)
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test clean

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

clean:
	rm -rf .airflow var output demo-data inbox
