"""Real low-quality renders, checked by decoding the files (not by trusting manim's word)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

import render
from lowrank_anim.maths.palette import get_theme
from lowrank_anim.pipeline.ffmpeg import GifSettings
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.registry import get_scene
from tests.conftest import ROOT
from tests.media_probe import probe

pytestmark = pytest.mark.render


def cli_render(out: Path, *args: str) -> Path:
    result = CliRunner().invoke(
        render.cli,
        ["render", "RankOneUpdate", "-q", "low", "-o", str(out), *args],
        prog_name="render.py",
    )
    assert result.exit_code == 0, result.output
    printed = Path(result.output.strip().splitlines()[-1])
    assert printed.is_file()
    return printed


def test_low_quality_mp4_is_a_playable_480p15_h264(tmp_path: Path) -> None:
    path = cli_render(tmp_path)
    assert path == tmp_path / "RankOneUpdate" / "480p15" / "RankOneUpdate.mp4"
    info = probe(path)
    assert (info.codec, info.width, info.height, info.fps) == ("h264", 854, 480, 15)
    assert 10 <= info.duration <= 30, "the story should take 10-30 s at normal pace"
    assert info.frames >= 15 * 10
    srt = path.with_suffix(".srt")
    assert "y = Wx" in srt.read_text(encoding="utf-8")
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".render-")]


def test_png_is_the_last_frame(tmp_path: Path) -> None:
    path = cli_render(tmp_path, "--format", "png")
    assert path.suffix == ".png"
    with Image.open(path) as image:
        assert image.size == (854, 480)
        # The last frame shows the whole story: far from a blank background.
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colours is not None
        assert len(colours) > 50


def test_webm(tmp_path: Path) -> None:
    path = cli_render(tmp_path, "--format", "webm")
    assert path.suffix == ".webm"
    info = probe(path)
    assert info.codec == "vp9"
    assert (info.width, info.height) == (854, 480)
    assert info.frames > 10


def test_gif_is_the_two_pass_palette_gif_of_export(tmp_path: Path) -> None:
    """`render -f gif` makes export's GIF (GifSettings: ≤800 px, ≤12 fps, 128 colours), not
    manim's own (854 px, 15 fps, a 256-colour palette that tints the light theme's grid)."""
    path = cli_render(tmp_path, "--format", "gif", "--theme", "light")
    assert path.name == "RankOneUpdate-light.gif"
    info = probe(path)
    settings = GifSettings()
    assert info.codec == "gif"
    assert (info.width, info.height) == (settings.width, 450)
    assert info.fps <= settings.fps
    with Image.open(path) as image:
        palette = image.getpalette()
        assert palette is not None
        assert len(palette) // 3 <= settings.colors
        # The light background keeps its colour (up to YUV rounding), not a palette's tint.
        background = get_theme("light").background.lstrip("#")
        expected = [int(background[i : i + 2], 16) for i in (0, 2, 4)]
        pixel = image.convert("RGB").getpixel((3, 3))
        assert isinstance(pixel, tuple)
        assert max(abs(a - b) for a, b in zip(pixel, expected, strict=True)) <= 3, pixel
    assert not path.with_suffix(".mp4").exists(), "the lossless mp4 was scratch, not output"


def test_light_theme_gets_its_own_file_and_background(tmp_path: Path) -> None:
    path = cli_render(tmp_path, "--format", "png", "--theme", "light")
    assert path.name == "RankOneUpdate-light.png"
    with Image.open(path) as image:
        assert image.convert("RGB").getpixel((5, 5))[0] > 200


def test_plain_manim_renders_the_scene_file(tmp_path: Path) -> None:
    manim = Path(sys.executable).with_name("manim")
    cmd = [
        str(manim if manim.exists() else shutil.which("manim")),
        "render",
        "-ql",
        "-s",
        "--media_dir",
        str(tmp_path),
        "scenes/rank_one.py",
        "RankOneUpdate",
    ]
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, timeout=300)
    assert list(tmp_path.rglob("RankOneUpdate*.png"))


def test_output_path_is_predictable() -> None:
    request = RenderRequest(get_scene("RankOneUpdate"), quality="high", fmt="webm", theme="light")
    assert request.output_path(Path("media")) == Path(
        "media/RankOneUpdate/1080p60/RankOneUpdate-light.webm"
    )
