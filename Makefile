# The two commands a newcomer needs: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup serve test lint typecheck pytest browser bench screenshots clean

# Browser tests drive Debian's Chromium through Playwright (no browser download).
CHROMIUM := /usr/bin/chromium

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# Front-end packages (YASGUI for /query, axe-core for the accessibility tests) come from the
# npm registry as pinned by web/package-lock.json; the files the app serves are copied into
# web/static/vendor/ (git-ignored), so no page ever loads a script from a CDN.
WEB     := src/csc_graph/web
VENDOR  := $(WEB)/static/vendor
NPM_STAMP := $(WEB)/node_modules/.installed

$(NPM_STAMP): $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --ignore-scripts
	mkdir -p $(VENDOR)
	cp $(WEB)/node_modules/@zazuko/yasgui/build/yasgui.min.js \
	   $(WEB)/node_modules/@zazuko/yasgui/build/yasgui.min.css \
	   $(WEB)/node_modules/axe-core/axe.min.js $(VENDOR)/
	touch $(NPM_STAMP)

setup: $(STAMP) $(NPM_STAMP)

serve: $(STAMP) $(NPM_STAMP)
	$(BIN)/csc-graph serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks tools
	$(BIN)/ruff format --check src tests benchmarks tools
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

browser:
	@test -x $(CHROMIUM) || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "Chromium not installed (needs root): the browser tests will be skipped."

pytest: $(STAMP) $(NPM_STAMP) browser
	$(BIN)/pytest

test: lint typecheck pytest

# Benchmarks compare csc-graph with rdflib-endpoint (the bench extra) and `oxigraph serve`.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m benchmarks

# Each page at 1280 and 390 px, written to screenshots/ (git-ignored) for a reviewer.
screenshots: $(STAMP) $(NPM_STAMP) browser
	$(BIN)/python tools/screenshots.py --out screenshots

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(WEB)/node_modules $(VENDOR)
