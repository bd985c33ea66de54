# Kaiku Training. `make run` and `make test` set everything up on a fresh machine: `make run` needs
# only Python; `make test` also needs Chromium, Java and npm (system-packages installs them as root).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
export FLASK_APP := wsgi.py

.PHONY: run test lint format typecheck bench setup install translations db demo wheel system-packages extract-messages update-messages clean

run: setup demo
	KAIKU_PORT=$(PORT) $(BIN)/flask run --host 127.0.0.1 --port $(PORT)

test: system-packages setup node_modules lint typecheck
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: install
	$(BIN)/mypy

bench: setup
	$(BIN)/pytest tests/benchmarks -s -q $(PYTEST_ARGS)

setup: install translations db

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

install: $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'

translations: install
	$(BIN)/pybabel -q compile -d app/translations

db: install translations
	$(BIN)/flask db upgrade

demo: db
	$(BIN)/flask courses sync
	$(BIN)/flask demo load

# dist/kaiku_training-*.whl, with compiled translations and migrations (setup.py compiles the .mo).
wheel: install
	$(BIN)/python -m build --outdir dist .

# Debian packages: as root, installs what the tests need; otherwise stops at once with the command to run.
system-packages:
	.ci/system-packages

node_modules: package.json package-lock.json | system-packages
	npm ci --no-audit --no-fund --loglevel=error
	touch node_modules

extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o app/translations/messages.pot --no-location --sort-output .

update-messages: extract-messages
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) node_modules instance dist
