# egressguard — the two commands: `make run` (the proxy, policy rules/) and `make test`.
PYTHON_VERSION := $(shell cat .python-version)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck unit venv bench lock clean

run: $(STAMP)
	$(VENV)/bin/egressguard run --policy rules/

test: $(STAMP) lint typecheck
	$(PY) -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(VENV)/bin/ruff check egressguard tests bench

typecheck: $(STAMP)
	$(VENV)/bin/mypy

venv: $(STAMP)

$(STAMP): pyproject.toml
	@command -v python >/dev/null || { echo "python not found: install Python $(PYTHON_VERSION) (pyenv install $(PYTHON_VERSION))"; exit 1; }
	@python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
	  echo "egressguard needs Python >= 3.12 (mitmproxy 12); 'python' is $$(python --version 2>&1)."; \
	  echo "Install $(PYTHON_VERSION) with pyenv, or run: make PYTHON=/path/to/python3.12"; exit 1; }
	test -x $(PY) || python -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

bench: $(STAMP)
	$(PY) bench/run_all.py

# uv.lock pins everything; requirements.lock (hash-pinned, runtime only) feeds the Dockerfile.
lock: $(STAMP)
	UV_PYTHON_DOWNLOADS=never UV_PYTHON=$(PY) $(VENV)/bin/uv lock
	UV_PYTHON_DOWNLOADS=never UV_PYTHON=$(PY) $(VENV)/bin/uv export --format requirements-txt --no-dev --no-emit-project --locked -o requirements.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
