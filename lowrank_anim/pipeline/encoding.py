"""Encoder settings per purpose, expressed in manim's own configuration keys.

Why this exists: manim encodes every animation with libx264's defaults (preset ``medium``,
crf 23). At 1080p60 that makes a render about four times slower than drawing its frames, which
is the right trade for a file people will watch but the wrong one for a draft or a preview that
is looked at once and thrown away. So each render has a *purpose*:

* ``draft`` (the default for ``-q low``/``medium``, for previews and for ``render --draft``):
  libx264 ``preset=ultrafast`` at manim's crf 23 — measured on RankOneUpdate's 1080p frames:
  a third to a half of the encoding CPU time of manim's default, twice the file size, no
  visible loss.
* ``final`` (the default for ``-q high``/``production``/``4k``): ``preset=medium`` (manim's
  speed) with ``tune=animation`` (suits flat colours and sharp edges) at crf 20: SSIM 0.998
  instead of 0.996 against a lossless encode, for 10-20 % more bytes.
* ``web`` (for the web export): ``preset=slow``, ``tune=animation``, crf 24: no bigger than
  manim's default (up to 10 % smaller) at a slightly higher SSIM, for about 40 % more encoding
  time, paid once.

The figures come from encoding the same 240 frames each way (BENCHMARKS.md, "Encoder
settings").

The settings are plain dictionaries of manim config keys (``video_encoder_options``,
``max_inflight_encoders``), passed to a render as its ``encoder``
(:mod:`lowrank_anim.pipeline.context`); the key names are manim 0.22's (``manim/_config/
video_encoder.py``). Codec and pixel format stay ``auto``, so manim still picks libx264 for
mp4/mov/gif segments, VP9 for webm and qtrle for transparent mov. This module imports nothing
heavy: the cache key includes these settings and is computed without importing manim.
"""

from __future__ import annotations

from typing import Any

from lowrank_anim.pipeline.request import QUALITY_TABLE, RenderRequest

#: The purposes a render can be encoded for.
PURPOSES = ("draft", "final", "web")

#: Qualities whose renders are drafts unless asked otherwise: quick looks, not deliverables.
DRAFT_QUALITIES = frozenset({"low", "medium"})

# libx264: the preset trades encoding speed for file size at the same crf; tune=animation
# raises deblocking and reference frames for flat, sharp-edged pictures like ours.
_X264_OPTIONS: dict[str, dict[str, str]] = {
    # tune=animation only made ultrafast's files bigger, at no gain a draft needs.
    "draft": {"preset": "ultrafast"},
    "final": {"preset": "medium", "tune": "animation", "crf": "20"},
    "web": {"preset": "slow", "tune": "animation", "crf": "24"},
}

#: x264's thread count changes its bytes, and even its decoded pixels; its default follows the
#: machine's cores. Pinned, a render is the same file on every machine, and a chunked render
#: (:mod:`lowrank_anim.pipeline.chunks`) is byte-identical to the render in one piece.
X264_THREADS = {"threads": "2"}

# libvpx-vp9 (webm): manim's default is deadline "good" at cpu-used 0-1, single-threaded, the
# slowest encoder it uses by far. row-mt lets it use every core without changing the quality.
_VP9_OPTIONS: dict[str, dict[str, str]] = {
    "draft": {"deadline": "realtime", "cpu-used": "8", "row-mt": "1"},
    "final": {"deadline": "good", "cpu-used": "2", "row-mt": "1"},
    "web": {"deadline": "good", "cpu-used": "1", "row-mt": "1"},
}

# How many finished animations may still be encoding while the next one is drawn. manim's
# default (1) waits for each animation's encoder to drain before drawing the next one, which
# serialises the encoding of every wait (one queued frame, repeated and encoded n times) with
# the drawing of the next animation. Each in-flight encoder holds at most encoder_queue_size
# (8) frames, so memory stays bounded: 4 × 8 frames of 8 MB at 1080p for drafts; 2 for the
# rest, whose frames may be 4K.
_INFLIGHT_ENCODERS = {"draft": 4, "final": 2, "web": 2}
#: Above 1080p a frame is 33 MB (4K RGBA) and each x264 encoder holds its lookahead of YUV
#: frames (about 40 at preset medium): a second finishing encoder and its queue cost more than
#: a gigabyte. A 4K render of RankOneUpdate peaked at 3.9-4.4 GB with 2 against 2.2 GB for
#: plain manim (1), so frames this big get manim's default, and half its queue.
LARGE_FRAME_PIXELS = 1920 * 1080
_LARGE_FRAME_LIMITS = {"max_inflight_encoders": 1, "encoder_queue_size": 4}


def purpose_for(quality: str, draft: bool = False) -> str:
    """``draft`` when asked for or when the quality is a draft quality, else ``final``."""
    return "draft" if draft or quality in DRAFT_QUALITIES else "final"


def encoder_overrides(
    fmt: str, purpose: str, *, transparent: bool = False, pixels: int = 0
) -> dict[str, Any]:
    """manim config keys that encode ``fmt`` for ``purpose`` (empty for a png still), for
    frames of ``pixels`` pixels (0: unknown, the 1080p settings).

    Transparent mov is encoded by qtrle, which is lossless and has no speed options, so only
    the pipelining setting applies to it.
    """
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}; expected one of {', '.join(PURPOSES)}")
    if fmt == "png":
        return {}
    if fmt == "webm":
        options = _VP9_OPTIONS[purpose]
    elif transparent and fmt == "mov":
        options = {}
    else:
        # mp4, mov and gif (whose segments are H.264 before the palette pass).
        options = {**_X264_OPTIONS[purpose], **X264_THREADS}
    overrides: dict[str, Any] = {
        "video_encoder_options": dict(options),
        "max_inflight_encoders": _INFLIGHT_ENCODERS[purpose],
    }
    if pixels > LARGE_FRAME_PIXELS:
        overrides.update(_LARGE_FRAME_LIMITS)
    return overrides


def request_overrides(request: RenderRequest, draft: bool = False) -> dict[str, Any]:
    """:func:`encoder_overrides` for a :class:`~lowrank_anim.pipeline.rendering.RenderRequest`.

    ``transparent`` is read with a default, so requests without that field work too.
    """
    purpose = purpose_for(request.quality, draft)
    return encoder_overrides(
        request.fmt,
        purpose,
        transparent=bool(getattr(request, "transparent", False)),
        pixels=frame_pixels(request.quality),
    )


def frame_pixels(quality: str) -> int:
    """How many pixels one frame of ``quality`` has (the quality table's, so the cache key
    needs no manim)."""
    return QUALITY_TABLE[quality].pixels


#: What one render process holds besides frames (Python, manim, the scene): about 250 MB
#: measured at 480p, rounded up.
JOB_BASE_BYTES = 300 * 2**20
#: What it holds per pixel of the frame: drawn RGBA frames queued for the encoders, the
#: encoders' own YUV frames (lookahead, references), the camera's buffers. Measured peaks:
#: 1190 MB for RankOneUpdate at 1080p (final: two encoders may still be finishing), 2.2 GB for
#: TitleCard at 4K (one, :data:`LARGE_FRAME_PIXELS`), so 480 and 240 bytes a pixel cover both.
JOB_BYTES_PER_PIXEL = 480
LARGE_JOB_BYTES_PER_PIXEL = 240


def job_peak_bytes(quality: str) -> int:
    """An upper estimate of one render (or chunk) process's peak memory at ``quality``."""
    pixels = frame_pixels(quality)
    per_pixel = LARGE_JOB_BYTES_PER_PIXEL if pixels > LARGE_FRAME_PIXELS else JOB_BYTES_PER_PIXEL
    return JOB_BASE_BYTES + per_pixel * pixels


def jobs_within_memory(quality: str, jobs: int, available: int) -> int:
    """How many of ``jobs`` render processes at ``quality`` fit in ``available`` bytes, keeping
    a fifth of it for everything else (at least one: a lone render is never refused)."""
    return max(1, min(jobs, int(available * 0.8) // job_peak_bytes(quality)))
