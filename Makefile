# Lexflow: `make run` serves the demo, `make test` runs every test. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install system-deps browser-deps frontend frontend-test run test test-sqlite test-postgres lint format bench clean

# The web app (frontend/): npm ci when the lock file changes, a build when any source changes.
NODE_STAMP := frontend/node_modules/.installed-$(shell cat frontend/package-lock.json | cksum | cut -d' ' -f1)
FRONTEND_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/package.json $(wildcard frontend/tsconfig*.json)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) system-deps

# Official notices are Chinese PDFs. WeasyPrint needs Pango (on Debian already), a CJK font and
# HarfBuzz's subsetter: without libharfbuzz-subset0 it subsets the Noto CJK fonts in Python and
# a notice takes 7-14 s instead of 0.3 s. `manage.py check` warns when either is missing.
SYSTEM_PACKAGES := fonts-noto-cjk libharfbuzz-subset0
system-deps:
	@missing=$$(for pkg in $(SYSTEM_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$pkg 2>/dev/null | grep -q 'ok installed' || echo $$pkg; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing $$missing (fonts and font subsetting for the PDF notices)"; \
	  apt-get install -y -qq $$missing >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null && apt-get install -y -qq $$missing >/dev/null; } || \
	  echo "warning: could not install $$missing; PDF notices will be slow or lack Chinese glyphs"; \
	fi

$(NODE_STAMP): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	rm -f frontend/node_modules/.installed-*
	touch $@

# whitenoise.compress writes pre-compressed copies, sent to browsers that accept gzip/brotli.
frontend/dist/index.html: $(NODE_STAMP) $(FRONTEND_SOURCES) | $(STAMP)
	cd frontend && npm run --silent build
	$(BIN)/python -m whitenoise.compress -q frontend/dist
	touch $@

frontend: frontend/dist/index.html

frontend-test: $(NODE_STAMP)
	cd frontend && npx tsc -b && npm run --silent lint && npm test -- --reporter=dot

# Browser tests drive Debian's chromium, never a downloaded browser.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium (browser tests)"; \
	  apt-get install -y -qq chromium >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null && apt-get install -y -qq chromium >/dev/null; }; }

run: install frontend
	$(BIN)/python manage.py lexflow_serve

test: install frontend browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(MAKE) --no-print-directory frontend-test
	$(BIN)/python -m pytest -n 2 -q

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache test-results frontend/node_modules frontend/dist
