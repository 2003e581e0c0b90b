"""Shared fixtures: every test writes into its own temporary directory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def tex_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One LaTeX cache for the session, so each MathTex compiles once across all tests."""
    return tmp_path_factory.mktemp("tex")


@pytest.fixture
def dry_run(tmp_path: Path, tex_cache: Path) -> Any:
    """Run a scene class's ``construct`` through manim without writing any media."""
    from manim import tempconfig

    def run(scene_cls: type[Any]) -> Any:
        options = {
            "dry_run": True,
            "media_dir": str(tmp_path / "media"),
            "tex_dir": str(tex_cache),
            "quality": "low_quality",
            "progress_bar": "none",
            "verbosity": "WARNING",
            # Geometry does not depend on pixels: draw few, small frames, and hash nothing.
            "pixel_width": 160,
            "pixel_height": 90,
            "frame_rate": 5,
            "disable_caching": True,
        }
        with tempconfig(options):
            scene = scene_cls()
            # Construct every beat and animation, but draw no pixels: geometry needs none.
            scene.renderer.update_frame = lambda *args, **kwargs: None
            scene.render()
        return scene

    return run


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}
