"""Render registered scenes to predictable paths, the same way from the CLI, tests and Docker.

Rendering happens in-process with ``tempconfig`` (manim's documented Python API).  Each render
gets its own scratch media directory next to the final file; only when manim has finished is
the result moved into place with an atomic rename, so a failed or interrupted render never
leaves a half-written file where a good one was.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lowrank_anim.outputs import contained_path, publish, scratch_dir
from lowrank_anim.palette import DEFAULT_THEME, get_theme
from lowrank_anim.registry import SceneSpec

#: Our quality names → manim's presets (``manim.constants.QUALITIES``), which own the numbers.
QUALITY_PRESETS: dict[str, str] = {
    "low": "low_quality",
    "medium": "medium_quality",
    "high": "high_quality",
    "production": "production_quality",
    "4k": "fourk_quality",
}

#: Output formats; ``png`` is the last frame, the others are videos.
FORMATS = ("mp4", "webm", "gif", "mov", "png")
VIDEO_FORMATS = frozenset(FORMATS) - {"png"}

DEFAULT_OUTPUT_DIR = Path("media")


class RenderError(RuntimeError):
    """A render that could not produce its file; the message says what to do."""


@dataclass(frozen=True)
class RenderRequest:
    """Everything that decides what one output file looks like."""

    scene: SceneSpec
    quality: str = "low"
    fmt: str = "mp4"
    theme: str = DEFAULT_THEME

    def __post_init__(self) -> None:
        if self.quality not in QUALITY_PRESETS:
            raise ValueError(
                f"unknown quality {self.quality!r}; expected one of {', '.join(QUALITY_PRESETS)}"
            )
        if self.fmt not in FORMATS:
            raise ValueError(f"unknown format {self.fmt!r}; expected one of {', '.join(FORMATS)}")
        get_theme(self.theme)

    @property
    def resolution_label(self) -> str:
        """``480p15``-style label, as manim names its quality folders."""
        preset = quality_preset(self.quality)
        return f"{preset['pixel_height']}p{preset['frame_rate']}"

    def output_path(self, output_dir: Path) -> Path:
        """Where this request's file lands: ``DIR/Scene/480p15/Scene[-theme].ext``."""
        suffix = "" if self.theme == DEFAULT_THEME else f"-{self.theme}"
        name = f"{self.scene.name}{suffix}.{self.fmt}"
        # Names come from input: contained_path refuses any that could leave output_dir.
        return contained_path(output_dir, self.scene.name, self.resolution_label, name)


def quality_preset(quality: str) -> dict[str, Any]:
    """manim's preset (pixel_width, pixel_height, frame_rate) for one of our quality names."""
    from manim.constants import QUALITIES

    return dict(QUALITIES[QUALITY_PRESETS[quality]])


def manim_options(request: RenderRequest, media_dir: Path) -> dict[str, Any]:
    """The ``tempconfig`` dictionary for one request rendered into ``media_dir``."""
    theme = get_theme(request.theme)
    video = request.fmt in VIDEO_FORMATS
    return {
        "media_dir": str(media_dir),
        "quality": QUALITY_PRESETS[request.quality],
        "format": request.fmt,
        "background_color": theme.background,
        "save_sections": video,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
        "output_file": request.scene.name,
    }


def scene_variant(scene_cls: type[Any], request: RenderRequest) -> type[Any]:
    """The scene class to render for ``request``: our scenes take a theme through
    ``variant``; a plain manim scene is rendered as it is."""
    variant = getattr(scene_cls, "variant", None)
    return scene_cls if variant is None else variant(theme=request.theme)


def render(request: RenderRequest, output_dir: Path = DEFAULT_OUTPUT_DIR) -> Path:
    """Render one request and return the path of the finished file."""
    from manim import tempconfig

    from lowrank_anim import texcache

    texcache.install()  # LaTeX caches stay safe even if a tex_dir is ever shared
    final = request.output_path(output_dir)
    scene_cls = request.scene.load()
    with scratch_dir(final) as media_dir:
        with tempconfig(manim_options(request, media_dir)):
            scene = scene_variant(scene_cls, request)()
            scene.render()
            writer = scene.renderer.file_writer
            produced = Path(
                writer.image_file_path if request.fmt == "png" else writer.movie_file_path
            )
        if not produced.is_file():
            raise RenderError(
                f"manim finished but wrote no {request.fmt} file for {request.scene.name}"
            )
        subtitles = produced.with_suffix(".srt")
        if subtitles.is_file():
            publish(subtitles, final.with_suffix(".srt"))
        return publish(produced, final)
