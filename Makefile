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

# `make run HOST=0.0.0.0 PORT=8080`: links, QR codes and the login line follow the address
# served, unless CONFMGR_BASE_URL says otherwise.
HOST ?= 127.0.0.1
PORT ?= 8000
RUN_BASE_URL = $${CONFMGR_BASE_URL:-$$($(BIN)/python -c "from confmgr.web.addresses import serve_base_url; print(serve_base_url('$(HOST)', $(PORT)))")}

run: install
	$(BIN)/confmgr db upgrade
	CONFMGR_BASE_URL="$(RUN_BASE_URL)" $(BIN)/confmgr demo
	@echo ""
	@echo "confmgr: $(RUN_BASE_URL)  (Ctrl+C để dừng / to stop)"
	$(BIN)/confmgr serve --host $(HOST) --port $(PORT)

# The whole suite on SQLite; then on PostgreSQL when CONFMGR_TEST_DATABASE_URL is set
# (browser tests and the heavy backend-independent ones, marker 'once', in the SQLite pass).
# Browser tests skip with a reason where Chromium is not installed. TEST_WORKERS processes
# share the tests, a test file each at a time (pytest-xdist); TEST_WORKERS=0 runs in one.
TEST_WORKERS ?= 2
PYTEST = $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile
test: install
	$(PYTEST)
	@if [ -n "$$CONFMGR_TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL: $$CONFMGR_TEST_DATABASE_URL"; \
		CONFMGR_TEST_BACKEND=postgres $(PYTEST) -m "not browser and not once"; \
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
