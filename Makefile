# Two commands for a newcomer:  make run  (the demo on 127.0.0.1:8000)  and  make test.
PYTHON ?= $(shell command -v python3.13 || command -v python3.12 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test format lock typecheck-baseline clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 12) and "Ownermap needs Python 3.12 or newer")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml requirements.lock | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' -c requirements.lock
	touch $(STAMP)

# The embedded default: SQLite file, no Redis, DEBUG on for this command only. The demo store
# keeps England's public holidays unless the environment names another country.
run: export DJANGO_DEBUG = true
run: export OWNERMAP_HOLIDAY_COUNTRY ?= GB
run: export OWNERMAP_HOLIDAY_SUBDIVISION ?= ENG
run: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "  Ownermap is starting: open http://$(HOST):$(PORT)/ and sign in with a login above."
	@echo "  Review sessions and reminders are made by the Celery worker started beside it."
	@echo
	@mkdir -p var
	# The scheduled jobs: one Celery worker with its embedded beat (exactly one beat), on a
	# folder queue instead of Redis; it stops with the web server.
	$(BIN)/celery -A config worker -B --pool=solo --loglevel=INFO \
	    --schedule var/celerybeat-schedule & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver $(HOST):$(PORT)

# Test-only tools from the npm registry (axe-core), pinned by tests/browser/package-lock.json.
BROWSER_TOOLS := tests/browser/node_modules/.package-lock.json
$(BROWSER_TOOLS): tests/browser/package.json tests/browser/package-lock.json
	npm ci --prefix tests/browser --no-audit --no-fund --silent

test: $(STAMP) $(BROWSER_TOOLS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	# The type checker: any finding not in mypy-baseline.txt fails (make typecheck-baseline
	# rewrites the file after fixing some; it may only shrink).
	$(BIN)/mypy | $(BIN)/mypy-baseline filter --no-colors
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py makemigrations --check --dry-run
	# One worker per core: on these 2-core machines the suite takes two thirds of the time.
	# Bytecode kept even where the environment says not to (PYTHONDONTWRITEBYTECODE): each
	# worker then collects the tests in 5 s instead of 9, reusing the assertion-rewritten
	# modules the other wrote.
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest -n auto $(PYTEST_ARGS)

# Re-pin every Python package to the newest versions pyproject.toml allows, after changing it.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet --upgrade -e '.[dev]'
	{ sed -n '1,3p' requirements.lock; $(BIN)/python -m pip freeze --exclude-editable; } \
	  > requirements.lock.new
	mv requirements.lock.new requirements.lock

typecheck-baseline: $(STAMP)
	$(BIN)/mypy | $(BIN)/mypy-baseline sync

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles
