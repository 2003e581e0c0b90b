"""The one render context: the only ``tempconfig`` of the package, encoder settings passed
explicitly, the example built once, and one quality table that agrees with manim's."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lowrank_anim.maths import params as params_module
from lowrank_anim.maths.params import parse_assignments
from lowrank_anim.pipeline import context as context_module
from lowrank_anim.pipeline import encoding
from lowrank_anim.pipeline import request as request_module
from lowrank_anim.pipeline.context import render_context, scene_variant
from lowrank_anim.pipeline.rendering import params_record
from lowrank_anim.pipeline.request import QUALITY_PRESETS, QUALITY_TABLE, RenderRequest
from lowrank_anim.registry import get_scene
from tests.conftest import ROOT

PACKAGE = ROOT / "lowrank_anim"
CONTEXT = PACKAGE / "pipeline" / "context.py"


def test_only_the_render_context_calls_tempconfig() -> None:
    """A second ``tempconfig`` is a second copy of the render skeleton (or an outer one that
    the inner one must happen not to overwrite): configure manim in the context instead."""
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted(PACKAGE.rglob("*.py"))
        if path != CONTEXT
        for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1)
        if re.search(r"\btempconfig\s*\(", line)
    ]
    assert found == [], "configure manim through pipeline/context.py's render_context"
    assert "tempconfig(" in CONTEXT.read_text("utf-8")  # the check looks at the right thing


def test_the_quality_table_is_manims() -> None:
    from manim.constants import QUALITIES

    for name, quality in QUALITY_TABLE.items():
        manim_preset = QUALITIES[quality.preset]
        assert (quality.pixel_width, quality.pixel_height, quality.frame_rate) == (
            manim_preset["pixel_width"],
            manim_preset["pixel_height"],
            manim_preset["frame_rate"],
        ), name
        assert (
            encoding.frame_pixels(name)
            == manim_preset["pixel_width"] * (manim_preset["pixel_height"])
        )
    # Every preset manim's own CLI offers (a flag: -ql … -qk) is one of ours.
    flagged = {preset for preset, values in QUALITIES.items() if values["flag"]}
    assert set(QUALITY_PRESETS.values()) == flagged
    assert request_module.quality_help() == (
        "low 480p15, medium 720p30, high 1080p60, production 1440p60, 4k 2160p60"
    )


def test_the_example_is_built_once_per_request(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[str] = []
    real = params_module.build_example

    def counting(*args: object) -> object:
        built.append("example")
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(request_module, "build_example", counting)
    request = RenderRequest(get_scene("RankOneUpdate"), params=parse_assignments(["x=1,2"]))
    variant = scene_variant(request.scene.load(), request)
    record = params_record(request)
    assert built == ["example"]
    assert variant.example is request.example
    assert record["drawn"]["x"] == [1.0, 2.0]


def test_the_context_configures_manim_and_undoes_it(tmp_path: Path) -> None:
    """Encoder settings and the caller's keys go into one configuration, the caller's winning;
    on the way out manim's configuration is as it was and the temporary folder is gone."""
    from manim import config

    before = config.copy()
    request = RenderRequest(get_scene("RankOneUpdate"), theme="light")
    encoder = {"video_encoder_options": {"preset": "veryslow"}, "max_inflight_encoders": 3}
    overrides = {"max_inflight_encoders": 1, "frame_rate": 5}
    with render_context(
        request, tex_store=tmp_path, encoder=encoder, overrides=overrides
    ) as context:
        media = context.media_dir
        assert media.is_dir()
        assert media.name.startswith("lowrank-render-")
        assert config.media_dir == str(media)
        assert config.video_encoder_options == {"preset": "veryslow"}
        assert config.max_inflight_encoders == 1
        assert config.frame_rate == 5
        assert config.pixel_height == QUALITY_TABLE["low"].pixel_height
        assert config.tex_dir == context.caches["tex_dir"]
        assert context.scene_class.theme_name == "light"
    assert not media.exists()
    assert config.media_dir == before.media_dir
    assert config.video_encoder_options == before.video_encoder_options
    assert config.max_inflight_encoders == before.max_inflight_encoders


def test_an_error_in_the_context_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lowrank_anim.pipeline import texstore

    monkeypatch.delenv(texstore.STORE_ENV, raising=False)  # this output folder's own store
    request = RenderRequest(get_scene("RankOneUpdate"))
    final = tmp_path / "out" / "RankOneUpdate.mp4"
    seen: list[Path] = []

    def interrupted() -> None:
        with render_context(request, tex_store=tmp_path, beside=final) as context:
            seen.append(context.media_dir)
            assert context.media_dir.parent == final.parent
            (context.media_dir / "half-written.mp4").write_bytes(b"x")
            (Path(context.caches["tex_dir"]) / "new.svg").write_text("<svg></svg>")
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        interrupted()
    [media] = seen
    assert not media.exists()
    assert not final.parent.exists(), "the folder made for the scratch folder is gone too"
    assert sorted(p.name for p in (tmp_path / ".cache").iterdir()) == ["tex", "text"]
    assert list((tmp_path / ".cache" / "tex").iterdir()) == [], "a failed render stores nothing"


def test_output_names_the_missing_file(tmp_path: Path) -> None:
    request = RenderRequest(get_scene("RankOneUpdate"), fmt="png")

    class Writer:
        image_file_path = str(tmp_path / "none.png")

    class Renderer:
        file_writer = Writer()

    class Scene:
        renderer = Renderer()

    with (
        render_context(request, tmp_path / "media", tex_store=tmp_path) as context,
        pytest.raises(context_module.RenderError, match="wrote no png file for RankOneUpdate"),
    ):
        context.output(Scene())
