"""Web export without rendering: the MP4 box reader, ffmpeg's absence, CLI errors."""

from __future__ import annotations

import shutil
import struct
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

import render
from lowrank_anim.core.outputs import human_size
from lowrank_anim.pipeline import cache
from lowrank_anim.web.webexport import is_faststart, top_level_boxes


def box(kind: bytes, payload: bytes = b"", large: bool = False) -> bytes:
    if large:
        return struct.pack(">I4sQ", 1, kind, 16 + len(payload)) + payload
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def test_top_level_boxes_in_file_order(tmp_path: Path) -> None:
    path = tmp_path / "a.mp4"
    path.write_bytes(box(b"ftyp", b"isom") + box(b"moov", b"x" * 20) + box(b"mdat", b"y" * 50))
    assert top_level_boxes(path) == ["ftyp", "moov", "mdat"]
    assert is_faststart(path)


def test_index_at_the_end_is_not_faststart(tmp_path: Path) -> None:
    path = tmp_path / "manim.mp4"
    # Manim's layout: the media first, the index written when encoding ends.
    path.write_bytes(box(b"ftyp") + box(b"mdat", b"y" * 50, large=True) + box(b"moov", b"x"))
    assert top_level_boxes(path) == ["ftyp", "mdat", "moov"]
    assert not is_faststart(path)


def test_box_running_to_the_end_and_missing_moov(tmp_path: Path) -> None:
    path = tmp_path / "open.mp4"
    path.write_bytes(box(b"ftyp") + struct.pack(">I4s", 0, b"mdat") + b"z" * 30)
    assert top_level_boxes(path) == ["ftyp", "mdat"]
    assert not is_faststart(path)


def test_malformed_box_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.mp4"
    path.write_bytes(struct.pack(">I4s", 4, b"ftyp") + b"\0" * 8)
    with pytest.raises(ValueError, match="malformed MP4 box at byte 0"):
        top_level_boxes(path)


@pytest.mark.parametrize(
    ("size", "text"), [(0, "0 B"), (1023, "1023 B"), (1536, "1.5 KiB"), (3 << 20, "3.0 MiB")]
)
def test_human_size(size: int, text: str) -> None:
    assert human_size(size) == text


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(render.cli, list(args), prog_name="render.py")
    return result.exit_code, result.output


def test_missing_ffmpeg_is_one_line_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shutil, "which", lambda _name: None)
    code, out = run("export", "RankOneUpdate", "--web", "-o", str(tmp_path))
    assert code == 1
    assert out.strip() == (
        "Error: ffmpeg is not installed (or not on PATH); install it with `make system-deps` "
        "(Debian/Ubuntu package ffmpeg)"
    )
    assert list(tmp_path.iterdir()) == []


def test_hostile_base_url_is_refused_before_any_work(tmp_path: Path) -> None:
    code, out = run(
        "export", "RankOneUpdate", "--base-url", "javascript:alert(1)//", "-o", str(tmp_path)
    )
    assert code == 2
    assert out.strip() == (
        "Error: Invalid value for '--base-url': --base-url must be an http(s) URL or a path "
        "like /assets/clips, not a javascript: URL (see `render.py export --help`)"
    )


def test_export_needs_scenes() -> None:
    code, out = run("export", "--web")
    assert code == 2
    assert out.strip() == "Error: name at least one scene (see `render.py list`) or pass --all"


def test_embed_before_export_says_what_to_run(tmp_path: Path) -> None:
    code, out = run("embed", "RankOneUpdate", "-o", str(tmp_path))
    assert code == 1
    assert out.strip() == (
        f"Error: no web export of RankOneUpdate in {tmp_path}; run `render.py export "
        f"RankOneUpdate --web -o {tmp_path}` first"
    )


@pytest.mark.render
def test_an_unchanged_export_is_skipped_and_a_changed_one_replaces_the_clip_whole(
    tmp_path: Path,
) -> None:
    """One cache and manifest for exports: skip what is there, replace files together, say
    what changed, leave no orphan (the GIF of an earlier export)."""
    args = ("export", "TitleCard", "-q", "low", "-o", str(tmp_path))
    code, out = run(*args, "--gif")
    assert code == 0, out
    gif = tmp_path / "TitleCard.gif"
    assert gif.is_file()
    mp4 = tmp_path / "TitleCard.mp4"
    before = mp4.stat().st_mtime_ns

    started = time.perf_counter()
    code, out = run(*args, "--gif")
    seconds = time.perf_counter() - started
    assert code == 0, out
    assert "TitleCard: unchanged since its last export; nothing re-encoded" in out
    assert mp4.stat().st_mtime_ns == before
    assert seconds < 5, "a skipped export costs no render (bench/web_export.py has the figure)"

    code, out = run(*args, "--base-url", "/clips")
    assert code == 0, out
    assert "replacing the export of TitleCard: base URL '' → '/clips', GIF True → False" in out
    assert not gif.exists(), "the old GIF went with the clip it belonged to"
    assert "/clips/TitleCard.mp4" in (tmp_path / "TitleCard.embed.html").read_text()
    entry = cache.read_manifest(tmp_path)["TitleCard.clip.json"]
    assert "TitleCard.gif" not in entry["files"]
    assert entry["request"]["base_url"] == "/clips"


@pytest.mark.render
def test_adding_or_dropping_the_gif_or_a_snippet_option_touches_only_that(
    tmp_path: Path,
) -> None:
    """README's `export --web --gif` then `export --explorable`: the second re-rendered the
    scene (2 minutes at 1080p60) and deleted the GIF, and `--gif` again re-rendered it all.
    Dropping the GIF now removes only the GIF, adding it encodes only the GIF (from the kept
    lossless render), and snippet options rewrite only the snippets."""
    args = ("export", "TitleCard", "-q", "low", "-o", str(tmp_path))
    code, out = run(*args, "--gif")
    assert code == 0, out
    assert "rendering TitleCard" in out
    media = [tmp_path / f"TitleCard{suffix}" for suffix in (".mp4", ".webm", ".png", ".vtt")]
    stamps = [path.stat().st_mtime_ns for path in media]
    gif = tmp_path / "TitleCard.gif"
    gif_bytes = gif.read_bytes()

    code, out = run(*args)  # the GIF dropped
    assert code == 0, out
    assert "GIF True → False" in out
    assert "rendering" not in out, out
    assert "encoding" not in out, out
    assert not gif.exists()
    assert [path.stat().st_mtime_ns for path in media] == stamps

    code, out = run(*args, "--gif", "--captions-on", "--base-url", "/clips")  # GIF again
    assert code == 0, out
    assert "rendering" not in out, out
    assert "encoding the GIF" in out
    assert "encoding the H.264 mp4" not in out
    assert "encoding the VP9 webm" not in out
    assert gif.read_bytes() == gif_bytes, "the same GIF, from the same lossless render"
    assert [path.stat().st_mtime_ns for path in media] == stamps
    snippet = (tmp_path / "TitleCard.embed.html").read_text()
    assert "/clips/TitleCard.mp4" in snippet
    assert "default>" in snippet
    entry = cache.read_manifest(tmp_path)["TitleCard.clip.json"]
    assert {"TitleCard.gif", "TitleCard.mp4"} <= set(entry["files"])
    assert cache.files_intact(tmp_path, entry["files"])

    code, out = run(*args, "--gif", "--captions-on", "--base-url", "/clips")
    assert "unchanged since its last export; nothing re-encoded" in out

    code, out = run(*args, "--gif", "--force")  # --force still makes everything again
    assert code == 0, out
    assert "rendering TitleCard" in out
    assert "encoding the H.264 mp4" in out
