"""The one function that builds a render's manim configuration.

The render context (:func:`lowrank_anim.pipeline.context.render_context`), in which renders,
previews, web export, chunks and the tests' dry runs all run, configures manim through
:func:`manim_config`: the request decides quality, format, background and transparency; the
context adds where files go (a scratch media directory), the LaTeX/text store's private folders
(:func:`lowrank_anim.pipeline.texstore.private_dirs`), the encoder settings and the caller's
own few overrides.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from lowrank_anim.maths.palette import get_theme
from lowrank_anim.pipeline.request import QUALITY_PRESETS, VIDEO_FORMATS, RenderRequest

#: What a dry run changes: construct every beat, write nothing, draw few small frames.
DRY_RUN: dict[str, Any] = {
    "dry_run": True,
    "pixel_width": 160,
    "pixel_height": 90,
    "frame_rate": 5,
}


def manim_config(
    request: RenderRequest,
    media_dir: Path,
    caches: Mapping[str, str] | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """The ``tempconfig`` dictionary for ``request`` rendered into ``media_dir``, with the
    store's private ``tex_dir``/``text_dir`` (``caches``) and the caller's ``overrides``."""
    theme = get_theme(request.theme)
    video = request.fmt in VIDEO_FORMATS
    options: dict[str, Any] = {
        "media_dir": str(media_dir),
        "quality": QUALITY_PRESETS[request.quality],
        "format": request.fmt,
        "background_color": theme.background,
        "save_sections": video,
        "transparent": request.transparent,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
        "output_file": request.scene.name,
    }
    options.update(caches or {})
    options.update(overrides)
    return options
