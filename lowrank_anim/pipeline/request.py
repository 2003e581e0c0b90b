"""The request: everything that decides what one output file looks like, parsed once.

Every command builds one (``render.py``'s option groups parse ``--quality``, ``--theme``,
``--transparent``, ``--set`` and ``--params`` the same way everywhere), the cache keys on it,
and :func:`lowrank_anim.pipeline.config.manim_config` turns it into manim's configuration.
Importing this module imports no manim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lowrank_anim.core.outputs import contained_path
from lowrank_anim.maths.palette import DEFAULT_THEME, get_theme
from lowrank_anim.maths.params import SceneParams
from lowrank_anim.paths import DEFAULT_OUTPUT_DIR
from lowrank_anim.registry import SceneSpec

__all__ = ["DEFAULT_OUTPUT_DIR", "FORMATS", "QUALITY_PRESETS", "RenderRequest", "quality_preset"]

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
