"""Render a registered scene with every frame drawn but nothing encoded (manim ``format=none``).

The baseline for "how much does encoding cost": ``bench/run.py`` times this against a draft
render of the same scene at the same quality (``bench/held_frames.py`` too). Usage::

    python -m bench.rasterise_only SCENE QUALITY TEX_DIR MEDIA_DIR
"""

from __future__ import annotations

import sys


def main(scene: str, quality: str, tex_dir: str, media_dir: str) -> None:
    from manim import tempconfig

    from lowrank_anim.pipeline.rendering import scene_variant
    from lowrank_anim.pipeline.request import QUALITY_PRESETS, RenderRequest
    from lowrank_anim.registry import get_scene

    request = RenderRequest(get_scene(scene), quality=quality)
    options = {
        "media_dir": media_dir,
        "tex_dir": tex_dir,
        "quality": QUALITY_PRESETS[quality],
        "format": "none",  # draw every frame, write nothing
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
    }
    with tempconfig(options):
        scene_variant(request.scene.load(), request)().render()


if __name__ == "__main__":
    main(*sys.argv[1:5])
