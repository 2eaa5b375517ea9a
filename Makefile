# The two commands a newcomer needs: `make serve` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup serve test lint typecheck pytest browser virtuoso fuzz bench screenshots clean

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

# The remote-store tests also run over Virtuoso Open Source from Debian's packages; the test
# fixture starts its own server on 127.0.0.1 with a fresh database. Installing needs root;
# policy-rc.d keeps the package from starting a system-wide server of its own.
virtuoso:
	@command -v virtuoso-t >/dev/null || { [ "$$(id -u)" = 0 ] && \
		{ test -e /usr/sbin/policy-rc.d || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && \
		  chmod +x /usr/sbin/policy-rc.d && touch /tmp/csc-graph-policy-rc; }; } && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive timeout 900 \
		apt-get install -y -qq virtuoso-opensource >/dev/null; \
		status=$$?; test ! -e /tmp/csc-graph-policy-rc || rm -f /usr/sbin/policy-rc.d /tmp/csc-graph-policy-rc; \
		exit $$status; } || \
		echo "Virtuoso not installed (needs root and apt): the Virtuoso tests will be skipped."

pytest: $(STAMP) $(NPM_STAMP) browser virtuoso
	$(BIN)/pytest

test: lint typecheck pytest

# A longer Schemathesis run than the one in the tests (tests/api/test_openapi_fuzz.py): every
# check, 100 examples per operation, against `csc-graph serve` on a free 127.0.0.1 port.
FUZZ_PORT ?= 8765
fuzz: $(STAMP)
	@$(BIN)/csc-graph serve --host 127.0.0.1 --port $(FUZZ_PORT) & server=$$!; \
	trap 'kill $$server' EXIT; \
	for i in $$(seq 1 120); do curl -sf http://127.0.0.1:$(FUZZ_PORT)/health >/dev/null && break; sleep 1; done; \
	curl -sf 'http://127.0.0.1:$(FUZZ_PORT)/validation?inference=true' >/dev/null; \
	$(BIN)/schemathesis run http://127.0.0.1:$(FUZZ_PORT)/openapi.json --checks all \
		--max-examples 100 --max-time 1800 --workers 2 --report json

# Benchmarks compare csc-graph with rdflib-endpoint (the bench extra) and `oxigraph serve`.
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python -m benchmarks

# Each page at 1280 and 390 px, written to screenshots/ (git-ignored) for a reviewer.
screenshots: $(STAMP) $(NPM_STAMP) browser
	$(BIN)/python tools/screenshots.py --out screenshots

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache $(WEB)/node_modules $(VENDOR)
