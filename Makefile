# lowrank-anim: every target does its own set-up, so `make render` and `make test` work on a
# fresh Debian/Ubuntu machine (as root, or a user with sudo for the system packages).

PYTHON   ?= python3
VENV     ?= .venv
PY       := $(VENV)/bin/python
STAMP    := $(VENV)/.installed-$(shell cat requirements-dev.lock pyproject.toml | cksum | cut -d' ' -f1)
QUALITY  ?= low
FORMAT   ?= mp4
SCENES   ?= --all
OUTPUT   ?= media
PYTEST_ARGS ?=

.PHONY: help setup system-deps system-deps-test venv render lint typecheck test test-fast lock clean \
	update-controls readme

help:  ## List the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 20

system-deps:  ## Install missing Debian packages needed to render
	bash scripts/system-deps.sh render

system-deps-test:  ## Install missing Debian packages needed to render and test
	bash scripts/system-deps.sh test

$(STAMP): requirements-dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=24"
	$(PY) -m pip install --quiet -r requirements-dev.lock
	$(PY) -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $@

venv: $(STAMP)  ## Create .venv from the lock (only when the lock changed)

setup: system-deps venv  ## Everything needed to render

render: setup  ## Render the scenes into media/ (QUALITY=low FORMAT=mp4 SCENES=--all)
	$(PY) render.py render $(SCENES) -q $(QUALITY) --format $(FORMAT) --output-dir $(OUTPUT)

lint: venv  ## ruff lint and format check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: venv  ## mypy (strict for the library and the CLI)
	$(PY) -m mypy

test: system-deps-test venv lint typecheck  ## Everything needed to test, then lint, types and the whole suite
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: venv  ## The suite without renders, Docker or the browser
	$(PY) -m pytest -m "not render and not docker and not browser" $(PYTEST_ARGS)

update-controls: venv  ## Re-render the last-frame control PNGs in tests/control_data/ (check them, then commit)
	UPDATE_CONTROLS=1 $(PY) -m pytest tests/test_visual.py -q

readme: venv  ## Rewrite README's scene table from the registry
	$(PY) -m lowrank_anim.readme README.md

lock:  ## Re-pin requirements*.lock from pyproject.toml
	$(PY) -m pip install --quiet pip-tools
	$(PY) -m piptools compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(PY) -m piptools compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links --extra dev -o requirements-dev.lock pyproject.toml

clean:  ## Remove the virtual environment and rendered media
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
	find $(OUTPUT) -mindepth 1 ! -name .gitkeep -delete 2>/dev/null || true
