# Hotspots — the two set-up commands (see README.md) and a few helpers.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin

.PHONY: demo test install lint bench bench-geocode bench-analyse

# Install everything: a virtual environment with the package and its tools. PostgreSQL/PostGIS are installed
# by the service itself when missing (apt-get, as root) the first time the database starts.
$(BIN)/hotspots: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@

install: $(BIN)/hotspots

## (1) install, start the database, generate, ingest and analyse the demo data set, then serve the API and map
demo: install
	$(BIN)/hotspots demo --servir

## (2) the whole test suite, with the quality gates
test: install
	$(BIN)/ruff check service tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check service tests benchmarks
	$(BIN)/mypy

## ingestion benchmark (1,000,000 rows; see benchmarks/README.md)
bench: install
	$(BIN)/python benchmarks/bench_ingest.py

## geocoder benchmark (Liège-province register; see README)
bench-geocode: install
	$(BIN)/python benchmarks/bench_geocode.py

## analysis benchmark (100k and 1M reports, beside ST_ClusterDBSCAN)
bench-analyse: install
	$(BIN)/python benchmarks/bench_analyse.py
