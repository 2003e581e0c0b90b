"""The request: everything that decides what one output file looks like, parsed once.

Every command builds one (``render.py``'s option groups parse ``--quality``, ``--theme``,
``--transparent``, ``--set`` and ``--params`` the same way everywhere), the cache keys on it,
and :func:`lowrank_anim.pipeline.config.manim_config` turns it into manim's configuration.
Importing this module imports no manim.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from lowrank_anim.core.outputs import contained_path
from lowrank_anim.maths.palette import DEFAULT_THEME, get_theme
from lowrank_anim.maths.params import SceneParams, build_example
from lowrank_anim.paths import DEFAULT_OUTPUT_DIR
from lowrank_anim.registry import SceneSpec

if TYPE_CHECKING:
    from lowrank_anim.maths.model import Example

__all__ = [
    "DEFAULT_OUTPUT_DIR",
    "FORMATS",
    "QUALITY_PRESETS",
    "QUALITY_TABLE",
    "Quality",
    "RenderRequest",
    "quality_preset",
]


class Quality(NamedTuple):
    """One ``--quality``: manim's preset and the numbers it stands for."""

    preset: str
    """The key of ``manim.constants.QUALITIES`` that ``tempconfig`` is given."""
    pixel_width: int
    pixel_height: int
    frame_rate: int

    @property
    def label(self) -> str:
        """``480p15``, as manim names its quality folders."""
        return f"{self.pixel_height}p{self.frame_rate}"

    @property
    def pixels(self) -> int:
        """Pixels of one frame."""
        return self.pixel_width * self.pixel_height


#: The one quality table: our names → manim's presets, with their numbers written here so the
#: cache key, the memory estimates and the help need no manim
#: (``tests/pipeline/test_context.py`` checks them against ``manim.constants.QUALITIES``).
QUALITY_TABLE: dict[str, Quality] = {
    "low": Quality("low_quality", 854, 480, 15),
    "medium": Quality("medium_quality", 1280, 720, 30),
    "high": Quality("high_quality", 1920, 1080, 60),
    "production": Quality("production_quality", 2560, 1440, 60),
    "4k": Quality("fourk_quality", 3840, 2160, 60),
}
#: Our quality names → manim's presets (the table's first column; the CLI's choices).
QUALITY_PRESETS: dict[str, str] = {name: q.preset for name, q in QUALITY_TABLE.items()}


def quality_help() -> str:
    """The qualities as ``--quality``'s help lists them: ``low 480p15, medium 720p30, …``."""
    return ", ".join(f"{name} {q.label}" for name, q in QUALITY_TABLE.items())


#: Output formats; ``png`` is the last frame, the others are videos.
FORMATS = ("mp4", "webm", "gif", "mov", "png")
VIDEO_FORMATS = frozenset(FORMATS) - {"png"}
#: Formats that keep an alpha channel: VP9 webm (yuva420p), mov and the png last frame.
TRANSPARENT_FORMATS = ("webm", "mov", "png")
#: Formats that can be cut into one clip per beat.
SECTION_FORMATS = ("mp4", "webm", "mov")


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
        return QUALITY_TABLE[self.quality].label

    @functools.cached_property
    def example(self) -> Example | None:
        """The numbers the scene draws, built once per request (``None``: the scene's own
        default, or a scene that takes none); a :class:`~lowrank_anim.maths.params.ParamError`
        if they do not suit the scene."""
        return build_example(self.scene.name, self.scene.model, self.params)

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
    found = QUALITY_TABLE[quality]
    return {
        "pixel_width": found.pixel_width,
        "pixel_height": found.pixel_height,
        "frame_rate": found.frame_rate,
    }
