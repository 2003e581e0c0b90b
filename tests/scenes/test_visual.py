"""Last-frame visual regression: each scene's final frame, small, against committed control data.

The control frames live in ``tests/control_data/`` as small PNGs.  After an intended change to
how a scene looks, look at the new frames and regenerate them with ``make update-controls``
(``UPDATE_CONTROLS=1 pytest tests/scenes/test_visual.py``), then commit them.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from lowrank_anim.maths.params import build_example, load_params_file
from lowrank_anim.registry import SCENES
from tests.conftest import ROOT

CONTROL_DIR = ROOT / "tests" / "control_data"
WIDTH, HEIGHT = 320, 180
#: A pixel "differs" when a channel moves by more than this (anti-aliasing and font hinting
#: shift edges by a few levels between library builds) ...
PIXEL_TOLERANCE = 48
#: ... and a frame fails when more than this share of its pixels differ.
MAX_DIFFERING_SHARE = 0.01
UPDATING = os.environ.get("UPDATE_CONTROLS", "") == "1"

#: (control name, scene, theme, parameter file or None)
CASES = [
    *((name, name, "dark", None) for name in SCENES),
    ("RankOneUpdate-light", "RankOneUpdate", "light", None),
    ("InputSweep-light", "InputSweep", "light", None),
    ("RankOneUpdate-along-v", "RankOneUpdate", "dark", "along-v.toml"),
]


def last_frame(scene: str, theme: str, params_file: str | None, media: Path, store: Path) -> Any:
    """The scene's last frame, small, configured by the one function every render uses."""
    from manim import tempconfig

    from lowrank_anim.pipeline import manim_patches, texstore
    from lowrank_anim.pipeline.config import manim_config
    from lowrank_anim.pipeline.request import RenderRequest

    spec = SCENES[scene]
    example = None
    if params_file is not None:
        params = load_params_file(ROOT / "assets" / "params" / params_file)
        example = build_example(scene, spec.model, params)
    scene_cls = spec.load().variant(theme=theme, example=example)
    request = RenderRequest(spec, fmt="png", theme=theme)
    manim_patches.install()
    with (
        texstore.private_dirs(store) as caches,
        tempconfig(
            manim_config(
                request,
                media,
                caches,
                pixel_width=WIDTH,
                pixel_height=HEIGHT,
                frame_rate=15,
                save_last_frame=True,
                write_to_movie=False,
                verbosity="ERROR",
            )
        ),
    ):
        instance = scene_cls()
        instance.render()
        path = Path(instance.renderer.file_writer.image_file_path)
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"), dtype=np.int16)


@pytest.mark.parametrize(("control", "scene", "theme", "params"), CASES, ids=[c[0] for c in CASES])
def test_last_frame_matches_control(
    control: str, scene: str, theme: str, params: str | None, tmp_path: Path, tex_store: Path
) -> None:
    frame = last_frame(scene, theme, params, tmp_path, tex_store)
    path = CONTROL_DIR / f"{control}.png"
    if UPDATING:
        CONTROL_DIR.mkdir(exist_ok=True)
        Image.fromarray(frame.astype(np.uint8)).save(path, optimize=True)
        pytest.skip(f"wrote {path.relative_to(ROOT)}")
    assert path.is_file(), f"no control frame {path.name}: run `make update-controls`"
    with Image.open(path) as image:
        expected = np.asarray(image.convert("RGB"), dtype=np.int16)
    assert frame.shape == expected.shape
    differing = (np.abs(frame - expected).max(axis=2) > PIXEL_TOLERANCE).mean()
    assert differing <= MAX_DIFFERING_SHARE, (
        f"{control}: {differing:.2%} of pixels changed; if intended, check the new frame and "
        "run `make update-controls`"
    )


def test_control_frames_are_exactly_the_cases() -> None:
    """Every registered scene has a committed control frame, and no frame is an orphan (a
    renamed or removed scene, or a case dropped from :data:`CASES`)."""
    on_disk = {path.stem for path in CONTROL_DIR.glob("*.png")}
    assert set(SCENES) <= on_disk, f"no control frame for {sorted(set(SCENES) - on_disk)}"
    assert on_disk == {c[0] for c in CASES}, (
        f"orphan frames: {sorted(on_disk - {c[0] for c in CASES})}"
    )
