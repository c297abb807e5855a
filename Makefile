# The two commands a new user needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2

.PHONY: install run serve test test-sqlite test-postgres bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

# Demo instance on the embedded SQLite database (instance/pca.sqlite3), unless PCA_DATABASE_URL says otherwise.
# The seed before serving is the quick part (data, risk scores, the walkthrough's case); the
# DEMO_CASES cases then live in the background (`pca demo grow`, niced, a case per transaction)
# while gunicorn serves. Ctrl-C stops both; the next `make run` continues where grow stopped.
DEMO_CASES ?= 300
run: export PCA_DEMO ?= 1
run: install
	$(BIN)/pca db upgrade
	$(BIN)/pca demo seed --if-empty --defer-lifecycle --cases $(DEMO_CASES)
	$(BIN)/pca demo logins
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	@nice -n 10 $(BIN)/pca demo grow & grow=$$!; \
	trap 'kill $$grow 2>/dev/null; wait $$grow 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) 'audit_app.wsgi:app'

test: install
	@bash scripts/ensure-test-tools
	$(BIN)/pytest -q
	@if [ -n "$$PCA_TEST_POSTGRES_URL" ]; then \
		echo "== the same suite on PostgreSQL ($$PCA_TEST_POSTGRES_URL)"; \
		PCA_TEST_DATABASE_URL="$$PCA_TEST_POSTGRES_URL" $(BIN)/pytest -q; \
	else echo "PCA_TEST_POSTGRES_URL is not set: the PostgreSQL run was skipped"; fi

bench: install
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
