# Two commands for a newcomer: `make run` and `make test`. Everything installs into .venv.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
FLASK := $(BIN)/flask --app wsgi
export PORT ?= 5000

.PHONY: install run test lint format migrate demo clean

$(STAMP): requirements.txt
	@$(PY) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP)

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo load --once

# Web, Celery worker (urgent and normal queues) and beat, on the embedded default
# (SQLite file and a filesystem broker under instance/); set DATABASE_URL/REDIS_URL to change.
run: demo
	$(BIN)/honcho start -f Procfile.dev

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: lint
	$(BIN)/pytest

clean:
	rm -rf $(VENV) instance .pytest_cache
