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

Every attribute value and text node goes through :func:`escape` (``html.escape``, quotes too);
``--base-url`` may only be an http(s) URL or a path, never ``javascript:`` or another scheme.
The Markdown/Liquid variant is the same block written so that Markdown keeps it as raw HTML
(no blank or indented lines inside) and Liquid (Jekyll) leaves it alone (braces are written
as character references, so no ``{{``/``{%`` can reach the template engine).

Blog engines differ in what they let through, so the export writes one variant per engine
(:data:`ENGINES`; the README's table says which file goes where):

* **Hugo** drops raw HTML with its default configuration (``<!-- raw HTML omitted -->``), so
  it gets a shortcode: one shared template (:data:`HUGO_SHORTCODE`, saved as
  ``layouts/shortcodes/lowrank-clip.html``) and a one-line ``{{< lowrank-clip … >}}`` usage
  per clip.  Hugo's templates escape every value again, and refuse a ``javascript:`` URL.
* **MkDocs** (Python-Markdown) keeps a raw HTML block whose first tag is a block-level
  element: the variant wraps the video in a ``<div>``, with no blank line inside (CommonMark
  ends an HTML block at a blank line too).
* **MDX** is JSX, not HTML: a string ``style`` attribute is an error, void tags must be
  self-closed, ``{`` starts an expression and some attributes are camel-cased; the variant
  writes every text as a JavaScript string literal (JSON), so no text can break out.

*Captions on* (``captions_on``) marks the caption track ``default``, so the browser shows it
from the start: the clips have no sound, the captions are their narration.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import srt

# The clip schema has its own module; its names are also importable from here, where the CLI
# and ``post`` have always found them.
from lowrank_anim.web.clips import MANIFEST_SUFFIX as MANIFEST_SUFFIX
from lowrank_anim.web.clips import MIME_TYPES as MIME_TYPES
from lowrank_anim.web.clips import Clip as Clip
from lowrank_anim.web.clips import ClipFile as ClipFile


class BaseUrlError(ValueError):
    """A ``--base-url`` that is not an http(s) URL or a path; the message names the fix."""


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


def escape(value: object, *, quote: bool = True) -> str:
    """The one escaper of every snippet builder (these, the explorable figure's, the
    notebook's player): ``value`` as text, ``&``, ``<`` and ``>`` escaped, and quotes too
    (``quote=False`` leaves them), so it is safe in a text node and in a double- or
    single-quoted attribute value.  Jinja2's autoescape does the same for the pages."""
    return html.escape(str(value), quote=quote)


#: The escaper under the name the explorable figure imports it by.
attr = escape


@dataclass(frozen=True)
class SnippetOptions:
    """How a snippet looks: the export's choices, each one overridable (``render.py embed``)."""

    base_url: str
    autoplay: bool
    controls: bool
    captions_on: bool

    @classmethod
    def of(
        cls,
        clip: Clip,
        *,
        base_url: str | None = None,
        autoplay: bool | None = None,
        controls: bool | None = None,
        captions_on: bool | None = None,
    ) -> SnippetOptions:
        """The options given, the clip's own for those left ``None``; the base URL checked."""
        return cls(
            check_base_url(clip.base_url if base_url is None else base_url),
            clip.autoplay if autoplay is None else autoplay,
            clip.controls if controls is None else controls,
            clip.captions_on if captions_on is None else captions_on,
        )

    def flags(self) -> list[str]:
        """The boolean attributes of ``<video>``, in the order every variant writes them."""
        chosen = (("controls", self.controls), ("autoplay", self.autoplay))
        return [name for name, on in chosen if on] + ["playsinline", "muted", "loop"]


def fallback_role(clip: Clip) -> str | None:
    """The file the download link inside ``<video>`` offers: H.264 opens everywhere."""
    return "mp4" if "mp4" in clip.files else next(iter(clip.sources()), None)


def video_html(
    clip: Clip,
    *,
    base_url: str | None = None,
    autoplay: bool | None = None,
    controls: bool | None = None,
    indent: str = "  ",
    captions_on: bool | None = None,
) -> str:
    """The ``<video>`` block for ``clip``; options default to what the clip was exported with."""
    options = SnippetOptions.of(
        clip, base_url=base_url, autoplay=autoplay, controls=controls, captions_on=captions_on
    )
    base = options.base_url
    attributes = [
        f'width="{escape(clip.width)}"',
        f'height="{escape(clip.height)}"',
    ]
    if "poster" in clip.files:
        attributes.append(f'poster="{escape(url_for(base, clip.files["poster"].name))}"')
    attributes += [
        'preload="metadata"',
        *options.flags(),
        f'aria-label="{escape(clip.description)}"',
        f'title="{escape(clip.description)}"',
        'style="max-width:100%;height:auto"',
    ]
    lines = [f"<video {' '.join(attributes)}>"]
    for role in clip.sources():
        src = url_for(base, clip.files[role].name)
        lines.append(f'{indent}<source src="{escape(src)}" type="{escape(MIME_TYPES[role])}">')
    if "vtt" in clip.files:
        src = url_for(base, clip.files["vtt"].name)
        default = " default" if options.captions_on else ""
        lines.append(
            f'{indent}<track kind="captions" src="{escape(src)}" srclang="en" label="English"'
            f"{default}>"
        )
    fallback = fallback_role(clip)
    if fallback is not None:
        href = url_for(base, clip.files[fallback].name)
        lines.append(
            f'{indent}<a href="{escape(href)}">{escape(clip.description)} '
            f"({escape(fallback.upper())} video)</a>"
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
    captions_on: bool | None = None,
) -> str:
    """The Markdown/Liquid variant: a raw HTML block that Markdown passes through untouched
    (no blank or indented lines) and Liquid leaves alone (no braces)."""
    options = dict(base_url=base_url, autoplay=autoplay, controls=controls, captions_on=captions_on)
    return raw_html_block(clip, "raw HTML, safe in Markdown and Liquid", "", options)


def mkdocs_snippet(
    clip: Clip,
    *,
    base_url: str | None = None,
    autoplay: bool | None = None,
    controls: bool | None = None,
    captions_on: bool | None = None,
) -> str:
    """The MkDocs variant: the block inside a ``<div>``, which Python-Markdown keeps as raw
    HTML, with no blank line inside (braces as character references, for macro plugins)."""
    options = dict(base_url=base_url, autoplay=autoplay, controls=controls, captions_on=captions_on)
    what = "raw HTML in a div, kept by MkDocs' Python-Markdown"
    return raw_html_block(clip, what, "div", options)


def raw_html_block(clip: Clip, what: str, wrapper: str, options: dict[str, Any]) -> str:
    """The ``<video>`` block without indentation (an indented line is a code block), after
    a comment saying ``what`` it is, inside a ``wrapper`` element if one is named, with its
    braces as character references."""
    # A comment may not contain "--"; scene names are identifiers, but say so rather than trust.
    name = re.sub(r"[^A-Za-z0-9_]+", "_", clip.scene)
    block = video_html(clip, indent="", **options)
    if wrapper:
        block = f'<{wrapper} class="lowrank-clip">\n{block}</{wrapper}>\n'
    return liquid_safe(f"<!-- {name}: lowrank-anim clip ({what}) -->\n{block}")


#: Where a Hugo site looks for the shortcode template, relative to the site (and to the export).
HUGO_SHORTCODE_PATH = Path("layouts") / "shortcodes" / "lowrank-clip.html"

#: The Hugo shortcode: the same ``<video>`` block as :func:`video_html`, from the named
#: parameters of :func:`hugo_usage`.  Go's html/template escapes every value for where it goes
#: (and turns a ``javascript:`` URL into ``#ZgotmplZ``).
HUGO_SHORTCODE = """\
{{- /* lowrank-anim clip, written by `render.py export`: the same <video> as SCENE.embed.html.
  Usage (one line, SCENE.embed.hugo.md): {{< lowrank-clip width="…" height="…" poster="…"
  sources="SMALLEST LARGER" captions="….vtt" download="….mp4" label=`…` >}}, plus
  controls="false", autoplay="true" or captions-on="true" to change those. */ -}}
<video width="{{ .Get "width" }}" height="{{ .Get "height" }}"
{{- with .Get "poster" }} poster="{{ . }}"{{ end }} preload="metadata"
{{- if ne (.Get "controls") "false" }} controls{{ end }}
{{- if eq (.Get "autoplay") "true" }} autoplay{{ end }} playsinline muted loop \
aria-label="{{ .Get "label" }}" title="{{ .Get "label" }}" style="max-width:100%;height:auto">
{{- range split (.Get "sources") " " }}
  <source src="{{ . }}" type="
  {{- if strings.HasSuffix . ".webm" }}video/webm; codecs=&quot;vp9&quot;
  {{- else if strings.HasSuffix . ".mov" }}video/quicktime
  {{- else }}video/mp4{{ end }}">
{{- end }}
{{- with .Get "captions" }}
  <track kind="captions" src="{{ . }}" srclang="en" label="English"
  {{- if eq ($.Get "captions-on") "true" }} default{{ end }}>
{{- end }}
{{- with .Get "download" }}
  {{- $kind := upper (strings.TrimPrefix "." (path.Ext .)) }}
  <a href="{{ . }}">{{ $.Get "label" }} ({{ $kind }} video)</a>
{{- end }}
</video>
"""


def hugo_value(url: str) -> str:
    """A URL as a quoted shortcode value: spaces (the list separator) and quotes encoded."""
    return '"' + url.replace(" ", "%20").replace('"', "%22") + '"'


def hugo_usage(
    clip: Clip,
    *,
    base_url: str | None = None,
    autoplay: bool | None = None,
    controls: bool | None = None,
    captions_on: bool | None = None,
) -> str:
    """The Hugo variant: one ``{{< lowrank-clip … >}}`` line for :data:`HUGO_SHORTCODE`.

    The label is a raw string (backquoted): Hugo takes everything in it as it is, quotes,
    backslashes and ``>}}`` included; only a backquote cannot be written, so it becomes ʼ.
    """
    options = SnippetOptions.of(
        clip, base_url=base_url, autoplay=autoplay, controls=controls, captions_on=captions_on
    )

    def url(role: str) -> str:
        return hugo_value(url_for(options.base_url, clip.files[role].name))

    params = [f'width="{clip.width}"', f'height="{clip.height}"']
    if "poster" in clip.files:
        params.append(f"poster={url('poster')}")
    sources = " ".join(url(role)[1:-1] for role in clip.sources())
    params.append(f'sources="{sources}"')
    if "vtt" in clip.files:
        params.append(f"captions={url('vtt')}")
    fallback = fallback_role(clip)
    if fallback is not None:
        params.append(f"download={url(fallback)}")
    params.append("label=`" + clip.description.replace("`", "ʼ") + "`")
    if not options.controls:
        params.append('controls="false"')
    if options.autoplay:
        params.append('autoplay="true"')
    if options.captions_on:
        params.append('captions-on="true"')
    return f"{{{{< lowrank-clip {' '.join(params)} >}}}}\n"


def jsx(value: object) -> str:
    """A JSX attribute value or child: a JavaScript string literal in braces (JSON is one), so
    no quote, brace or ``<`` in it can end it early."""
    return "{" + json.dumps(str(value), ensure_ascii=False) + "}"


def mdx_snippet(
    clip: Clip,
    *,
    base_url: str | None = None,
    autoplay: bool | None = None,
    controls: bool | None = None,
    captions_on: bool | None = None,
) -> str:
    """The MDX variant: the same element as JSX (a style object, camel-cased ``playsInline``
    and ``srcLang``, self-closed void tags, every text a string expression)."""
    options = SnippetOptions.of(
        clip, base_url=base_url, autoplay=autoplay, controls=controls, captions_on=captions_on
    )
    base = options.base_url
    flags = ["playsInline" if flag == "playsinline" else flag for flag in options.flags()]
    attributes = [f"width={{{int(clip.width)}}}", f"height={{{int(clip.height)}}}"]
    if "poster" in clip.files:
        attributes.append(f"poster={jsx(url_for(base, clip.files['poster'].name))}")
    attributes += [
        'preload="metadata"',
        *flags,
        f"aria-label={jsx(clip.description)}",
        f"title={jsx(clip.description)}",
        'style={{maxWidth: "100%", height: "auto"}}',
    ]
    name = re.sub(r"[^A-Za-z0-9_]+", "_", clip.scene)
    lines = [f"{{/* {name}: lowrank-anim clip (MDX) */}}", f"<video {' '.join(attributes)}>"]
    for role in clip.sources():
        src = jsx(url_for(base, clip.files[role].name))
        lines.append(f"  <source src={src} type={jsx(MIME_TYPES[role])} />")
    if "vtt" in clip.files:
        default = " default" if options.captions_on else ""
        src = jsx(url_for(base, clip.files["vtt"].name))
        lines.append(f'  <track kind="captions" src={src} srcLang="en" label="English"{default} />')
    fallback = fallback_role(clip)
    if fallback is not None:
        href = jsx(url_for(base, clip.files[fallback].name))
        lines.append(
            f"  <a href={href}>{jsx(f'{clip.description} ({fallback.upper()} video)')}</a>"
        )
    lines.append("</video>")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Engine:
    """A place a snippet is pasted into, and the variant it needs."""

    name: str
    suffix: str
    """The snippet file the export writes: ``SCENE{suffix}``."""
    make: Callable[..., str]
    """``make(clip, base_url=…, autoplay=…, controls=…, captions_on=…)`` → the snippet."""
    where: str
    """Where it goes, for ``render.py embed --help`` and the README."""


#: Every variant the export writes, by the name ``render.py embed --engine`` takes.
ENGINES = {
    engine.name: engine
    for engine in (
        Engine("html", ".embed.html", video_html, "an HTML page, or any Markdown that keeps HTML"),
        Engine("jekyll", ".embed.md", markdown_snippet, "Jekyll (kramdown), GitHub Pages"),
        Engine("hugo", ".embed.hugo.md", hugo_usage, "Hugo, with the lowrank-clip shortcode"),
        Engine("mkdocs", ".embed.mkdocs.md", mkdocs_snippet, "MkDocs (Python-Markdown)"),
        Engine("mdx", ".embed.mdx", mdx_snippet, "MDX (Docusaurus, Next.js, Astro)"),
    )
}


def vtt_timestamp(moment: timedelta) -> str:
    """``00:00:02.466``: SubRip's timestamp with WebVTT's dot before the milliseconds."""
    stamp: str = srt.timedelta_to_srt_timestamp(moment)
    return stamp.replace(",", ".")


def srt_to_vtt(subrip: str) -> str:
    """Convert SubRip subtitles (manim writes them with :mod:`srt`) to WebVTT, which
    ``<track>`` needs.

    Parsed with :func:`srt.parse`; each cue keeps its number, its timestamps take a dot
    instead of a comma, and its text has ``&``, ``<`` and ``>`` escaped (WebVTT cue text is
    markup, and ``-->`` may not appear in it).  SubRip's cue settings (``X1:… Y1:…``, pixel
    coordinates) have no WebVTT meaning and are dropped.
    """
    cues = []
    for cue in srt.parse(subrip):
        text = "\n".join(escape(line, quote=False) for line in cue.content.split("\n") if line)
        number = "" if cue.index is None else f"{cue.index}\n"
        timing = f"{vtt_timestamp(cue.start)} --> {vtt_timestamp(cue.end)}"
        cues.append(f"{number}{timing}\n{text}")
    return "WEBVTT\n\n" + "\n\n".join(cues) + ("\n" if cues else "")
