# Two commands on a fresh clone: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
HTMX := webapp/static/vendor/htmx.min.js
FLASK := $(BIN)/flask --app wsgi

.PHONY: run test install assets index lint format loadtest bench quality clean

run: install index  ## serve the sample content at http://127.0.0.1:$(PORT)
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

test: install  ## the whole suite, real-browser tests included
	$(BIN)/pytest

install: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# htmx, axe-core and vnu-jar (the Nu Html Checker) come pinned from package-lock.json; htmx is
# copied into our static folder so it is served from our own origin. No install scripts run:
# none is needed, and vnu-jar's would try to download a Java runtime where none is installed.
assets: node_modules/.package-lock.json
	mkdir -p $(dir $(HTMX))
	cp node_modules/htmx.org/dist/htmx.min.js $(HTMX)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts

index: install  ## build the search index if there is none yet
	@if [ ! -f index/CURRENT ]; then $(FLASK) index rebuild; fi

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

loadtest: install  ## production server under mixed load with live rebuilds (not in `make test`)
	$(BIN)/python scripts/loadtest.py

bench: install  ## the performance benchmark; writes docs/performance.md (not in `make test`)
	$(BIN)/python scripts/bench.py

quality: install  ## search quality on the judgments; writes docs/search-quality.md (not in `make test`)
	$(BIN)/python scripts/quality.py

clean:
	rm -rf $(VENV) node_modules index/gen-* index/CURRENT $(dir $(HTMX))
