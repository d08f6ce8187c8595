# ccdash — two commands on a fresh machine with Python 3.11 and make:
#   make run    set up and start the app on the embedded default (SQLite + the sample month)
#   make test   set up and run the whole test suite (SQLite; `make test-postgres`: again on a throwaway PostgreSQL)
PYTHON ?= python3.11
VENV   ?= .venv
PY      = $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test test-postgres setup setup-dev system-deps browser sample bench clean

$(VENV)/bin/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11 / Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

setup: $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements.txt

setup-dev: $(VENV)/bin/activate
	$(PY) -m pip install --quiet -r requirements-dev.txt

run: setup
	$(PY) -m ccdash init --sample
	$(PY) -m streamlit run app.py --server.port $(PORT) --server.headless true --browser.gatherUsageStats false

# System programs two tests drive: Debian's Chromium for the wall-screen browser test (Playwright uses it
# through its executable_path and never downloads a browser of its own) and LibreOffice Calc, which must
# open the report workbooks. Installed with apt-get when missing, as root or through sudo; where neither
# works the tests that need them are skipped and say why (CI sets CCDASH_REQUIRE_BROWSER=1 and
# CCDASH_REQUIRE_LIBREOFFICE=1 so there they fail instead).
CHROMIUM ?= /usr/bin/chromium
system-deps:
	@missing=""; [ -x "$(CHROMIUM)" ] || missing="$$missing chromium"; \
	command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1 || missing="$$missing libreoffice-calc-nogui"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "no apt-get: install$$missing by hand, or the tests that need them are skipped"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then SUDO="sudo"; \
	else echo "not root and no sudo: cannot install$$missing; the tests that need them are skipped"; exit 0; fi; \
	echo "installing$$missing for the browser and report tests"; \
	$$SUDO apt-get update -qq || true; \
	for pkg in $$missing; do \
		flags=""; [ "$$pkg" = chromium ] || flags="--no-install-recommends"; \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$flags $$pkg \
			|| echo "could not install $$pkg; the tests that need it are skipped"; \
	done

browser: system-deps

test: setup-dev system-deps
	$(PY) -m pytest -q

# The same suite on PostgreSQL: .ci/with-postgres installs Debian's postgresql when it is missing (apt-get as
# root or through sudo -n), starts a throwaway cluster on 127.0.0.1 and a free port, runs the tests with
# CCDASH_DB_URL pointing at it (each test gets a fresh database, see tests/stores.py) and removes it after.
test-postgres: setup-dev system-deps
	PYTHON=$(PY) .ci/with-postgres $(PY) -m pytest -q

sample: setup-dev
	$(PY) sample_data/generate.py

bench: setup-dev
	$(PY) bench/import_bench.py
	$(PY) bench/import_floor.py
	$(PY) bench/query_bench.py
	$(PY) bench/dashboard_bench.py
	$(PY) bench/png_bench.py
	$(PY) bench/custom_bench.py
	$(PY) bench/qa_bench.py
	$(PY) bench/corpus_bench.py

clean:
	rm -rf $(VENV) data .pytest_cache
