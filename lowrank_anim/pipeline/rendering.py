"""Render registered scenes to predictable paths, the same way from the CLI, tests and Docker.

Rendering happens in-process with ``tempconfig`` (manim's documented Python API).  Each render
gets its own scratch media directory next to the final file; only when manim has finished is
the result moved into place with an atomic rename, so a failed or interrupted render never
leaves a half-written file where a good one was.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lowrank_anim.maths.palette import DEFAULT_THEME, get_theme
from lowrank_anim.maths.params import SceneParams, build_example
from lowrank_anim.pipeline.outputs import contained_path, publish, scratch_dir
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
#: Formats that keep an alpha channel: VP9 webm (yuva420p), mov and the png last frame.
TRANSPARENT_FORMATS = ("webm", "mov", "png")
#: Formats that can be cut into one clip per beat.
SECTION_FORMATS = ("mp4", "webm", "mov")

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
    params: SceneParams = field(default_factory=SceneParams)
    """Custom numbers (``--set``/``--params``); empty means the scene's own example."""
    transparent: bool = False
    """No background: the video keeps an alpha channel (webm, mov or png)."""
    sections: bool = False
    """Also publish one clip per beat beside the video."""

    def __post_init__(self) -> None:
        if self.quality not in QUALITY_PRESETS:
            raise ValueError(
                f"unknown quality {self.quality!r}; expected one of {', '.join(QUALITY_PRESETS)}"
            )
        if self.fmt not in FORMATS:
            raise ValueError(f"unknown format {self.fmt!r}; expected one of {', '.join(FORMATS)}")
        get_theme(self.theme)
        if self.transparent and self.fmt not in TRANSPARENT_FORMATS:
            raise ValueError(
                f"--transparent needs a format with alpha ({', '.join(TRANSPARENT_FORMATS)}), "
                f"not {self.fmt}; use --format webm"
            )
        if self.sections and self.fmt not in SECTION_FORMATS:
            raise ValueError(
                f"--sections cuts videos ({', '.join(SECTION_FORMATS)}), not {self.fmt}; "
                "use --format mp4"
            )

    @property
    def resolution_label(self) -> str:
        """``480p15``-style label, as manim names its quality folders."""
        preset = quality_preset(self.quality)
        return f"{preset['pixel_height']}p{preset['frame_rate']}"

    def output_path(self, output_dir: Path) -> Path:
        """Where this request's file lands:
        ``DIR/Scene/480p15/Scene[-theme][-transparent][-pTAG].ext``, where ``pTAG`` is the
        parameters' short hash, so variants never overwrite each other."""
        suffix = "" if self.theme == DEFAULT_THEME else f"-{self.theme}"
        if self.transparent:
            suffix += "-transparent"
        if self.params:
            suffix += f"-{self.params.tag}"
        name = f"{self.scene.name}{suffix}.{self.fmt}"
        # Names come from input: contained_path refuses any that could leave output_dir.
        return contained_path(output_dir, self.scene.name, self.resolution_label, name)

    def sections_dir(self, output_dir: Path) -> Path:
        """Where ``--sections`` puts one clip per beat: beside the video, ``NAME.sections/``."""
        final = self.output_path(output_dir)
        return final.with_name(f"{final.stem}.sections")

    def params_path(self, output_dir: Path) -> Path:
        """The ``.params.json`` sidecar that records a variant's numbers."""
        return self.output_path(output_dir).with_suffix(".params.json")


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
        "transparent": request.transparent,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
        "output_file": request.scene.name,
    }


def scene_variant(scene_cls: type[Any], request: RenderRequest) -> type[Any]:
    """The scene class to render for ``request``: our scenes take a theme and custom
    numbers through ``variant``; a plain manim scene is rendered as it is."""
    variant = getattr(scene_cls, "variant", None)
    if variant is None:
        return scene_cls
    example = build_example(request.scene.name, request.scene.model, request.params)
    chosen: type[Any] = variant(theme=request.theme, example=example)
    return chosen


def params_record(request: RenderRequest) -> dict[str, Any]:
    """What the ``.params.json`` sidecar says: the values given and the full example drawn."""
    example = build_example(request.scene.name, request.scene.model, request.params)
    drawn: dict[str, Any] = {}
    if example is not None:
        drawn = {
            "W": example.update.W.tolist(),
            "U_columns": example.update.U.T.tolist(),
            "V_columns": example.update.V.T.tolist(),
            "x": example.x.tolist(),
        }
    return {
        "scene": request.scene.name,
        "tag": request.params.tag,
        "given": request.params.as_json(),
        "drawn": drawn,
    }


def render(request: RenderRequest, output_dir: Path = DEFAULT_OUTPUT_DIR) -> Path:
    """Render one request and return the path of the finished file."""
    from manim import tempconfig

    from lowrank_anim.pipeline import texcache

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
        if request.sections:
            publish_beat_clips(writer, request.sections_dir(output_dir))
        if request.params:
            sidecar = media_dir / "params.json"
            sidecar.write_text(json.dumps(params_record(request), indent=2) + "\n", "utf-8")
            publish(sidecar, request.params_path(output_dir))
        return publish(produced, final)


def publish_beat_clips(writer: Any, final_dir: Path) -> list[Path]:
    """Publish the clips manim cut at each ``next_section`` (one per beat)."""
    from lowrank_anim.pipeline.sections import publish_sections

    index = writer.output_plan.section_index
    if index is None or not Path(index).is_file():
        raise RenderError("manim wrote no section clips; render a video format with --sections")
    return publish_sections(Path(index), final_dir)
