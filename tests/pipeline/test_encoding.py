"""Encoder settings per purpose: which manim config keys each render gets."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lowrank_anim.pipeline import encoding
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.registry import get_scene


@pytest.mark.parametrize(
    ("quality", "draft", "purpose"),
    [
        ("low", False, "draft"),
        ("medium", False, "draft"),
        ("high", False, "final"),
        ("production", False, "final"),
        ("4k", False, "final"),
        ("high", True, "draft"),
        ("4k", True, "draft"),
    ],
)
def test_purpose_follows_quality_unless_draft_is_asked(
    quality: str, draft: bool, purpose: str
) -> None:
    assert encoding.purpose_for(quality, draft) == purpose


@pytest.mark.parametrize("fmt", ["mp4", "mov", "gif"])
def test_h264_formats_get_x264_presets(fmt: str) -> None:
    assert encoding.encoder_overrides(fmt, "draft")["video_encoder_options"] == {
        "preset": "ultrafast",
        "threads": "2",  # pinned: x264's bytes depend on it (chunked renders are identical)
    }
    final = encoding.encoder_overrides(fmt, "final")["video_encoder_options"]
    assert final["tune"] == "animation"


def test_webm_gets_vp9_speed_settings_not_x264_ones() -> None:
    options = encoding.encoder_overrides("webm", "draft")["video_encoder_options"]
    assert options["deadline"] == "realtime"
    assert "preset" not in options


def test_transparent_mov_is_qtrle_without_x264_options() -> None:
    assert (
        encoding.encoder_overrides("mov", "final", transparent=True)["video_encoder_options"] == {}
    )


def test_a_still_needs_no_encoder() -> None:
    assert encoding.encoder_overrides("png", "draft") == {}


def test_unknown_purpose_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown purpose 'fast'"):
        encoding.encoder_overrides("mp4", "fast")


def test_every_override_is_a_manim_config_key() -> None:
    from manim import config

    for purpose in encoding.PURPOSES:
        for fmt in ("mp4", "webm", "gif", "mov", "png"):
            for key in encoding.encoder_overrides(fmt, purpose):
                assert key in config._d, key  # tempconfig silently drops unknown keys


def test_request_overrides_read_transparent_when_the_request_has_it() -> None:
    @dataclass(frozen=True)
    class Transparent(RenderRequest):
        transparent: bool = True

    request = Transparent(get_scene("RankOneUpdate"), quality="high", fmt="mov")
    assert encoding.request_overrides(request)["video_encoder_options"] == {}
    plain = RenderRequest(get_scene("RankOneUpdate"), quality="high", fmt="mov")
    assert encoding.request_overrides(plain)["video_encoder_options"]["preset"] == "medium"


# Memory: what one render process needs, and how many fit ------------------------------------


def test_frame_sizes_are_manims_presets() -> None:
    from manim.constants import QUALITIES

    from lowrank_anim.pipeline.request import QUALITY_PRESETS

    for quality in ("low", "medium", "high", "production", "4k"):
        preset = QUALITIES[QUALITY_PRESETS[quality]]
        assert encoding.frame_pixels(quality) == preset["pixel_width"] * preset["pixel_height"]


def test_4k_frames_keep_one_finishing_encoder_and_a_short_queue() -> None:
    big = encoding.encoder_overrides("mp4", "final", pixels=encoding.frame_pixels("4k"))
    assert big["max_inflight_encoders"] == 1
    assert big["encoder_queue_size"] == 4
    hd = encoding.encoder_overrides("mp4", "final", pixels=encoding.frame_pixels("high"))
    assert hd["max_inflight_encoders"] == 2
    assert "encoder_queue_size" not in hd


GIB = 2**30


def test_eight_4k_jobs_do_not_exhaust_a_16_gb_laptop() -> None:
    jobs = encoding.jobs_within_memory("4k", 8, 16 * GIB)
    assert jobs == 5
    assert jobs * encoding.job_peak_bytes("4k") <= 0.8 * 16 * GIB


def test_small_renders_are_bounded_by_cores_not_memory() -> None:
    assert encoding.jobs_within_memory("low", 8, 16 * GIB) == 8
    assert encoding.jobs_within_memory("high", 2, 16 * GIB) == 2


def test_a_lone_render_is_never_refused_for_memory() -> None:
    assert encoding.jobs_within_memory("4k", 4, 1 * GIB) == 1


def test_the_per_job_estimate_covers_the_measured_peaks() -> None:
    """Measured peaks (BENCHMARKS.md): 1190 MB for RankOneUpdate at 1080p, 2.2 GB at 4K."""
    assert encoding.job_peak_bytes("high") >= 1190 * 2**20
    assert encoding.job_peak_bytes("4k") >= 2.2e9
