"""The ffmpeg steps renders and web exports share, and the one GIF encoder.

A GIF made by manim's own writer uses one global palette built by its encoder (a tinted grid on
the light theme, 11.5 MB for a 480p clip); :func:`encode_gif` makes the two-pass palette GIF
instead — a palette generated from the frames' differences (``palettegen stats_mode=diff``), then
applied without dithering and re-sending only the rectangle that changed — so ``render -f gif``
and ``export --gif`` produce the same clean, small file.  Both encode from a lossless H.264
render (:data:`LOSSLESS_ENCODER_OPTIONS`), never from manim's lossy mp4, whose compression noise
would change pixels in every frame and multiply the GIF's size.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

#: manim's encoder options for the intermediate file: lossless H.264, fast (it is temporary);
#: threads pinned as for every H.264 render (:data:`lowrank_anim.pipeline.encoding.X264_THREADS`).
LOSSLESS_ENCODER_OPTIONS = {"crf": "0", "preset": "ultrafast", "threads": "2"}


class ToolMissingError(RuntimeError):
    """A command-line tool the export needs is not installed; the message names the fix."""


class EncodeError(RuntimeError):
    """ffmpeg failed or produced something that is not web-ready."""


@dataclass(frozen=True)
class SourceInfo:
    width: int
    height: int
    fps: Fraction
    duration: float


def require_ffmpeg() -> str:
    """The ffmpeg executable, or :class:`ToolMissingError` naming how to install it."""
    found = shutil.which("ffmpeg")
    if found is None:
        raise ToolMissingError(
            "ffmpeg is not installed (or not on PATH); install it with `make system-deps` "
            "(Debian/Ubuntu package ffmpeg)"
        )
    return found


def run_ffmpeg(ffmpeg: str, args: list[str], what: str) -> None:
    command = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-y", *args]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = lines[-1] if lines else f"exit code {done.returncode}"
        raise EncodeError(f"ffmpeg could not make the {what}: {reason}")


def probe_source(path: Path) -> SourceInfo:
    """Size, frame rate and duration from the container (no decoding)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        fps = Fraction(stream.guessed_rate or stream.average_rate or 0)
        if container.duration:
            duration = float(container.duration / av.time_base)
        else:
            duration = float((stream.duration or 0) * (stream.time_base or 0))
        return SourceInfo(stream.codec_context.width, stream.codec_context.height, fps, duration)


@dataclass(frozen=True)
class GifSettings:
    """How a GIF is made: at most this wide and this many frames per second, one palette."""

    width: int = 800
    fps: int = 12
    colors: int = 128

    def describe(self) -> str:
        return f"two-pass palette ({self.colors} colours), ≤{self.width} px wide, {self.fps} fps"


def gif_filters(info: SourceInfo, s: GifSettings) -> str:
    fps = min(Fraction(s.fps), info.fps) if info.fps else Fraction(s.fps)
    width = min(s.width, info.width)
    return f"fps={fps},scale={width}:-2:flags=lanczos"


def encode_gif(
    source: Path,
    out: Path,
    work: Path,
    settings: GifSettings | None = None,
    info: SourceInfo | None = None,
) -> Path:
    """Encode ``source`` (a lossless video) as a two-pass palette GIF at ``out``; ``work`` is a
    scratch folder for the palette.  The one GIF encoder of the project."""
    ffmpeg = require_ffmpeg()
    s = settings or GifSettings()
    palette = work / "palette.png"
    scaled = gif_filters(info or probe_source(source), s)
    run_ffmpeg(
        ffmpeg,
        ["-i", str(source), "-vf",
         f"{scaled},palettegen=max_colors={s.colors}:stats_mode=diff", str(palette)],
        "GIF palette",
    )  # fmt: skip
    run_ffmpeg(
        ffmpeg,
        ["-i", str(source), "-i", str(palette), "-lavfi",
         f"{scaled}[frames];[frames][1:v]paletteuse=dither=none:diff_mode=rectangle",
         "-loop", "0", str(out)],
        "GIF",
    )  # fmt: skip
    return out
