"""Shared fixtures: every test writes into its own temporary directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parent.parent

# No per-example time limit: the suite shares its cores (make check runs a test per core, the
# matrix renders beside it), and speed is measured by bench/, not asserted by a test. A
# property test failed once only because an example took 0.5 s on a busy machine.
settings.register_profile("lowrank", deadline=None)
settings.load_profile("lowrank")


def pytest_configure(config: pytest.Config) -> None:
    """A run started in the background (a shell's ``&``, ``nohup``) inherits SIGINT ignored,
    and every child process a test starts inherits it in turn: the interrupt tests, and the
    renders they stop, would wait for an interrupt that can never come. The suite runs as it
    would in a terminal: Python's own handler."""
    import signal

    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(scope="session")
def tex_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain manim ``tex_dir`` for the session, for tests that configure manim by hand."""
    return tmp_path_factory.mktemp("tex")


@pytest.fixture(scope="session")
def tex_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One LaTeX and text store for the session (:mod:`lowrank_anim.pipeline.texstore`, as
    renders use it), so each MathTex of a dry run compiles once across all tests."""
    return tmp_path_factory.mktemp("store")


def construct(scene_cls: type[Any], media: Path, store: Path, **config: Any) -> Any:
    """Run a scene class's ``construct`` through manim without writing any media, in the one
    render context every render uses (:func:`lowrank_anim.pipeline.context.render_context`),
    at the dry-run size unless ``config`` says otherwise (``pixel_width=854``, ...)."""
    from lowrank_anim.pipeline.config import DRY_RUN
    from lowrank_anim.pipeline.context import render_context
    from lowrank_anim.pipeline.request import RenderRequest
    from lowrank_anim.registry import SceneSpec

    name = scene_cls.__name__
    request = RenderRequest(SceneSpec(name, f"{scene_cls.__module__}:{name}", name))
    overrides = {**DRY_RUN, **config}
    with render_context(
        request, media, tex_store=store, overrides=overrides, scene_class=scene_cls
    ) as context:
        scene = context.scene_class()
        # Construct every beat and animation, but draw no pixels: geometry needs none.
        scene.renderer.update_frame = lambda *args, **kwargs: None
        context.render(scene)
    return scene


@pytest.fixture
def dry_run(tmp_path: Path, tex_store: Path) -> Any:
    """Construct a scene class (a variant, custom numbers) without rendering, in this test's
    own media directory; see :func:`construct`."""
    return lambda scene_cls: construct(scene_cls, tmp_path / "media", tex_store)


@pytest.fixture(scope="session")
def constructed(tmp_path_factory: pytest.TempPathFactory, tex_store: Path) -> Any:
    """A registered scene, by name, with its default numbers, constructed without rendering
    ONCE per test session: the tests that only read what it drew share it.  A test that moves
    things on a scene uses :func:`dry_run` for its own copy."""
    from lowrank_anim.registry import SCENES

    built: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in built:
            media = tmp_path_factory.mktemp(f"constructed-{name}")
            built[name] = construct(SCENES[name].load(), media, tex_store)
        return built[name]

    return get


#: Fixtures that compile LaTeX: a test using one is marked ``latex`` (``make test-fast`` skips it).
LATEX_FIXTURES = frozenset({"dry_run", "constructed", "tex_cache", "tex_store"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if LATEX_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.latex)


@pytest.fixture(scope="session", autouse=True)
def one_tex_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One compiled-LaTeX store for every render of the run, in this process and every
    subprocess (``LOWRANK_TEX_STORE``, :mod:`lowrank_anim.pipeline.texstore`): each formula
    compiles once per run, not once per output folder. Under pytest-xdist the workers share
    it too (the store is safe for concurrent processes). A test of the per-folder store
    removes the variable for itself (``monkeypatch.delenv``)."""
    from lowrank_anim.pipeline.texstore import STORE_ENV

    base = tmp_path_factory.getbasetemp()
    store = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "tex-store"
    store.mkdir(exist_ok=True)
    saved = os.environ.get(STORE_ENV)
    os.environ[STORE_ENV] = str(store)
    try:
        yield store
    finally:
        if saved is None:
            os.environ.pop(STORE_ENV, None)
        else:
            os.environ[STORE_ENV] = saved


@pytest.fixture(scope="session", autouse=True)
def no_latex_in_fast_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Under ``make test-fast`` (``LOWRANK_TEST_FAST=1``), ``latex`` and ``dvisvgm`` fail
    loudly, in this process and in every subprocess: a test that compiles LaTeX without the
    ``latex`` or ``render`` marker fails instead of quietly making the fast run slow."""
    if os.environ.get("LOWRANK_TEST_FAST") != "1":
        yield
        return
    shims = tmp_path_factory.mktemp("no-latex")
    for tool in ("latex", "dvisvgm"):
        shim = shims / tool
        shim.write_text(
            "#!/bin/sh\necho 'make test-fast runs no LaTeX: mark this test latex' >&2\nexit 97\n"
        )
        shim.chmod(0o755)
    saved = os.environ["PATH"]
    os.environ["PATH"] = f"{shims}{os.pathsep}{saved}"
    try:
        yield
    finally:
        os.environ["PATH"] = saved


def every_scene(*in_check: str) -> list[Any]:
    """Every registered scene as a parameter; all but ``in_check`` (the ones that stand for
    the rest in ``make check``: a 2-D and a 3-D scene, say) are marked ``slow``, so the
    fast loop checks the code path and ``make test`` checks every scene."""
    from lowrank_anim.registry import SCENES

    assert set(in_check) <= set(SCENES), in_check
    return [
        pytest.param(name, id=name, marks=() if name in in_check else pytest.mark.slow)
        for name in SCENES
    ]


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}
