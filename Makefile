# ccdash — two commands on a fresh machine with Python 3.11 and make:
#   make run    set up and start the app on the embedded default (SQLite + the sample month)
#   make test   set up and run the whole test suite
PYTHON ?= python3.11
VENV   ?= .venv
PY      = $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test setup setup-dev browser sample bench clean

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

# Debian's Chromium for the browser test (tests/test_wall_browser.py drives it with Playwright through its
# executable_path: Playwright never downloads a browser of its own). Installed with apt-get when missing, as
# root or through sudo; where neither works the browser test is skipped and says why.
CHROMIUM ?= /usr/bin/chromium
browser:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
		echo "no apt-get: install Chromium at $(CHROMIUM) by hand, or the browser test is skipped"; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; \
	elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	elif command -v sudo >/dev/null 2>&1 && [ -t 0 ]; then SUDO="sudo"; \
	else echo "not root and no sudo: cannot install chromium (apt-get install -y chromium); the browser test is skipped"; exit 0; fi; \
	echo "installing Debian's chromium for the browser test"; \
	{ $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; } \
		|| echo "could not install chromium; the browser test is skipped"

test: setup-dev browser
	$(PY) -m pytest -q

sample: setup-dev
	$(PY) sample_data/generate.py

bench: setup-dev
	$(PY) bench/import_bench.py
	$(PY) bench/query_bench.py
	$(PY) bench/dashboard_bench.py
	$(PY) bench/png_bench.py
	$(PY) bench/custom_bench.py

clean:
	rm -rf $(VENV) data .pytest_cache
