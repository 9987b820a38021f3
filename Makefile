# Hotspots — the two set-up commands (see README.md) and a few helpers.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# make demo PORT=8765 HOST=0.0.0.0: where the demo serves the API and the map
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: demo test test-date install lint browser-deps captures bench bench-geocode bench-analyse bench-maps bench-load bench-plan bench-travel bench-backtest bench-faults bench-permits bench-write

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
	$(BIN)/hotspots demo --servir --host $(HOST) --port $(PORT)

## Chromium, its driver and its French locale for the browser test (tests/test_browser*.py, and the README's
## screenshots): installed when root, else explained
browser-deps:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
		&& { [ -e /usr/lib/chromium/locales/fr.pak ] || ! command -v apt-get >/dev/null 2>&1; }; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installation de chromium, chromium-driver et chromium-l10n (test navigateur)…"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver chromium-l10n; \
	else \
		echo "Test navigateur : installez Chromium, son pilote et sa langue française :"; \
		echo "    sudo apt-get install -y chromium chromium-driver chromium-l10n"; \
	fi

## (2) the whole test suite, with the quality gates
test: install browser-deps
	$(BIN)/ruff check service tests benchmarks notebooks
	$(BIN)/mypy
	$(BIN)/python -m pytest -n 2 --dist loadfile

## the suite with the machine's clock moved (libfaketime), for what holds only on some days: a year's end, a leap
## day, the night of a time change, an evening already the next day in Brussels.
## make test-date QUAND="2027-03-28 00:58 UTC"  (the tests waiting on the server's timers are left out)
test-date: install browser-deps
	@if [ -z "$(QUAND)" ]; then echo 'Indiquez le moment : make test-date QUAND="2027-01-01 00:30 +0100"'; exit 2; fi
	@command -v faketime >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq \
		&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq faketime; } \
		|| { echo "Installez faketime : sudo apt-get install faketime"; exit 2; }
	faketime -f "$$(printf '%+d' $$(( $$(date -d '$(QUAND)' +%s) - $$(date +%s) )))" \
		$(BIN)/python -m pytest -n 2 --dist loadfile -m "not minuterie"

## the README's screenshots (docs/premiers-pas/), taken again by the browser test on the demonstration data
captures: install browser-deps
	HOTSPOTS_CAPTURES=$(CURDIR)/docs/premiers-pas $(BIN)/python -m pytest tests/test_browser.py tests/test_browser_plan.py -q

lint: install
	$(BIN)/ruff check service tests benchmarks notebooks
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

## back-test benchmark: forecast beside its baselines on real data (LANCASHIRE=path/to/lancashire_asb.tab) and the demo
bench-backtest: install
	$(BIN)/python benchmarks/bench_backtest.py $(if $(LANCASHIRE),--lancashire $(LANCASHIRE)) $(if $(GRAINES),--graines)

## map benchmark: page weight and first-view transfer at 100k reports, beside naive folium pages
bench-maps: install
	$(BIN)/python benchmarks/bench_maps.py

## API load: 200 concurrent clients on a real server (sensitive points and map data), then 50 reading and writing
bench-load: install
	$(BIN)/python benchmarks/bench_api_load.py

## shift planning: value against the naive planner, OR-Tools (30 s) and the exact optimum; 500 candidates, 5 teams
bench-plan: install
	$(BIN)/python benchmarks/bench_plan.py

## travel matrix: 500 and 1,000 places on the OpenStreetMap streets of Liège, beside the straight-line matrix
bench-travel: install
	$(BIN)/python benchmarks/bench_travel.py

## faults under a real server: restore, database stopped, XLSX bombs (memory of the server)
bench-faults: install
	$(BIN)/python benchmarks/bench_faults.py

## permits, advice sheets, digests and referral rules on 100,000 reports, beside naive ways (benchmarks/README.md)
bench-permits: install
	$(BIN)/python benchmarks/bench_permits.py

## one record written through the API, alone: a visit, a visit on a sensitive point (the map's form), a report
bench-write: install
	$(BIN)/python benchmarks/bench_api_write.py
