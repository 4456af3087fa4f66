# `make run` and `make test` bootstrap .venv themselves on a machine with Python 3.11+.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 5000
FLASK  := $(BIN)/flask --app wsgi
# The suite also runs on PostgreSQL when this database answers (set it empty to skip).
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: run test test-sqlite test-postgres lint bench clean messages catalogs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed catalogs
	$(FLASK) db upgrade
	$(FLASK) demo seed --if-empty
	@echo "Opportuno on http://$(HOST):$(PORT)  (demo login: admin@example.com / opportuno-demo)"
	@# The background-job worker (imports) runs beside the server and stops with it.
	$(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --no-control-socket --workers 2 --threads 4 --bind $(HOST):$(PORT) wsgi:app

# With PostgreSQL reachable the two suites run side by side (one per core), each into its own
# log, printed when both have finished; `make test` fails if either does.
test: $(VENV)/.installed catalogs
	$(BIN)/ruff check .
	@if [ -n "$(TEST_DATABASE_URL)" ] && $(BIN)/python -c "import psycopg,sys; psycopg.connect('$(TEST_DATABASE_URL)'.replace('+psycopg',''), connect_timeout=3).close()" 2>/dev/null; then \
		echo "== test suites on SQLite and PostgreSQL, side by side (logs in $(VENV)/test-*.log) =="; \
		$(MAKE) --no-print-directory test-sqlite > $(VENV)/test-sqlite.log 2>&1 & sqlite=$$!; \
		$(MAKE) --no-print-directory test-postgres > $(VENV)/test-postgres.log 2>&1 & postgres=$$!; \
		wait $$sqlite; sqlite_rc=$$?; wait $$postgres; postgres_rc=$$?; \
		cat $(VENV)/test-sqlite.log $(VENV)/test-postgres.log; \
		echo "SQLite suite exit $$sqlite_rc, PostgreSQL suite exit $$postgres_rc"; \
		[ $$sqlite_rc -eq 0 ] && [ $$postgres_rc -eq 0 ]; \
	else \
		$(MAKE) --no-print-directory test-sqlite; \
		echo "PostgreSQL at TEST_DATABASE_URL is not reachable: suite ran on SQLite only."; \
	fi

test-sqlite: $(VENV)/.installed
	@echo "== test suite on SQLite =="
	env -u TEST_DATABASE_URL $(BIN)/pytest -q --durations=15

test-postgres: $(VENV)/.installed
	@echo "== test suite on PostgreSQL ($(TEST_DATABASE_URL)) =="
	TEST_DATABASE_URL='$(TEST_DATABASE_URL)' $(BIN)/pytest -q --durations=15

bench: $(VENV)/.installed
	$(BIN)/python -m bench.board
	$(BIN)/python -m bench.import

# Translations: `make messages` extracts the strings to translate (core, then each bundled
# plugin) and updates the Italian and Persian catalogues; `catalogs` compiles stale ones.
LANGS := it fa
EXTRACT = $(abspath $(BIN))/pybabel extract -F $(abspath babel.cfg) -k _l --no-location --sort-output --project=Opportuno

messages: $(VENV)/.installed
	@mkdir -p webapp/translations
	$(EXTRACT) --ignore-dirs='.* _* plugins tests bench migrations instance build dist' \
		-o webapp/translations/messages.pot .
	@set -e; for dir in plugins/*/; do \
		[ -f $$dir/__init__.py ] || continue; mkdir -p $$dir/translations; \
		(cd $$dir && $(EXTRACT) --ignore-dirs='.* _* migrations' -o translations/messages.pot .); \
	done
	@set -e; for pot in webapp/translations/messages.pot plugins/*/translations/messages.pot; do \
		dir=$$(dirname $$pot); for lang in $(LANGS); do \
			if [ -f $$dir/$$lang/LC_MESSAGES/messages.po ]; then \
				$(BIN)/pybabel update -i $$pot -d $$dir -l $$lang --no-fuzzy-matching; \
			else $(BIN)/pybabel init -i $$pot -d $$dir -l $$lang; fi; \
		done; \
	done

catalogs: $(VENV)/.installed
	@$(BIN)/python -m webapp.i18n

clean:
	rm -rf $(VENV) .pytest_cache
