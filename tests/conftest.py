"""Shared fixtures: every test writes into its own temporary directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def tex_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A plain manim ``tex_dir`` for the session, for tests that configure manim by hand."""
    return tmp_path_factory.mktemp("tex")


@pytest.fixture(scope="session")
def tex_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One LaTeX and text store for the session (:mod:`lowrank_anim.pipeline.texstore`, as
    renders use it), so each MathTex of a dry run compiles once across all tests."""
    return tmp_path_factory.mktemp("store")


@pytest.fixture
def dry_run(tmp_path: Path, tex_store: Path) -> Any:
    """Run a scene class's ``construct`` through manim without writing any media, configured
    by the same function as every render (:func:`lowrank_anim.pipeline.config.manim_config`)."""
    from manim import tempconfig

    from lowrank_anim.pipeline import manim_patches, texstore
    from lowrank_anim.pipeline.config import DRY_RUN, manim_config
    from lowrank_anim.pipeline.request import RenderRequest
    from lowrank_anim.registry import SceneSpec

    def run(scene_cls: type[Any]) -> Any:
        name = scene_cls.__name__
        request = RenderRequest(SceneSpec(name, f"{scene_cls.__module__}:{name}", name))
        manim_patches.install()
        with (
            texstore.private_dirs(tex_store) as caches,
            tempconfig(manim_config(request, tmp_path / "media", caches, **DRY_RUN)),
        ):
            scene = scene_cls()
            # Construct every beat and animation, but draw no pixels: geometry needs none.
            scene.renderer.update_frame = lambda *args, **kwargs: None
            scene.render()
        return scene

    return run


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}
