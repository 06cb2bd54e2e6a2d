# The README's commands. Everything runs from .venv/, created on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP_PY := $(VENV)/.installed
STAMP_JS := static/vendor/.copied

.PHONY: run test deps lint format faults clean

# Web, worker and beat together (the Procfile, through scripts/run_procfile.py). Embedded default: SQLite and a
# filesystem broker under var/; set DATABASE_URL / CELERY_BROKER_URL (environment or .env) to use real servers.
run: deps
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	PATH="$(CURDIR)/$(BIN):$$PATH" DJANGO_SETTINGS_MODULE=$${DJANGO_SETTINGS_MODULE:-config.settings.dev} \
		$(BIN)/python scripts/run_procfile.py Procfile

# The whole suite. Uses DATABASE_URL and CELERY_BROKER_URL when set, else SQLite and the
# filesystem broker; pytest's header says which.
test: deps
	$(BIN)/pytest $(PYTEST_ARGS)

# The fault check of the email pipeline (scripts/faults.py): its own redis-server, workers and
# SMTP server, and a database of its own on the local PostgreSQL (FAULTS_DATABASE_URL).
faults: deps
	$(BIN)/python scripts/faults.py

lint: deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/bandit -c pyproject.toml -r . --severity-level medium -q
	$(BIN)/mypy
	$(BIN)/python manage.py makemigrations --check --dry-run

format: deps
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

deps: $(STAMP_PY) $(STAMP_JS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP_PY): $(BIN)/python requirements.txt requirements-dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

$(STAMP_JS): package.json package-lock.json scripts/copy-vendor.mjs
	npm ci --no-audit --no-fund --loglevel=error
	npm run --silent vendor
	touch $@

clean:
	rm -rf $(VENV) node_modules static/vendor
