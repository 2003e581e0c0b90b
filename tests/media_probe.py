"""Read what a rendered file really is, with PyAV (manim's own dependency)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av


@dataclass(frozen=True)
class VideoInfo:
    codec: str
    width: int
    height: int
    fps: Fraction
    duration: float
    pix_fmt: str
    frames: int


def probe(path: Path) -> VideoInfo:
    """Decode the whole first video stream: a file that decodes to the end is playable."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        frames = sum(1 for _ in container.decode(stream))
        duration = float(container.duration / av.time_base) if container.duration else 0.0
        return VideoInfo(
            codec=stream.codec_context.name,
            width=stream.codec_context.width,
            height=stream.codec_context.height,
            fps=Fraction(stream.guessed_rate or 0),
            duration=duration,
            pix_fmt=str(stream.codec_context.pix_fmt),
            frames=frames,
        )
