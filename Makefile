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
BENCH_ARGS ?=
BENCH_ALL ?=
# When this make started: make check prints how long it took, set-up and lint included.
MAKE_START := $(shell date +%s)

.PHONY: help setup system-deps system-deps-test venv node-deps render lint typecheck test test-fast check lock clean \
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

# axe-core, which the browser tests inject into the explorable figure's page (package-lock.json).
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

node-deps: node_modules/.package-lock.json  ## Install the browser tests' npm packages from package-lock.json

setup: system-deps venv  ## Everything needed to render

render: setup  ## Render the scenes into media/ (QUALITY=low FORMAT=mp4 SCENES=--all)
	$(PY) render.py render $(SCENES) -q $(QUALITY) --format $(FORMAT) --output-dir $(OUTPUT)

lint: venv  ## ruff lint and format check
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: venv  ## mypy (strict for the library and the CLI)
	$(PY) -m mypy

test: system-deps-test venv node-deps lint typecheck  ## Everything needed to test, then lint, types and the whole suite (Docker: amd64, arm64 under QEMU, the release)
	$(PY) -m pytest $(PYTEST_ARGS)

test-fast: venv  ## Only the tests that render nothing (no LaTeX, Docker or browser): a minute or two
	LOWRANK_TEST_FAST=1 $(PY) -m pytest -m "not render and not latex and not docker and not browser and not arm64 and not sites" $(PYTEST_ARGS)

# A test file per worker (loadfile): a module's shared renders (the matrix's batches, an
# exported clip) are built once, by the worker that runs the file.
CHECK_WORKERS ?= auto

check: system-deps-test venv node-deps lint typecheck  ## The loop for every change: ruff, mypy and every test but Docker, QEMU, site builds and the slow ones (the matrix included), on every core; prints its time
	@LOWRANK_TEST_NO_SITES=1 $(PY) -m pytest -n $(CHECK_WORKERS) --dist loadfile -m "not docker and not arm64 and not sites and not slow" $(PYTEST_ARGS); \
	status=$$?; echo "make check: $$(( $$(date +%s) - $(MAKE_START) )) s since make started (exit $$status)"; exit $$status

update-controls: venv  ## Re-render the last-frame control PNGs in tests/control_data/ (check them, then commit)
	UPDATE_CONTROLS=1 $(PY) -m pytest tests/scenes/test_visual.py -q

readme: venv  ## Rewrite README's scene table and docs/architecture.md's layer table and module map from the code
	$(PY) -m lowrank_anim.cli.readme README.md

lock:  ## Re-pin requirements*.lock from pyproject.toml
	$(PY) -m pip install --quiet pip-tools
	$(PY) -m piptools compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml
	$(PY) -m piptools compile -q --strip-extras --no-header --no-emit-index-url --no-emit-find-links --extra dev -o requirements-dev.lock pyproject.toml

.PHONY: post
NOTEBOOK ?= docs/post/low-rank-updates.ipynb
POST_DIR ?= media/post
POST_QUALITY ?= high
BASE_URL ?=
post: setup  ## Notebook → post: run NOTEBOOK, export its clips into POST_DIR and write the Markdown post there (BASE_URL=/assets/clips)
	$(PY) render.py post $(NOTEBOOK) --execute -q $(POST_QUALITY) -o $(POST_DIR) $(if $(BASE_URL),--base-url $(BASE_URL))

.PHONY: bench bench-test
bench: setup  ## Time render.py against plain manim, chunks, batches, Dask, held frames, chunk costs (3+ interleaved rounds, medians); rewrites their BENCHMARKS.md sections only on an idle machine (BENCH_ALL="--busy-ok" or "--rounds 5" for every benchmark, BENCH_ARGS for bench.run's own; hours on 2 cores)
	$(PY) -m bench.run $(BENCH_ALL) $(BENCH_ARGS)
	$(PY) -m bench.chunks $(BENCH_ALL)
	$(PY) -m bench.batch $(BENCH_ALL)
	$(PY) -m bench.farm $(BENCH_ALL)
	$(PY) -m bench.held_frames $(BENCH_ALL)
	$(PY) -m bench.chunk_costs $(BENCH_ALL)

bench-test: venv  ## The benchmark harness's own tests (tests/bench: CPU counted, the busy rule, the section writer)
	$(PY) -m pytest tests/bench -q $(PYTEST_ARGS)

.PHONY: audit
AUDIT_ARGS ?=
audit: venv  ## Frame audit: every scene, 500 random + awkward numbers, defects per kind; rewrites its BENCHMARKS.md section
	$(PY) -m bench.audit $(AUDIT_ARGS)

clean:  ## Remove the virtual environment and rendered media
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
	find $(OUTPUT) -mindepth 1 ! -name .gitkeep -delete 2>/dev/null || true

.PHONY: readme-troubleshooting doctor
readme-troubleshooting: venv  ## Regenerate README's Troubleshooting table from the doctor's fix texts
	$(PY) -m lowrank_anim.health.doctor --readme README.md

doctor: venv  ## Check this machine can render (a ✓/✗ table with the fix for each ✗)
	$(PY) render.py doctor --output-dir $(OUTPUT)

# Docker (docs/docker.md): an image for ONE explicit platform, the engine's own unless
# PLATFORM=linux/arm64 or linux/amd64 is given; IMAGE is tagged with it.
DOCKER     ?= docker
PLATFORM   ?= $(shell bash docker/build-image.sh --native-platform)
IMAGE      ?= lowrank-anim:$(lastword $(subst /, ,$(PLATFORM)))
BASE_IMAGE ?=
EXTRA_CA   ?=
REGISTRY   ?=
TAG        ?= latest
# The host's output directory is mounted at the SAME absolute path and given as --output-dir, so the
# paths the CLI prints are the host's, not a container path like media/....
HOST_OUTPUT = $(abspath $(OUTPUT))
DOCKER_RUN_FLAGS = --network none --read-only --tmpfs /tmp --cap-drop ALL \
	--security-opt no-new-privileges --user "$$(id -u):$$(id -g)"

.PHONY: docker-engine image docker-render test-docker test-arm64 release

docker-engine:  ## Start a Docker engine if none answers (Linux as root; on a Mac start Docker Desktop)
	bash docker/start-engine.sh

image: docker-engine  ## Build the image with BuildKit for PLATFORM (default: this machine's own)
	bash docker/build-image.sh --platform $(PLATFORM) --tag $(IMAGE) \
		$(if $(BASE_IMAGE),--base-image $(BASE_IMAGE)) $(if $(EXTRA_CA),--extra-ca $(EXTRA_CA))

docker-render: docker-engine  ## Render in the locked-down container (builds the image first if missing); prints host paths
	@$(DOCKER) image inspect $(IMAGE) >/dev/null 2>&1 || $(MAKE) --no-print-directory image \
		PLATFORM=$(PLATFORM) IMAGE=$(IMAGE)
	mkdir -p $(OUTPUT)
	$(DOCKER) run --rm --platform $(PLATFORM) $(DOCKER_RUN_FLAGS) \
		--volume "$(HOST_OUTPUT):$(HOST_OUTPUT)" \
		$(IMAGE) render $(SCENES) -q $(QUALITY) --format $(FORMAT) --output-dir "$(HOST_OUTPUT)"

release:  ## Build amd64 AND arm64, push both and one manifest list: REGISTRY=HOST:PORT [TAG=latest]
	@test -n "$(REGISTRY)" || { echo "make release: set REGISTRY, e.g. REGISTRY=127.0.0.1:5000," \
		"REGISTRY=ghcr.io/OWNER or REGISTRY=docker.io/USER" >&2; exit 2; }
	bash docker/start-engine.sh
	bash docker/release.sh --registry $(REGISTRY) --tag $(TAG) \
		$(if $(EXTRA_CA),-- --extra-ca $(EXTRA_CA))

test-docker: venv  ## Only the Docker image tests: amd64, arm64 under QEMU, the release through a local registry
	bash scripts/system-deps.sh test
	$(PY) -m pytest -m docker $(PYTEST_ARGS)

test-arm64: venv  ## Only the linux/arm64 image and release tests (under QEMU on x86-64)
	bash scripts/system-deps.sh test
	$(PY) -m pytest -m arm64 -s $(PYTEST_ARGS)
