"""The one place that knows the project's paths, in a checkout and in an installed copy."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowrank_anim import paths
from lowrank_anim.pipeline import cache
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.registry import get_scene


def test_a_checkout_finds_its_assets_beside_the_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(paths.ASSETS_ENV, raising=False)
    assert paths.assets_dir() == paths.PROJECT_ROOT / "assets"
    assert (paths.assets_dir() / "params" / "along-v.toml").is_file()


def test_an_installed_copy_finds_assets_where_the_image_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In the image the package is in site-packages and assets/ is /app/assets: the render
    cache keys on those files, under the same names as in a checkout."""
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "x.toml").write_text("x = [1, 2]\n")
    monkeypatch.setenv(paths.ASSETS_ENV, str(tmp_path))
    assert paths.assets_dir() == tmp_path
    inputs = cache.key_inputs(RenderRequest(get_scene("RankOneUpdate")))
    assert list(inputs["assets"]) == ["assets/params/x.toml"]


def test_copy_project_copies_what_a_render_runs(tmp_path: Path) -> None:
    copy = paths.copy_project(tmp_path / "copy")
    assert (copy / "render.py").is_file()
    assert (copy / "lowrank_anim" / "paths.py").is_file()
    assert (copy / "scenes" / "base.py").is_file()
    assert (copy / "assets" / "params").is_dir()
    assert not list(copy.rglob("__pycache__"))
