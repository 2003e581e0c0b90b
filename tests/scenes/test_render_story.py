"""Real low-quality renders of the whole story: the longest scene once (with its per-beat clips
and captions), and a transparent webm whose alpha channel is checked by decoding it."""

from __future__ import annotations

import json
from pathlib import Path

import av
import pytest
from click.testing import CliRunner

import render
from lowrank_anim.pipeline.sections import clip_name
from lowrank_anim.registry import SCENES
from tests.media_probe import probe

pytestmark = pytest.mark.render


def cli_render(out: Path, *args: str) -> Path:
    result = CliRunner().invoke(
        render.cli, ["render", *args, "-q", "low", "-o", str(out)], prog_name="render.py"
    )
    assert result.exit_code == 0, result.output
    printed = Path(result.output.strip().splitlines()[-1])
    assert printed.is_file()
    return printed


@pytest.mark.slow  # the matrix's `render --sections` row renders FullStory in make check
def test_full_story_renders_with_a_clip_and_a_caption_per_beat(tmp_path: Path) -> None:
    from scenes.full_story import FullStory

    path = cli_render(tmp_path, "FullStory", "--sections")
    assert path == tmp_path / "FullStory" / "480p15" / "FullStory.mp4"
    info = probe(path)
    assert (info.codec, info.width, info.height, info.fps) == ("h264", 854, 480, 15)
    srt = path.with_suffix(".srt").read_text(encoding="utf-8")
    for chapter in FullStory.chapters:
        assert chapter.__name__ in SCENES
    # One caption per beat, in order, from every chapter.
    assert "W is a linear map" in srt
    assert "so z = y" in srt
    assert "span(u₁, u₂)" in srt
    assert "8 192" in srt
    clips = sorted((path.parent / "FullStory.sections").iterdir())
    captions = srt.strip().split("\n\n")
    assert len(clips) == len(captions)
    assert clips[0].name == clip_name(1, "TitleCard: Title", ".mp4")
    assert clips[-1].name.endswith("-WhyLowRank-Rank-64.mp4")
    total = 0.0
    for clip in clips:
        clip_info = probe(clip)
        assert clip_info.frames > 0
        total += clip_info.frames
    assert abs(total - info.frames) <= len(clips), "the clips add up to the video"


def test_transparent_webm_keeps_its_alpha(tmp_path: Path) -> None:
    path = cli_render(tmp_path, "TitleCard", "--transparent", "--theme", "light")
    assert path.name == "TitleCard-light-transparent.webm"
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "vp9"
        # ffmpeg's own vp9 decoder drops the alpha plane; libvpx-vp9 reads it.
        decoder = av.codec.CodecContext.create("libvpx-vp9", "r")
        frames = [f for packet in container.demux(stream) for f in decoder.decode(packet)]
    assert frames
    last = frames[-1]
    assert last.format.name == "yuva420p"
    alpha = last.to_ndarray(format="rgba")[..., 3]
    assert (alpha == 0).mean() > 0.5, "the background must be see-through"
    assert (alpha == 255).any(), "the text must be opaque"


def test_parameters_name_the_file_and_write_a_sidecar(tmp_path: Path) -> None:
    path = cli_render(tmp_path, "RankOneUpdate", "--set", "x=1.5,-0.5", "--format", "png")
    assert path.name.startswith("RankOneUpdate-p")
    assert path.suffix == ".png"
    record = json.loads(path.with_suffix(".params.json").read_text(encoding="utf-8"))
    assert record["given"] == {"x": [1.5, -0.5]}
    assert record["drawn"]["x"] == [1.5, -0.5]
    assert record["tag"] in path.name
    # The default render sits beside it, untouched.
    plain = cli_render(tmp_path, "RankOneUpdate", "--format", "png")
    assert plain.name == "RankOneUpdate.png"
    assert path.is_file()
