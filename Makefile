# Two commands for a newcomer: `make run` and `make test`. Everything installs into .venv.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
FLASK := $(BIN)/flask --app wsgi
UV_VERSION := 0.13.10
export PORT ?= 5000

.PHONY: install run test lint security format migrate demo clean catalogs translations browser prod bench

# uv installs the same pinned requirements as pip in a fraction of the time, the bytecode
# compiled (bench/README.md, "The install and the browser tests"); pip does it where uv
# cannot be had.
$(STAMP): requirements.txt
	@$(PY) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -d $(VENV) || $(PY) -m venv $(VENV)
	if $(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); then \
	  $(BIN)/uv pip install --quiet --python $(BIN)/python --compile-bytecode -r requirements.txt; \
	else $(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt; fi
	rm -f $(VENV)/.installed-*; touch $@

install: $(STAMP) node_modules/.package-lock.json catalogs

# Front-end packages (Leaflet) from the npm registry, served by the app from node_modules.
node_modules/.package-lock.json: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "npm not found: the report form works, but without its map"; fi

# Translations: compiled at install time (.mo files are not committed).
CATALOGS := $(patsubst %.po,%.mo,$(wildcard meldecentral/translations/*/LC_MESSAGES/*.po))
catalogs: $(CATALOGS)
%.mo: %.po $(STAMP)
	$(BIN)/pybabel -q compile -i $< -o $@

# After changing texts: extract them and update the catalogues, then translate the new ones.
translations: install
	$(BIN)/pybabel -q extract -F babel.cfg -k _l -k Reason --no-location --sort-output -o messages.pot .
	$(BIN)/pybabel -q update -i messages.pot -d meldecentral/translations --no-fuzzy-matching

# Debian's Chromium for the browser tests (tests/e2e), and its headless shell, which runs
# most of them at under half the CPU; never a browser build downloaded by Playwright. Without
# them (not root, no apt), those tests are skipped and say why. Noto's fonts draw the
# resident languages' scripts (Arabic, Farsi, Urdu) in the screenshots.
BROWSER_PACKAGES := chromium chromium-headless-shell fonts-noto-core
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromium-headless-shell ] \
	  || [ ! -d /usr/share/fonts/truetype/noto ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && apt-get install -y -qq $(BROWSER_PACKAGES) >/dev/null \
	      || echo "chromium could not be installed: the browser tests will be skipped"; \
	  else echo "chromium is missing and we are not root: the browser tests will be skipped"; fi; \
	fi

migrate: install
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo load --once

# Web, Celery worker (urgent and normal queues) and beat, on the embedded default (SQLite
# files under instance/: the database, and kombu's SQLAlchemy broker beside it); set
# DATABASE_URL/REDIS_URL to change. `flask stack` restarts a process that ends (honcho would
# stop them all) and prints the address and the demo accounts once the web answers.
run: demo
	$(FLASK) stack Procfile.dev

# ruff, and the import contracts of pyproject.toml (docs/architecture.md): a wrong arrow fails.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Static security checks; a finding of medium severity or more (bandit), or any known
# vulnerability in an installed package (pip-audit, which needs PyPI's JSON API), fails.
security: install
	$(BIN)/bandit -q -r meldecentral workers notifications config -ll
	$(BIN)/pip-audit --progress-spinner off --timeout 15 -f json -o $(VENV)/pip-audit.json
	@$(BIN)/python -c 'import json; d = json.load(open("$(VENV)/pip-audit.json"))["dependencies"]; \
	  s = [x for x in d if "skip_reason" in x]; \
	  print(f"pip-audit: {len(d) - len(s)} packages audited, none vulnerable; {len(s)} could not be looked up")'

# The browser tests' Chromium is installed here, never by `make run`. The suite runs on every
# core and one more, each test file on one worker (its module fixtures, a worker stack or a
# browser, once): many tests wait on a worker, a browser or a retry, and the extra worker fills
# those waits (bench/README.md has the timings).
# The security checks run beside the tests (pip-audit mostly waits on PyPI); their report is
# printed after pytest's, and either failing fails the target. Bytecode is cached even where
# the environment says not to: each test worker would compile every module (and pytest
# rewrite its plugins) again, 7-10 s of CPU per process (bench/README.md).
TEST_WORKERS ?= $(shell echo $$(( $$(nproc) + 1 )))
test: lint browser
	@$(MAKE) --no-print-directory security >$(VENV)/security.log 2>&1 & sec=$$!; \
	env -u PYTHONDONTWRITEBYTECODE $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS); tests=$$?; \
	wait $$sec; audit=$$?; cat $(VENV)/security.log; \
	if [ $$audit -ne 0 ]; then echo "make security failed (above)"; fi; \
	[ $$tests -eq 0 ] && [ $$audit -eq 0 ]

# The production stack (web, a worker per queue, beat; Procfile) against DATABASE_URL and
# REDIS_URL, after migrating. Prometheus' multiprocess folder is emptied at each start.
METRICS_DIR ?= $(CURDIR)/instance/metrics
prod: $(STAMP) node_modules/.package-lock.json catalogs
	@test -n "$$DATABASE_URL" -a -n "$$REDIS_URL" -a -n "$$SECRET_KEY" \
	  || { echo "make prod needs DATABASE_URL, REDIS_URL and SECRET_KEY (docs/operations.md)"; exit 1; }
	MELDECENTRAL_ENV=production $(FLASK) db upgrade
	rm -rf $(METRICS_DIR) && mkdir -p $(METRICS_DIR)
	MELDECENTRAL_ENV=production PROMETHEUS_MULTIPROC_DIR=$(METRICS_DIR) $(BIN)/honcho start -f Procfile

# The benchmark (bench/README.md): the production stack on this machine, driven by wrk, one
# table. BENCH_ARGS=--quick for a shorter run. Needs PostgreSQL and Redis on 127.0.0.1.
bench: $(STAMP) node_modules/.package-lock.json catalogs
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	bash bench/services.sh
	$(BIN)/python -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
