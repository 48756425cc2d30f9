# Two commands: `make run` and `make test`. Both create .venv and install on first use.
# `make test-fast` runs the unit tier alone (tests/unit: no model, browser or server).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint format bench system clean

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --no-compile -r requirements.txt > $(VENV)/pip.log 2>&1 || \
		{ grep -v "is ignored: it is neither" $(VENV)/pip.log; exit 1; }
	$(PY) -c "import torch, open_clip, gradio, chromadb, PIL, scipy, sklearn, pillow_heif, av"
	touch $(STAMP)

run: $(STAMP)
	$(PY) launch.py

# The system packages the tests need: Debian's Chromium for the UI tier and two font families
# for the OCR tests; whichever is missing, in one apt-get run, when we are root.
system:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	[ -f /usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf ] || \
		missing="$$missing fonts-liberation"; \
	[ -z "$$missing" ] || { \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				$$missing >/dev/null; \
		else echo "missing:$$missing (sudo apt-get install$$missing)" >&2; exit 1; fi; }

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy indexing evaluator app

format: $(STAMP)
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

# Two workers, one test file each at a time (module fixtures stay in one process): the
# suite waits on browsers and subprocesses much of the time, so this cuts it by a third.
TEST_WORKERS ?= 2

# Every tier: tests/unit, tests/integration (CLI runs, the tiny CLIP, ChromaDB), tests/ui.
# On a fresh machine pip and apt-get run at once (the network and the disk, not the CPU).
# pip compiles no bytecode: Python compiles what the tests import, a third of the files.
test:
	$(MAKE) --no-print-directory -j2 $(STAMP) system
	$(PY) -m ruff check .
	$(PY) -m mypy indexing evaluator app
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile

# The unit tier in one process, well under a minute: the check to run after each change.
test-fast: $(STAMP)
	$(PY) -m pytest tests/unit -n 0 -q

bench: $(STAMP)
	$(PY) bench/scan_bench.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
