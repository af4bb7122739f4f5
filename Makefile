# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export CONFMGR_DATA_DIR ?= $(CURDIR)/var

.PHONY: run test test-sqlite test-postgres test-browser install demo bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/confmgr demo

run: install
	$(BIN)/confmgr db upgrade
	$(BIN)/confmgr demo
	@echo ""
	@echo "confmgr: http://127.0.0.1:8000  (Ctrl+C để dừng / to stop)"
	$(BIN)/confmgr serve --host 127.0.0.1 --port 8000

# The whole suite on SQLite; then on PostgreSQL when CONFMGR_TEST_DATABASE_URL is set.
# Browser tests run in both when Chromium is installed (they skip with a reason otherwise).
test: install
	$(BIN)/python -m pytest -q
	@if [ -n "$$CONFMGR_TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$CONFMGR_TEST_DATABASE_URL"; \
		CONFMGR_TEST_BACKEND=postgres $(BIN)/python -m pytest -q -m "not browser"; \
	fi

# Every benchmark, on SQLite and again on PostgreSQL + Redis with two workers;
# results in docs/performance.md.
BENCH_DATABASE_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
bench: install
	$(BIN)/python -m pip install --quiet -e '.[bench]'
	$(BIN)/python -m bench --production-database-url $(BENCH_DATABASE_URL) --production-redis-url $(BENCH_REDIS_URL)

clean:
	rm -rf $(VENV) var .pytest_cache
