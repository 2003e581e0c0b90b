"""Embed snippets: escaping under hostile input, base-URL rules, captions conversion."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from lowrank_anim.web.embed import (
    BaseUrlError,
    Clip,
    ClipFile,
    check_base_url,
    markdown_snippet,
    srt_to_vtt,
    url_for,
    video_html,
)

HOSTILE = (
    "\"><script>alert('x')</script>{{ site.secret }}{% raw %}&amp; <img src=x onerror=alert(1)>"
)


def make_clip(description: str = "A rank-1 update adds α u to y.", base_url: str = "") -> Clip:
    return Clip(
        scene="RankOneUpdate",
        description=description,
        width=1920,
        height=1080,
        fps=60.0,
        duration=21.5,
        files={
            "mp4": ClipFile("RankOneUpdate.mp4", 400_000),
            "webm": ClipFile("RankOneUpdate.webm", 500_000),
            "poster": ClipFile("RankOneUpdate.png", 90_000),
            "srt": ClipFile("RankOneUpdate.srt", 500),
            "vtt": ClipFile("RankOneUpdate.vtt", 500),
        },
        base_url=base_url,
    )


class Collect(HTMLParser):
    """Every start tag with its (unescaped) attributes, and the text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(snippet: str) -> Collect:
    parser = Collect()
    parser.feed(snippet)
    parser.close()
    return parser


def test_video_block_has_everything_a_post_needs() -> None:
    parsed = parse(video_html(make_clip(base_url="/assets/clips")))
    tags = [tag for tag, _ in parsed.tags]
    assert tags == ["video", "source", "source", "track", "a"]
    video = parsed.tags[0][1]
    assert video["width"] == "1920"
    assert video["height"] == "1080"
    assert video["poster"] == "/assets/clips/RankOneUpdate.png"
    for flag in ("playsinline", "muted", "loop", "controls"):
        assert flag in video
    assert "autoplay" not in video
    assert video["aria-label"] == "A rank-1 update adds α u to y."
    sources = [attrs for tag, attrs in parsed.tags if tag == "source"]
    # Smallest file first: here the mp4.
    assert [s["src"] for s in sources] == [
        "/assets/clips/RankOneUpdate.mp4",
        "/assets/clips/RankOneUpdate.webm",
    ]
    assert sources[1]["type"] == 'video/webm; codecs="vp9"'
    track = parsed.tags[3][1]
    assert track["kind"] == "captions"
    assert track["src"] == "/assets/clips/RankOneUpdate.vtt", "browsers need WebVTT, not SRT"


def test_autoplay_and_controls_are_choices() -> None:
    video = parse(video_html(make_clip(), autoplay=True, controls=False)).tags[0][1]
    assert "autoplay" in video
    assert "controls" not in video
    assert "muted" in video, "autoplay only works muted"


def test_hostile_description_and_base_url_stay_inside_their_attributes() -> None:
    base = "https://example.com/a\"b'<c>{{d}}"
    snippet = video_html(make_clip(description=HOSTILE), base_url=base)
    assert "<script" not in snippet
    assert "<img" not in snippet
    parsed = parse(snippet)
    # Parsing gives back exactly the hostile strings: escaped, not mangled, not executed.
    assert [tag for tag, _ in parsed.tags] == ["video", "source", "source", "track", "a"]
    video = parsed.tags[0][1]
    assert video["aria-label"] == HOSTILE
    assert video["title"] == HOSTILE
    assert video["poster"] == url_for(base, "RankOneUpdate.png")
    assert parsed.tags[4][1]["href"] == url_for(base, "RankOneUpdate.mp4")
    assert HOSTILE in "".join(parsed.text)
    # Every attribute value is double-quoted with no raw quote inside.
    for value in re.findall(r'="([^"]*)"', snippet):
        assert "<" not in value
        assert ">" not in value


def test_markdown_variant_is_one_raw_html_block_that_liquid_ignores() -> None:
    snippet = markdown_snippet(make_clip(description=HOSTILE), base_url="/{{ evil }}/")
    lines = snippet.rstrip("\n").split("\n")
    assert all(line.strip() for line in lines), "a blank line would end the HTML block"
    assert not any(line.startswith("    ") for line in lines), "indented = code block"
    assert "{" not in snippet
    assert "}" not in snippet
    video = parse(snippet).tags[0][1]
    assert video["aria-label"] == HOSTILE
    assert video["poster"] == "/{{ evil }}/RankOneUpdate.png"


@pytest.mark.parametrize(
    "url", ["", "/assets/clips", "clips", "https://cdn.example.com/x", "//h/x"]
)
def test_base_url_accepts_paths_and_http(url: str) -> None:
    assert check_base_url(url) == url


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)//", "JavaScript:alert(1)", "data:text/html,x", "file:///etc"]
)
def test_base_url_refuses_other_schemes(url: str) -> None:
    with pytest.raises(BaseUrlError, match="must be an http"):
        check_base_url(url)
    with pytest.raises(BaseUrlError):
        video_html(make_clip(), base_url=url)


def test_file_names_are_percent_encoded_in_urls() -> None:
    assert url_for("/a/", "my clip#1.mp4") == "/a/my%20clip%231.mp4"
    assert url_for("", "x.mp4") == "x.mp4"


def test_clip_manifest_round_trips() -> None:
    clip = make_clip(description=HOSTILE)
    assert Clip.from_json(clip.to_json()) == clip


SRT = """1
00:00:00,000 --> 00:00:02,466
We start from an input vector x.

2
00:00:02,466 --> 00:00:05,466
Scores < 1 & weights --> y

"""


def test_srt_becomes_webvtt() -> None:
    assert srt_to_vtt(SRT) == (
        "WEBVTT\n\n"
        "1\n00:00:00.000 --> 00:00:02.466\nWe start from an input vector x.\n\n"
        "2\n00:00:02.466 --> 00:00:05.466\nScores &lt; 1 &amp; weights --&gt; y\n"
    )


def test_empty_srt_is_a_valid_empty_vtt() -> None:
    assert srt_to_vtt("") == "WEBVTT\n\n"


def test_snippet_text_is_html_escaped() -> None:
    snippet = video_html(make_clip(description="a < b & c"))
    assert html.escape("a < b & c") in snippet
