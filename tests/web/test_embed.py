"""Embed snippets: escaping under hostile input, base-URL rules, captions conversion."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from xml.etree import ElementTree

import pytest

from lowrank_anim.web.embed import (
    ENGINES,
    HUGO_SHORTCODE,
    BaseUrlError,
    Clip,
    ClipFile,
    check_base_url,
    hugo_usage,
    markdown_snippet,
    mdx_snippet,
    mkdocs_snippet,
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


# Blog-engine variants and captions on (tests/web/test_blog_engines.py builds them for real) ------


def test_captions_on_makes_the_track_the_default_one_in_every_variant() -> None:
    clip = make_clip()
    for engine in ENGINES.values():
        off, on = engine.make(clip), engine.make(clip, captions_on=True)
        track_off = next(
            line for line in off.splitlines() if "<track" in line or "captions=" in line
        )
        track_on = next(line for line in on.splitlines() if "<track" in line or "captions=" in line)
        assert "default" not in track_off, engine.name
        assert re.search(r'\bdefault\b|captions-on="true"', track_on), engine.name
    # An exported clip's own choice is the default, and an explicit option overrides it.
    clip.captions_on = True
    assert parse(video_html(clip)).tags[3][1].keys() >= {"default"}
    assert "default" not in parse(video_html(clip, captions_on=False)).tags[3][1]


def test_every_engine_has_its_own_snippet_file() -> None:
    suffixes = [engine.suffix for engine in ENGINES.values()]
    assert len(set(suffixes)) == len(suffixes)
    assert ENGINES["html"].make is video_html
    assert ENGINES["jekyll"].make is markdown_snippet


def test_mkdocs_variant_is_one_div_block_without_blank_lines() -> None:
    snippet = mkdocs_snippet(make_clip(description=HOSTILE))
    lines = snippet.rstrip("\n").split("\n")
    assert all(line.strip() for line in lines)
    assert not any(line.startswith(" ") for line in lines)
    assert lines[1] == '<div class="lowrank-clip">'
    assert lines[-1] == "</div>"
    assert "{" not in snippet
    parsed = parse(snippet)
    assert [tag for tag, _ in parsed.tags] == ["div", "video", "source", "source", "track", "a"]
    assert parsed.tags[1][1]["aria-label"] == HOSTILE


def test_hugo_usage_is_one_shortcode_line_whose_label_is_a_raw_string() -> None:
    description = HOSTILE + ' \\ "q" `tick` >}}'
    usage = hugo_usage(make_clip(description=description, base_url="/my clips"), autoplay=True)
    assert usage.count("\n") == 1
    assert usage.startswith("{{< lowrank-clip ")
    assert usage.endswith(" >}}\n")
    label = re.search(r"label=`([^`]*)`", usage)
    assert label is not None
    assert label.group(1) == description.replace("`", "ʼ")
    assert 'sources="/my%20clips/RankOneUpdate.mp4 /my%20clips/RankOneUpdate.webm"' in usage
    assert 'autoplay="true"' in usage
    assert "controls=" not in usage, "controls is the default"
    # The shortcode reads every parameter the usage passes.
    params = usage.removeprefix("{{< lowrank-clip").replace(label.group(0), "")
    for name in re.findall(r" ([a-z-]+)=", params):
        assert f'Get "{name}"' in HUGO_SHORTCODE, name


def jsx_to_xml(snippet: str) -> str:
    """MDX's JSX as XML, to check it is well formed: string expressions become quoted values
    (or text), the style object a string, bare attributes name="name".  Anything else in
    braces fails ``json``'s decoder, and a tag of another shape fails the XML parser."""
    body = "\n".join(line for line in snippet.splitlines() if not line.startswith("{/*"))
    decoder = json.JSONDecoder()
    out, i = [], 0
    while i < len(body):
        if body.startswith("{{", i):
            out.append('"object"')
            i = body.index("}}", i) + 2
        elif body[i] == "{":
            value, end = decoder.raw_decode(body, i + 1)
            assert body[end] == "}"
            text = html.escape(str(value), quote=True)
            out.append(f'"{text}"' if body[i - 1] == "=" else text)
            i = end + 1
        else:
            out.append(body[i])
            i += 1

    def tag(match: re.Match[str]) -> str:
        attributes = re.findall(r'\s+([A-Za-z-]+)(?:="([^"]*)")?', match.group(2))
        written = "".join(f' {name}="{value or name}"' for name, value in attributes)
        return f"<{match.group(1)}{written}{match.group(3)}>"

    attribute = r'\s+[A-Za-z-]+(?:="[^"]*")?'
    return re.sub(rf"<([a-z]+)((?:{attribute})*)\s*(/?)>", tag, "".join(out))


def test_mdx_variant_is_jsx_with_a_style_object_and_self_closed_void_tags() -> None:
    snippet = mdx_snippet(make_clip(description=HOSTILE), captions_on=True)
    assert 'style="' not in snippet, "MDX rejects a string style attribute"
    assert "style={{maxWidth" in snippet
    assert "playsInline" in snippet
    assert "srcLang=" in snippet
    for void in re.findall(r"<(?:source|track)\b[^>]*>", snippet):
        assert void.endswith(" />"), void
    root = ElementTree.fromstring(jsx_to_xml(snippet))
    assert root.tag == "video"
    assert root.attrib["aria-label"] == HOSTILE
    assert [child.tag for child in root] == ["source", "source", "track", "a"]
    assert root[2].attrib["default"] == "default"
    assert root[3].text == f"{HOSTILE} (MP4 video)"
