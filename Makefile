# Lexflow: `make run` serves the demo, `make test` runs every test. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: install system-deps run test test-sqlite test-postgres lint format bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) system-deps

# Official notices are Chinese PDFs: WeasyPrint needs Pango (on Debian already) and a CJK font.
system-deps:
	@fc-list :lang=zh 2>/dev/null | grep -q . || { \
	  echo "installing fonts-noto-cjk (Chinese font for PDF notices)"; \
	  apt-get install -y -qq fonts-noto-cjk >/dev/null 2>&1 || \
	  { apt-get update -qq >/dev/null && apt-get install -y -qq fonts-noto-cjk >/dev/null; } || \
	  echo "warning: could not install fonts-noto-cjk; PDF notices will lack Chinese glyphs"; }

run: install
	$(BIN)/python manage.py lexflow_serve

test: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
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
	rm -rf $(VENV) var .pytest_cache .ruff_cache
