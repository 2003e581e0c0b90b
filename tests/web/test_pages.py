"""The gallery and live-preview pages, rendered from the package's Jinja2 templates: hostile
text is escaped wherever it lands, and each page parses to the same elements, attributes and
text as the f-string builders the templates replaced wrote (``tests/web/pages/``)."""

from __future__ import annotations

import sys
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

from lowrank_anim.authoring.preview_server import PreviewServer, live_page
from lowrank_anim.pipeline import cache
from lowrank_anim.web.clips import Clip, ClipFile
from lowrank_anim.web.embed import escape, video_html
from lowrank_anim.web.gallery import GalleryEntry, collect, gallery_html, write_gallery

HOSTILE = "</code><script>alert(1)</script>\"'{{x}} & co"
#: The pages as the f-string builders wrote them for :func:`gallery_input` (before issue 24).
#: When a page changes on purpose, write the new one here (``python -m tests.web.test_pages``).
PAGES = Path(__file__).parent / "pages"


class Parsed(HTMLParser):
    """A page as a browser's tokenizer sees it: tags with their (unescaped) attributes, and
    text runs with their whitespace collapsed; entity spellings and layout do not count."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[tuple[object, ...]] = []
        self.starts: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(("start", tag, tuple(attrs)))
        self.starts.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(("end", tag))

    def handle_decl(self, decl: str) -> None:
        self.events.append(("decl", decl.lower()))

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if not text:
            return
        if self.events and self.events[-1][0] == "text":
            self.events[-1] = ("text", f"{self.events[-1][1]} {text}")
        else:
            self.events.append(("text", text))

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.starts if tag == name]

    def texts(self) -> list[str]:
        return [str(e[1]) for e in self.events if e[0] == "text"]


def exported(folder: Path, description: str, base_url: str, theme: str, captions_on: bool,
             gif: bool) -> None:  # fmt: skip
    """An exported clip as ``render.py export`` records it, with fixed file sizes."""
    folder.mkdir(parents=True, exist_ok=True)
    roles = [("mp4", "RankOneUpdate.mp4", 400_000), ("webm", "RankOneUpdate.webm", 300_000),
             ("poster", "RankOneUpdate.png", 9_000), ("srt", "RankOneUpdate.srt", 500),
             ("vtt", "RankOneUpdate.vtt", 510)]  # fmt: skip
    if gif:
        roles.append(("gif", "RankOneUpdate.gif", 1_200_000))
    files = {}
    for role, name, size in roles:
        (folder / name).write_bytes(b"x" * size)
        files[role] = ClipFile(name, size)
    clip = Clip(scene="RankOneUpdate", description=description, width=1920, height=1080,
                fps=60, duration=21.5, theme=theme, quality="high", files=files,
                base_url=base_url, encoders={"mp4": "H.264 <tuned> & \"quoted\"", "webm": "VP9"},
                captions_on=captions_on)  # fmt: skip
    (folder / "RankOneUpdate.clip.json").write_text(clip.to_json(), encoding="utf-8")
    entry = {"kind": "export", "scene": "RankOneUpdate", "theme": theme,
             "parameters": {"x": [1.5, -0.5]} if theme == "light" else {},
             "clip": "RankOneUpdate.clip.json"}  # fmt: skip
    cache.update_manifest(folder, {"RankOneUpdate.clip.json": entry})


def gallery_input(root: Path) -> list[GalleryEntry]:
    """Every kind of entry the page shows: two exported clips (one hostile, with captions
    on and a GIF), a rendered GIF (an image as the player) and a rendered video."""
    exported(root / "web", HOSTILE, 'https://x.test/"><script>y()</script>', "dark", True, True)
    exported(root / "web-light", "Plain <b>bold</b> & done", "", "light", False, False)
    entries = collect(root)
    gif = Clip(scene="InputSweep", description='Sweep <x> & "y"', width=854, height=480,
               fps=15.0, duration=3.25, theme="dark", quality="480p15",
               files={"gif": ClipFile("Input Sweep.gif", 5000),
                      "poster": ClipFile("InputSweep.poster.png", 700)},
               variant="transparent, x=[1.5,-0.5]")  # fmt: skip
    entries.append(GalleryEntry(gif, "InputSweep/480p15/", "rendered", ""))
    mp4 = Clip(scene="RankOneUpdate", description="A rank-1 update", width=854, height=480,
               fps=29.97, duration=10.0, theme="light", quality="480p15",
               files={"mp4": ClipFile("RankOneUpdate-light.mp4", 123456),
                      "srt": ClipFile("RankOneUpdate-light.srt", 321)})  # fmt: skip
    entries.append(GalleryEntry(mp4, "", "rendered", video_html(mp4)))
    return entries


def gallery_pages(root: Path) -> str:
    """The full page and the empty one, as the stored file holds them."""
    page = gallery_html(gallery_input(root), title='Clips <&> "q"', asked="--theme light")
    return page + "\n<!--EMPTY-->\n" + gallery_html([])


def served_page(title: str) -> str:
    server = PreviewServer(0, title)
    try:
        with urllib.request.urlopen(server.url, timeout=10) as reply:
            return str(reply.read().decode("utf-8"))
    finally:
        server.close()


def test_the_gallery_parses_as_the_f_string_page_did(tmp_path: Path) -> None:
    before = (PAGES / "gallery.html").read_text(encoding="utf-8")
    after = gallery_pages(tmp_path)
    assert Parsed(after).events == Parsed(before).events


def test_the_live_page_parses_as_the_f_string_page_did() -> None:
    before = (PAGES / "live_preview.html").read_text(encoding="utf-8")
    assert Parsed(served_page(HOSTILE)).events == Parsed(before).events


def test_the_comparison_sees_a_changed_attribute_or_text(tmp_path: Path) -> None:
    before = Parsed((PAGES / "gallery.html").read_text(encoding="utf-8")).events
    page = gallery_pages(tmp_path)
    assert Parsed(page.replace('loading="lazy"', 'loading="eager"', 1)).events != before
    assert Parsed(page.replace("Embed snippet", "Embed  snippet")).events == before
    assert Parsed(page.replace("Embed snippet", "Embed the snippet")).events != before


def test_hostile_text_is_escaped_in_the_gallery(tmp_path: Path) -> None:
    exported(tmp_path / "web", HOSTILE, 'https://x.test/"><script>y()</script>', "dark", True,
             False)  # fmt: skip
    page = write_gallery(tmp_path)[0].read_text(encoding="utf-8")
    title_page = gallery_html(collect(tmp_path), title=HOSTILE)
    for html_page in (page, title_page):
        parsed = Parsed(html_page)
        assert len(parsed.tags("script")) == 1, "only the page's own script"
        assert "alert(1)" not in html_page.split("<script>")[-1]
        assert "<script>alert(1)" not in html_page
        assert "y()</script>" not in html_page
    # The text survives as text, every character of it, where the page shows it.
    texts = Parsed(page).texts()
    assert HOSTILE in texts
    assert 'H.264 <tuned> & "quoted"' in texts
    assert HOSTILE in Parsed(title_page).texts()  # the <h1>
    assert Parsed(page).tags("article")[0]["data-scene"] == "RankOneUpdate"
    assert Parsed(page).tags("img")[0]["alt"] == f"Poster: {HOSTILE}"
    video = Parsed(page).tags("video")[0]
    assert video["aria-label"] == video["title"] == HOSTILE
    # The snippet is shown as text: its own markup is escaped once more, not run.
    code = next(t for t in texts if t.startswith("<video"))
    assert f'aria-label="{escape(HOSTILE)}"' in code
    assert HOSTILE not in code
    assert code.count("<source") == 2


def test_hostile_text_is_escaped_in_the_live_page() -> None:
    parsed = Parsed(live_page(HOSTILE))
    assert len(parsed.tags("script")) == 1
    assert parsed.tags("img") == [{"id": "preview", "alt": f"{HOSTILE}: last frame"}]
    assert f"{HOSTILE} · live preview" in parsed.texts()
    assert HOSTILE in parsed.texts()


@pytest.mark.parametrize("missing", ["title", "summary", "colours", "entries"])
def test_a_name_the_gallery_template_needs_cannot_be_left_out(missing: str) -> None:
    from jinja2 import UndefinedError

    from lowrank_anim.web.gallery import templates

    context = {"title": "t", "summary": "", "colours": {}, "entries": []}
    del context[missing]
    with pytest.raises(UndefinedError):
        templates().get_template("gallery.html.j2").render(**context)


def test_every_template_is_package_data() -> None:
    """A wheel (the Docker image installs one) carries only the files pyproject.toml lists."""
    import fnmatch

    root = Path(__file__).resolve().parents[2]
    data = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    listed = data["tool"]["setuptools"]["package-data"]
    templates = sorted((root / "lowrank_anim").rglob("templates/*"))
    assert templates
    for path in templates:
        package = ".".join(path.parent.parent.relative_to(root).parts)
        inside = path.relative_to(path.parent.parent).as_posix()
        globs = listed.get(package, [])
        assert any(fnmatch.fnmatch(inside, glob) for glob in globs), (package, inside)


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        (PAGES / "gallery.html").write_text(gallery_pages(Path(tmp)), encoding="utf-8")
    (PAGES / "live_preview.html").write_text(served_page(HOSTILE), encoding="utf-8")
