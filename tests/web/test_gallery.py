"""The gallery page without rendering: what it finds, what it escapes, how it is written."""

from __future__ import annotations

import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import render
from lowrank_anim.pipeline import cache
from lowrank_anim.web.clips import Clip, ClipFile
from lowrank_anim.web.gallery import collect, gallery_html, write_gallery

HOSTILE = "</code><script>alert(1)</script>\"'{{x}}"


def tiny_video(path: Path) -> Path:
    """A real 1-second 64×36 H.264 file, made by ffmpeg in a blink."""
    path.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin", "-y",
         "-f", "lavfi", "-i", "testsrc=size=64x36:rate=15:duration=1",
         "-pix_fmt", "yuv420p", str(path)],
        check=True,
    )  # fmt: skip
    return path


def write_manifest(
    folder: Path,
    description: str,
    base_url: str = "/clips",
    theme: str = "dark",
    numbers: dict[str, Any] | None = None,
) -> Clip:
    """An exported clip as ``render.py export`` records it (``numbers`` in ``as_json`` form)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for role, name in (("mp4", "RankOneUpdate.mp4"), ("poster", "RankOneUpdate.png")):
        (folder / name).write_bytes(b"x" * 2048)
        files[role] = ClipFile(name, 2048)
    clip = Clip(
        scene="RankOneUpdate",
        description=description,
        width=1920,
        height=1080,
        fps=60,
        duration=21.5,
        theme=theme,
        quality="high",
        files=files,
        base_url=base_url,
        encoders={"mp4": "H.264 <tuned>"},
    )
    (folder / "RankOneUpdate.clip.json").write_text(clip.to_json(), encoding="utf-8")
    entry = {
        "kind": "export",
        "scene": "RankOneUpdate",
        "theme": theme,
        "parameters": numbers or {},
        "clip": "RankOneUpdate.clip.json",
    }
    cache.update_manifest(folder, {"RankOneUpdate.clip.json": entry})
    return clip


def record_render(root: Path, name: str, **fields: Any) -> Path:
    """A real tiny video at ``root/name`` (and a poster beside it) with its manifest entry,
    as a render leaves them."""
    path = tiny_video(root / name)
    poster = path.with_suffix(".poster.png")
    poster.write_bytes(b"png" * 10)
    scene = fields.pop("scene", "RankOneUpdate")
    entry = {
        "scene": scene,
        "format": path.suffix[1:],
        "theme": "dark",
        "resolution": "480p15",
        "duration": 1.0,
        "parameters": {},
        "companions": {poster.name: poster.stat().st_size},
        **fields,
    }
    cache.update_manifest(root, {name: entry})
    return path


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.scripts: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts.append(data)


def test_lists_what_the_manifests_record_every_variant_with_a_poster(tmp_path: Path) -> None:
    write_manifest(tmp_path / "web", "desc")
    record_render(tmp_path, "RankOneUpdate/480p15/RankOneUpdate.mp4")
    record_render(tmp_path, "RankOneUpdate/480p15/RankOneUpdate-light.webm", theme="light")
    # The variants the old file-name parser dropped: custom numbers, transparency.
    record_render(
        tmp_path,
        "RankOneUpdate/480p15/RankOneUpdate-light-p962313.mp4",
        theme="light",
        parameters={"params": {"values": [["x", [1.5, -0.5]]]}},
    )
    record_render(
        tmp_path,
        "RankOneUpdate/480p15/RankOneUpdate-transparent.webm",
        parameters={"transparent": True},
    )
    # Files no manifest records are not clips, whatever their names say.
    tiny_video(tmp_path / "RankOneUpdate" / "480p15" / "Stray.mp4")
    tiny_video(tmp_path / ".cache" / "x" / "y" / "RankOneUpdate.mp4")
    # A recorded file that is gone is left out.
    gone = record_render(tmp_path, "RankOneUpdate/480p15/RankOneUpdate.mov")
    gone.unlink()
    entries = collect(tmp_path)
    assert [(e.kind, e.folder, e.clip.theme, e.clip.variant) for e in entries] == [
        ("exported", "web/", "dark", ""),
        ("rendered", "RankOneUpdate/480p15/", "light", "x=[1.5,-0.5]"),
        ("rendered", "RankOneUpdate/480p15/", "light", ""),
        ("rendered", "RankOneUpdate/480p15/", "dark", "transparent"),
        ("rendered", "RankOneUpdate/480p15/", "dark", ""),
    ]
    rendered = entries[-1].clip
    assert (rendered.width, rendered.height, rendered.fps) == (64, 36, 15)
    assert rendered.description.startswith("A rank-1 update")
    assert 'src="RankOneUpdate/480p15/RankOneUpdate.mp4"' in entries[-1].snippet
    for entry in entries[1:]:
        assert entry.clip.files["poster"].name.endswith(".poster.png")
        assert 'poster="RankOneUpdate/480p15/' in entry.snippet


def test_hostile_values_are_escaped_everywhere(tmp_path: Path) -> None:
    write_manifest(tmp_path / "web", HOSTILE, base_url='https://x.test/"><script>y()</script>')
    page = gallery_html(collect(tmp_path))
    parser = Tags()
    parser.feed(page)
    assert parser.tags.count("script") == 1, "only the page's own script"
    assert "alert(1)" not in "".join(parser.scripts)
    assert "<tuned>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_unsafe_or_broken_manifests_are_left_out(tmp_path: Path) -> None:
    write_manifest(tmp_path / "a", "fine")
    write_manifest(tmp_path / "b", "evil", base_url="javascript:alert(1)//")
    write_manifest(tmp_path / "c", "broken")
    (tmp_path / "c" / "RankOneUpdate.clip.json").write_text("{not json", encoding="utf-8")
    assert [e.folder for e in collect(tmp_path)] == ["a/"]


def test_page_is_self_contained(tmp_path: Path) -> None:
    write_manifest(tmp_path / "web", "desc", base_url="https://cdn.example.com/clips")
    page = gallery_html(collect(tmp_path))
    # The snippet may mention the site's URLs, but nothing the page loads is remote.
    loaded = re.findall(
        r'<(?:img|video|source|track|script|link)\b[^>]*?\b(?:src|href)="([^"]*)"', page
    )
    assert loaded
    assert all(not re.match(r"^(https?:)?//", url) for url in loaded), loaded
    assert "<link" not in page
    assert "navigator.clipboard" in page
    assert 'document.execCommand("copy")' in page


def test_empty_gallery_says_how_to_fill_it(tmp_path: Path) -> None:
    result = CliRunner().invoke(render.cli, ["gallery", "-o", str(tmp_path)])
    assert result.exit_code == 0
    assert result.stdout == f"{tmp_path / 'index.html'}  (0 clips)\n"
    assert result.stderr == (
        f"no clips recorded under {tmp_path} (manifest.json); render or export some first: "
        f"`render.py render SCENE -o {tmp_path}` or `render.py export SCENE`\n"
    )
    assert "render.py export SCENE --web" in (tmp_path / "index.html").read_text()


def test_gallery_is_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "index.html").write_text("old page", encoding="utf-8")
    import lowrank_anim.web.gallery as gallery

    def explode(*_: object, **__: object) -> str:
        raise RuntimeError("disk full")

    monkeypatch.setattr(gallery, "gallery_html", explode)
    with pytest.raises(RuntimeError):
        write_gallery(tmp_path)
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == "old page"
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]


def recorded_variants(root: Path) -> None:
    """Four rendered variants and one export with custom numbers, as the manifests record them."""
    record_render(root, "RankOneUpdate/480p15/RankOneUpdate.mp4")
    record_render(root, "RankOneUpdate/480p15/RankOneUpdate-light.mp4", theme="light")
    # The file name says "dark" and no numbers: the filter must read the manifest, not this.
    record_render(
        root,
        "RankOneUpdate/480p15/RankOneUpdate.webm",
        theme="light",
        parameters={"params": {"values": [["x", [1.0, 2.0]]]}},
    )
    record_render(
        root,
        "RankOneUpdate/480p15/RankOneUpdate-transparent.webm",
        parameters={"transparent": True},
    )
    write_manifest(root / "web", "desc", theme="light", numbers={"x": [1.0, 2.0]})


def gallery(root: Path, *options: str) -> Any:
    return CliRunner().invoke(render.cli, ["gallery", "-o", str(root), *options])


def listed(root: Path) -> list[str]:
    """What the written page lists: each clip's heading subtitle."""
    page = (root / "index.html").read_text(encoding="utf-8")
    return re.findall(r"<h2>RankOneUpdate <small>([^<]*)</small>", page)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((), ["exported · light · high · x=[1.0,2.0]", "rendered · light · 480p15",
              "rendered · dark · 480p15 · transparent", "rendered · dark · 480p15",
              "rendered · light · 480p15 · x=[1.0,2.0]"]),
        (("--theme", "light"), ["exported · light · high · x=[1.0,2.0]",
                                "rendered · light · 480p15",
                                "rendered · light · 480p15 · x=[1.0,2.0]"]),
        (("--theme", "DARK"), ["rendered · dark · 480p15 · transparent",
                               "rendered · dark · 480p15"]),
        (("--transparent",), ["rendered · dark · 480p15 · transparent"]),
        # --set is parsed as everywhere else: 1,2 and 1.0,2 are the same numbers.
        (("--set", "x=1,2"), ["exported · light · high · x=[1.0,2.0]",
                              "rendered · light · 480p15 · x=[1.0,2.0]"]),
    ]
)  # fmt: skip
def test_scene_options_filter_on_what_the_manifest_records(
    tmp_path: Path, options: tuple[str, ...], expected: list[str]
) -> None:
    recorded_variants(tmp_path)
    result = gallery(tmp_path, *options)
    assert result.exit_code == 0, result.output
    count = len(expected)
    assert result.stdout == f"{tmp_path / 'index.html'}  ({count} clip{'s' if count > 1 else ''})\n"
    assert result.stderr == ""
    assert listed(tmp_path) == expected
    if options:
        page = (tmp_path / "index.html").read_text(encoding="utf-8")
        assert f"{count} clip{'s' if count > 1 else ''} ({' '.join(options).lower()})." in page


def test_a_filter_matching_no_clip_names_what_exists_and_keeps_the_page(tmp_path: Path) -> None:
    recorded_variants(tmp_path)
    assert gallery(tmp_path).exit_code == 0
    before = (tmp_path / "index.html").read_bytes()
    names = sorted(p.name for p in tmp_path.iterdir())
    result = gallery(tmp_path, "--theme", "dark", "--set", "x=1,2")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (
        f"Error: no clip under {tmp_path} matches --theme dark --set x=1,2; recorded variants: "
        "dark; dark, transparent; light; light, x=[1.0,2.0]\n"
    )
    assert (tmp_path / "index.html").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == names, "no scratch left behind"


def test_a_filter_on_an_empty_folder_says_how_to_fill_it(tmp_path: Path) -> None:
    result = gallery(tmp_path, "--theme", "light")
    assert result.exit_code == 0
    assert result.stdout == f"{tmp_path / 'index.html'}  (0 clips)\n"
    assert result.stderr.startswith(f"no clips recorded under {tmp_path} (manifest.json)")


def test_bad_filter_values_fail_like_every_command(tmp_path: Path) -> None:
    recorded_variants(tmp_path)
    result = gallery(tmp_path, "--set", "x=oops")
    assert result.exit_code == 2
    assert result.stderr.startswith("Error: Invalid value for '--set': ")
    assert "\n" not in result.stderr.rstrip("\n")
    result = gallery(tmp_path, "--theme", "sepia")
    assert result.exit_code == 2
    assert "Invalid value for '--theme': 'sepia' is not one of 'dark', 'light'" in result.stderr
    assert not (tmp_path / "index.html").exists()


def test_the_filter_reads_the_entries_the_cache_really_writes(tmp_path: Path) -> None:
    """Entries made by ``cache.record`` itself (not written by hand), so a change in what a
    render records breaks this test rather than silently emptying filtered pages."""
    from lowrank_anim.maths.params import collect as parse_params
    from lowrank_anim.pipeline.request import RenderRequest
    from lowrank_anim.registry import SCENES

    spec = SCENES["RankOneUpdate"]
    variants = [
        RenderRequest(spec),
        RenderRequest(spec, fmt="webm", theme="light", transparent=True),
        RenderRequest(spec, theme="light", params=parse_params(["x=1.5,-0.5"], None)),
    ]
    for request in variants:
        tiny_video(request.output_path(tmp_path))
        cache.record(request, tmp_path, "key", cache.RenderFacts(0.1, 1.0, "web"))
    assert gallery(tmp_path, "--theme", "light", "--set", "x=1.50,-0.5").exit_code == 0
    assert listed(tmp_path) == ["rendered · light · 480p15 · x=[1.5,-0.5]"]
    assert gallery(tmp_path, "--transparent").exit_code == 0
    assert listed(tmp_path) == ["rendered · light · 480p15 · transparent"]
    assert gallery(tmp_path, "--theme", "dark").exit_code == 0
    assert listed(tmp_path) == ["rendered · dark · 480p15"]


def test_set_keeps_the_clips_with_that_input_whatever_their_other_numbers(tmp_path: Path) -> None:
    """docs/authoring.md: `gallery --set x=1.5,-0.5` lists "that input's clips, any theme";
    a clip rendered with `--set x=1.5,-0.5 --set v=0.8,0.6` (docs/parameters.md's first
    example) is one of them, and one with another x is not."""
    both = {"params": {"values": [["x", [1.5, -0.5]], ["v", [0.8, 0.6]]]}}
    record_render(tmp_path, "RankOneUpdate/480p15/RankOneUpdate-pAAAA.mp4", parameters=both)
    other = {"params": {"values": [["x", [1.0, 2.0]]]}}
    record_render(tmp_path, "RankOneUpdate/480p15/RankOneUpdate-pBBBB.mp4", parameters=other)
    result = gallery(tmp_path, "--set", "x=1.5,-0.5")
    assert result.exit_code == 0, result.output
    assert listed(tmp_path) == ["rendered · dark · 480p15 · v=[0.8,0.6], x=[1.5,-0.5]"]
    result = gallery(tmp_path, "--set", "x=1.5,-0.5", "--set", "v=0.8,0.6")
    assert result.exit_code == 0, result.output
    assert gallery(tmp_path, "--set", "v=1,1").exit_code == 1


@pytest.mark.parametrize(("on", "says"), [(True, "shown from the start"), (False, "on request")])
def test_an_exported_clip_says_whether_its_captions_start_on(
    tmp_path: Path, on: bool, says: str
) -> None:
    clip = write_manifest(tmp_path / "web", "desc")
    (tmp_path / "web" / "RankOneUpdate.vtt").write_text("WEBVTT\n\n", encoding="utf-8")
    clip.files["vtt"] = ClipFile("RankOneUpdate.vtt", 8)
    clip.captions_on = on
    (tmp_path / "web" / "RankOneUpdate.clip.json").write_text(clip.to_json(), encoding="utf-8")
    page = write_gallery(tmp_path)[0].read_text(encoding="utf-8")
    assert f"<dt>captions</dt><dd>{says}" in page
    track = re.search(r"<track [^>]*>", page)
    assert track is not None
    assert (" default>" in track.group(0)) is on, "the player starts as the snippets do"
