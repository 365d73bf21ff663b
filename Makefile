# Two commands on a fresh clone: `make run` (needs only Python 3.11+) and `make test` (brings
# what else it needs: see `deps`). Everything else is a step of those.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi

.PHONY: run preview test test-fast screenshots golden deps bench-deps install index lint format loadtest loadtest-proxy bench quality clean

run: install index  ## serve the sample content at http://127.0.0.1:$(PORT)
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

preview: install  ## the writer's preview: drafts shown, pages reload on save, at http://127.0.0.1:5001
	PORT=$${PORT:-5001} $(FLASK) content preview

test: deps install node_modules/.package-lock.json  ## the whole suite, real-browser tests included
	$(BIN)/pytest

test-fast: deps install node_modules/.package-lock.json  ## the suite without a browser: the inner loop
	$(BIN)/pytest -m "not browser"

screenshots: deps install node_modules/.package-lock.json  ## pictures of every page in screenshots/
	$(BIN)/pytest -m screenshots tests/browser/test_screenshots.py

golden: install  ## rewrite tests/golden/ from the pages as they render now; review the diff
	GOLDEN_UPDATE=1 $(BIN)/pytest tests/test_golden.py

deps:  ## chromium, Java, npm and nginx: installed with apt-get as root, else the command is named
	@sh scripts/deps.sh

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# The tests' npm packages come pinned from package-lock.json: axe-core, vnu-jar (the Nu Html
# Checker), and htmx to check the committed copy the site serves against. No install scripts
# run: none is needed, and vnu-jar's would try to download a Java runtime where none is installed.
node_modules/.package-lock.json: package.json package-lock.json | deps
	npm ci --no-audit --no-fund --ignore-scripts

# The site never builds its own index (a build outlasts any request): the CLI builds it
# when there is none it could serve, damaged or built by an older version included.
index: install  ## build the search index unless a usable one is live
	@$(FLASK) index status >/dev/null 2>&1 || $(FLASK) index rebuild

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

loadtest: install  ## production server under mixed load with live rebuilds (not in `make test`)
	$(BIN)/python scripts/loadtest.py

loadtest-proxy: install  ## the same load through nginx (deploy/nginx) before two instances
	$(BIN)/python scripts/loadtest.py --through-proxy

bench-deps: deps  ## wrk and hugo (apt-get as root, else the command is named) and the pinned Pagefind
	@sh scripts/bench-deps.sh

bench: install bench-deps  ## the benchmark; writes docs/performance.md and docs/preview-timing.md (not in `make test`)
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_preview.py

quality: install  ## search quality on the judgments; writes docs/search-quality.md (not in `make test`)
	$(BIN)/python scripts/quality.py

clean:
	rm -rf $(VENV) node_modules scripts/peers/node_modules index/gen-* index/CURRENT
