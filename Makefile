# ccdash — two commands on a fresh machine with Python 3.11 and make:
#   make run    set up and start the app on the embedded default (SQLite + the sample month)
#   make test   set up and run the whole test suite
PYTHON ?= python3.11
VENV   ?= .venv
PY      = $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test setup setup-dev sample bench clean

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

test: setup-dev
	$(PY) -m pytest -q

sample: setup-dev
	$(PY) sample_data/generate.py

bench: setup-dev
	$(PY) bench/import_bench.py
	$(PY) bench/query_bench.py

clean:
	rm -rf $(VENV) data .pytest_cache
