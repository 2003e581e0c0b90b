"""Preview: section choice, file names, the viewer, CLI errors, and a few real PNG renders."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

import render
from lowrank_anim.authoring import preview
from lowrank_anim.authoring.preview import PreviewRequest, SectionChoice, slugify, viewer_command
from lowrank_anim.cli import preview as preview_cli
from lowrank_anim.pipeline import texstore
from lowrank_anim.registry import SCENES, get_scene
from tests.scene_checks import RANK_ONE_BEATS


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(render.cli, list(args), prog_name="render.py")
    return result.exit_code, result.output


def test_section_is_a_number_or_a_name() -> None:
    assert SectionChoice.parse("3") == SectionChoice(number=3)
    assert SectionChoice.parse(" Frozen W ") == SectionChoice(name="Frozen W")
    assert SectionChoice.parse("frozen w").matches(2, "Frozen W")
    assert not SectionChoice.parse("2").matches(3, "Frozen W")
    for bad in ("0", "", "  "):
        with pytest.raises(ValueError, match="section"):
            SectionChoice.parse(bad)


def test_preview_paths_say_theme_and_section() -> None:
    spec = get_scene("RankOneUpdate")
    out = Path("media")
    assert PreviewRequest(spec).output_path(out) == Path(
        "media/RankOneUpdate/preview/RankOneUpdate.png"
    )
    assert PreviewRequest(spec, theme="light").output_path(out, (4, "Alpha is v dot x")) == Path(
        "media/RankOneUpdate/preview/RankOneUpdate-light.section-4-alpha-is-v-dot-x.png"
    )
    assert slugify("α = vᵀx!") == "v-x"
    assert slugify("***") == ""


def test_viewer_is_xdg_open_on_linux_and_open_only_on_macos(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    found = {"xdg-open": "/usr/bin/xdg-open", "open": "/usr/bin/open"}
    monkeypatch.setattr(shutil, "which", found.get)
    assert viewer_command("linux") == ["/usr/bin/xdg-open"]
    assert viewer_command("darwin") == ["/usr/bin/open"]
    # Debian's /usr/bin/open is openvt: never use it on Linux.
    del found["xdg-open"]
    assert viewer_command("linux") is None


def test_open_without_a_viewer_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    png = tmp_path / "x.png"
    monkeypatch.setattr(preview_cli, "render_preview", lambda *_a, **_k: preview.PreviewResult(png))
    monkeypatch.setattr(preview, "viewer_command", lambda *_: None)
    monkeypatch.setattr(preview_cli, "open_in_viewer", preview.open_in_viewer)
    result = CliRunner().invoke(
        render.cli, ["preview", "RankOneUpdate", "--open", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0
    assert result.stdout == f"{png}\n"
    assert result.stderr == f"no system image viewer found (xdg-open); open {png} yourself\n"


def test_open_uses_the_viewer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    png = tmp_path / "x.png"
    opened: list[list[str]] = []
    monkeypatch.setattr(preview_cli, "render_preview", lambda *_a, **_k: preview.PreviewResult(png))
    monkeypatch.setattr(preview, "viewer_command", lambda *_: ["/usr/bin/xdg-open"])
    monkeypatch.setattr(subprocess, "Popen", lambda cmd, **_: opened.append(cmd))
    result = CliRunner().invoke(
        render.cli, ["preview", "RankOneUpdate", "--open", "-o", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert opened == [["/usr/bin/xdg-open", str(png)]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["preview", "RankOneUpdate", "--serve", "8000"],
            "Error: --serve needs --watch (the page refreshes on rebuilds) "
            "(see `render.py preview --help`)",
        ),
        (
            ["preview", "RankOneUpdate", "--section", "0"],
            "Error: Invalid value for '--section': section numbers start at 1 "
            "(see `render.py preview --help`)",
        ),
        (
            ["preview", "RankOneUpdat"],
            "Error: Invalid value for SCENE: unknown scene 'RankOneUpdat'. Did you mean "
            f"RankOneUpdate? Valid scenes: {', '.join(SCENES)} (see `render.py list`).",
        ),
        (
            ["preview", "RankOneUpdate", "--serve", "70000", "--watch"],
            "Error: Invalid value for '--serve': 70000 is not in the range 0<=x<=65535. "
            "(see `render.py preview --help`)",
        ),
    ],
)
def test_bad_preview_invocations(args: list[str], message: str) -> None:
    code, out = run(*args)
    assert code == 2
    assert out.strip() == message


# Real renders (low quality, last frame only) ------------------------------------------------


@pytest.mark.render
def test_preview_is_a_small_png_of_the_last_frame(tmp_path: Path) -> None:
    code, out = run("preview", "RankOneUpdate", "-o", str(tmp_path))
    assert code == 0, out
    path = Path(out.strip())
    assert path == tmp_path / "RankOneUpdate" / "preview" / "RankOneUpdate.png"
    with Image.open(path) as image:
        assert image.size == (854, 480)
        last = image.convert("RGB")
    # Drawing only the final frame changes no pixel: the same picture as `render -f png`.
    code, out = run("render", "RankOneUpdate", "-f", "png", "-o", str(tmp_path / "full"))
    assert code == 0, out
    with Image.open(Path(out.strip())) as full:
        assert full.convert("RGB").tobytes() == last.tobytes()
    # LaTeX is kept for the next preview (what makes watch mode fast).
    assert list(texstore.store_dir(tmp_path, "tex_dir").glob("*.svg"))
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".render-")]

    # A section's end is an earlier state of the same story.
    code, out = run("preview", "RankOneUpdate", "--section", "frozen w", "-o", str(tmp_path))
    assert code == 0, out
    section = Path(out.strip())
    assert section.name == "RankOneUpdate.section-2-frozen-w.png"
    with Image.open(section) as image:
        assert image.size == (854, 480)
        early = image.convert("RGB")
    assert early.tobytes() != last.tobytes()
    # The early frame has fewer objects: fewer distinct colours than the finished picture.
    assert len(early.getcolors(1 << 24) or []) < len(last.getcolors(1 << 24) or [])

    # The last section's end is the scene's end.
    code, out = run("preview", "RankOneUpdate", "--section", "6", "-o", str(tmp_path))
    assert code == 0, out
    with Image.open(Path(out.strip())) as image:
        assert image.convert("RGB").tobytes() == last.tobytes()


@pytest.mark.render
def test_unknown_section_lists_the_real_ones(tmp_path: Path) -> None:
    code, out = run("preview", "RankOneUpdate", "--section", "Epilogue", "-o", str(tmp_path))
    assert code == 2
    listed = ", ".join(f"{n} {name!r}" for n, name in enumerate(RANK_ONE_BEATS, start=1))
    assert out.strip() == (
        "Error: Invalid value for '--section': RankOneUpdate has no section 'Epilogue'; its "
        f"sections are {listed} — pass --section with one of those numbers or names "
        "(see `render.py preview --help`)"
    )
    # Nothing left behind: the preview folder is empty, or (made by this failure) removed.
    preview_dir = tmp_path / "RankOneUpdate" / "preview"
    assert not preview_dir.exists() or not list(preview_dir.iterdir())
    assert not list(tmp_path.rglob("*.png"))
