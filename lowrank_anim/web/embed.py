"""Ready-to-paste embed snippets for exported clips: an HTML ``<video>`` block and a Markdown /
Liquid variant, built from a clip's manifest.

The HTML block (what it holds and why):

* ``poster`` — the clip's last frame, shown before playback, so the page is not a black box;
* two ``<source>`` elements, **smallest file first**: a browser plays the first one it can, so
  most readers download the smaller encoding, and a browser without VP9 (old Safari) or without
  H.264 (some Linux builds) still finds one it plays;
* ``playsinline muted loop`` — an explainer loops silently and never hijacks a phone's screen;
  ``controls`` by default (readers pause and scrub to study a step; ``--no-controls`` for a
  decorative loop) and ``autoplay`` only on request (``--autoplay``; muted videos may
  autoplay in every major browser, but several clips playing at once cost readers data);
* ``width``/``height`` — the real pixel size, so the page reserves the right space before the
  video loads, with ``max-width:100%;height:auto`` so it still shrinks to the column;
* ``<track kind="captions">`` pointing at a **WebVTT** file (browsers ignore ``.srt`` in a
  ``<track>``), converted from manim's subtitles: one caption per beat of the story;
* ``aria-label`` and ``title`` — the scene's registry description (``<video>`` has no ``alt``),
  and a download link inside the element for browsers that play neither source.

Every attribute value and text node goes through :func:`html.escape` with ``quote=True``;
``--base-url`` may only be an http(s) URL or a path, never ``javascript:`` or another scheme.
The Markdown/Liquid variant is the same block written so that Markdown keeps it as raw HTML
(no blank or indented lines inside) and Liquid (Jekyll) leaves it alone (braces are written
as character references, so no ``{{``/``{%`` can reach the template engine).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

#: MIME types of the files a clip may have, as ``<source type>`` and the gallery use them.
MIME_TYPES = {
    "mp4": "video/mp4",
    "webm": 'video/webm; codecs="vp9"',
    "mov": "video/quicktime",
    "gif": "image/gif",
    "poster": "image/png",
    "srt": "application/x-subrip",
    "vtt": "text/vtt",
}
VIDEO_ROLES = ("webm", "mp4", "mov")

MANIFEST_SUFFIX = ".clip.json"


class BaseUrlError(ValueError):
    """A ``--base-url`` that is not an http(s) URL or a path; the message names the fix."""


@dataclass(frozen=True)
class ClipFile:
    """One file of a clip, named relative to the clip's folder."""

    name: str
    size: int


@dataclass
class Clip:
    """Everything a snippet or the gallery needs to know about one exported clip."""

    scene: str
    description: str
    width: int
    height: int
    fps: float
    duration: float
    theme: str = "dark"
    quality: str = ""
    files: dict[str, ClipFile] = field(default_factory=dict)
    """Role (``mp4``, ``webm``, ``poster``, ``gif``, ``srt``, ``vtt``) → file."""
    encoders: dict[str, str] = field(default_factory=dict)
    """Role → the encoder settings used, for the gallery's parameter list."""
    base_url: str = ""
    autoplay: bool = False
    controls: bool = True
    variant: str = ""
    """What sets this clip apart from the scene's default (transparent, custom numbers)."""

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Clip:
        data: dict[str, Any] = json.loads(text)
        data["files"] = {role: ClipFile(**f) for role, f in data.get("files", {}).items()}
        return cls(**data)

    @classmethod
    def load(cls, manifest: Path) -> Clip:
        return cls.from_json(manifest.read_text(encoding="utf-8"))

    def sources(self) -> list[str]:
        """The video roles this clip has, smallest file first (the order browsers try them)."""
        present = [role for role in VIDEO_ROLES if role in self.files]
        return sorted(present, key=lambda role: (self.files[role].size, VIDEO_ROLES.index(role)))


def check_base_url(base_url: str) -> str:
    """``base_url`` if it is an http(s) URL, a protocol-relative URL or a path, else
    :class:`BaseUrlError` (a ``javascript:`` URL in a link would run script)."""
    if any(ch in base_url for ch in "\r\n\t\0"):
        raise BaseUrlError("--base-url must be one line without control characters")
    scheme = urlsplit(base_url).scheme
    if scheme and scheme.lower() not in ("http", "https"):
        raise BaseUrlError(
            f"--base-url must be an http(s) URL or a path like /assets/clips, not a {scheme}: URL"
        )
    return base_url


def url_for(base_url: str, name: str) -> str:
    """Where the site serves ``name``: ``base_url/name`` (file name percent-encoded)."""
    quoted = quote(name)
    if not base_url:
        return quoted
    return f"{base_url.rstrip('/')}/{quoted}"


def attr(value: object) -> str:
    """An attribute value, escaped (quotes included) for a double-quoted attribute."""
    return html.escape(str(value), quote=True)


def video_html(
    clip: Clip,
    *,
    base_url: str | None = None,
    autoplay: bool | None = None,
    controls: bool | None = None,
    indent: str = "  ",
) -> str:
    """The ``<video>`` block for ``clip``; options default to what the clip was exported with."""
    base = check_base_url(clip.base_url if base_url is None else base_url)
    autoplay = clip.autoplay if autoplay is None else autoplay
    controls = clip.controls if controls is None else controls

    flags = [name for name, on in (("controls", controls), ("autoplay", autoplay)) if on]
    flags += ["playsinline", "muted", "loop"]
    attributes = [
        f'width="{attr(clip.width)}"',
        f'height="{attr(clip.height)}"',
    ]
    if "poster" in clip.files:
        attributes.append(f'poster="{attr(url_for(base, clip.files["poster"].name))}"')
    attributes += [
        'preload="metadata"',
        *flags,
        f'aria-label="{attr(clip.description)}"',
        f'title="{attr(clip.description)}"',
        'style="max-width:100%;height:auto"',
    ]
    lines = [f"<video {' '.join(attributes)}>"]
    for role in clip.sources():
        src = url_for(base, clip.files[role].name)
        lines.append(f'{indent}<source src="{attr(src)}" type="{attr(MIME_TYPES[role])}">')
    if "vtt" in clip.files:
        src = url_for(base, clip.files["vtt"].name)
        lines.append(
            f'{indent}<track kind="captions" src="{attr(src)}" srclang="en" label="English">'
        )
    # The download link is for browsers that play neither source: H.264 opens everywhere.
    fallback = "mp4" if "mp4" in clip.files else next(iter(clip.sources()), None)
    if fallback is not None:
        href = url_for(base, clip.files[fallback].name)
        lines.append(
            f'{indent}<a href="{attr(href)}">{html.escape(clip.description)} '
            f"({attr(fallback.upper())} video)</a>"
        )
    lines.append("</video>")
    return "\n".join(lines) + "\n"


def liquid_safe(text: str) -> str:
    """``text`` with its braces as character references, so Liquid sees no tags in it."""
    return text.replace("{", "&#123;").replace("}", "&#125;")


def markdown_snippet(
    clip: Clip,
    *,
    base_url: str | None = None,
    autoplay: bool | None = None,
    controls: bool | None = None,
) -> str:
    """The Markdown/Liquid variant: a raw HTML block that Markdown passes through untouched
    (no blank or indented lines) and Liquid leaves alone (no braces)."""
    block = video_html(clip, base_url=base_url, autoplay=autoplay, controls=controls, indent="")
    # A comment may not contain "--"; scene names are identifiers, but say so rather than trust.
    name = re.sub(r"[^A-Za-z0-9_]+", "_", clip.scene)
    comment = f"<!-- {name}: lowrank-anim clip (raw HTML, safe in Markdown and Liquid) -->"
    return liquid_safe(f"{comment}\n{block}")


def srt_to_vtt(srt: str) -> str:
    """Convert SubRip subtitles to WebVTT (what ``<track>`` needs).

    Timestamps take a dot instead of a comma; cue text has ``&``, ``<`` and ``>`` escaped
    (WebVTT cue text is markup, and ``-->`` may not appear in it).
    """
    blocks = re.split(r"\n\s*\n", srt.replace("\r\n", "\n").replace("\r", "\n").strip())
    cues = []
    timing = re.compile(r"^(\d+:\d\d:\d\d)[,.](\d{3})\s*-->\s*(\d+:\d\d:\d\d)[,.](\d{3})(.*)$")
    for block in blocks:
        lines = block.split("\n")
        index = next((i for i, line in enumerate(lines) if timing.match(line.strip())), None)
        if index is None:
            continue
        match = timing.match(lines[index].strip())
        assert match is not None
        start, start_ms, end, end_ms, _ = match.groups()
        text = "\n".join(html.escape(line, quote=False) for line in lines[index + 1 :] if line)
        identifier = lines[index - 1].strip() if index > 0 else ""
        head = f"{identifier}\n" if identifier and "-->" not in identifier else ""
        cues.append(f"{head}{start}.{start_ms} --> {end}.{end_ms}\n{text}")
    return "WEBVTT\n\n" + "\n\n".join(cues) + ("\n" if cues else "")
