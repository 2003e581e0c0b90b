"""The gallery: one static page (``media/index.html``) listing every rendered and exported clip.

Each entry shows the clip's poster and a player, its parameters (scene, theme, quality, size,
frame rate, duration, encoders), every file with its size, and its embed snippet with a copy
button.  The page is self-contained — inline CSS and script, media by relative path, no CDN, no
network — so it works opened from disk or served by any static server.  It is rendered from
the package template ``templates/gallery.html.j2`` by Jinja2 with autoescape on, so every
value that comes from a file name, a manifest or the registry is escaped; the players are the
snippet builder's own ``<video>`` blocks (:func:`~lowrank_anim.web.embed.video_html`, escaped
there).  The page is written atomically.

Clips are listed from what the manifests record (``manifest.json`` in the output folder and in
any folder under it, e.g. the web export's), never by parsing file names:

* **exported** clips by their manifest entry, which names the clip's ``*.clip.json``;
* **rendered** videos by their render entry: every variant (theme, ``--transparent``, custom
  numbers) with its poster (the last frame every video render publishes beside the video).

``render.py gallery`` takes the scene options as filters (:class:`VariantFilter`), matched on
the request fields the manifest records (:class:`Variant`), never on file names.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup

from lowrank_anim.core.outputs import human_size, publish, scratch_dir
from lowrank_anim.core.pages import page_templates
from lowrank_anim.maths.palette import DEFAULT_THEME, THEMES
from lowrank_anim.pipeline.cache import MANIFEST_NAME, read_manifest
from lowrank_anim.registry import SCENES
from lowrank_anim.web.clips import Clip, ClipFile
from lowrank_anim.web.embed import video_html

if TYPE_CHECKING:
    from jinja2 import Environment

RENDERED_FORMATS = ("mp4", "webm", "mov", "gif")
#: How a render names the poster beside its video (``SCENE[-variant].poster.png``).
POSTER_SUFFIX = ".poster.png"


@dataclass(frozen=True)
class Variant:
    """The request fields that set a clip apart, as its manifest entry records them."""

    theme: str = DEFAULT_THEME
    transparent: bool = False
    params: dict[str, Any] = field(default_factory=dict)
    """Custom numbers in ``SceneParams.as_json`` form; empty for the scene's own example."""

    @classmethod
    def of(cls, entry: dict[str, Any]) -> Variant:
        """The variant of a manifest entry: an export's (``parameters`` is the numbers) or a
        render's (``parameters`` holds the request's other fields, the numbers as pairs)."""
        parameters = entry.get("parameters")
        parameters = parameters if isinstance(parameters, dict) else {}
        if entry.get("kind") == "export":
            params, transparent = parameters, False  # exports refuse --transparent
        else:
            raw = parameters.get("params")
            pairs = raw.get("values", []) if isinstance(raw, dict) else []
            params = {str(key): value for key, value in pairs}
            transparent = bool(parameters.get("transparent"))
        return cls(str(entry.get("theme", DEFAULT_THEME)), transparent, dict(params))

    def extras(self) -> list[str]:
        """``transparent``, ``x=[1.5,-0.5]``: what differs from the theme's default clip."""
        words = ["transparent"] if self.transparent else []
        return words + [
            f"{key}={json.dumps(value, separators=(',', ':'))}"
            for key, value in sorted(self.params.items())
        ]

    def label(self) -> str:
        """``light, transparent, x=[1.5,-0.5]``: the variant in one phrase."""
        return ", ".join([self.theme, *self.extras()])


@dataclass(frozen=True)
class VariantFilter:
    """Which clips ``render.py gallery`` shows: each field given narrows the list, a field
    left at None matches every clip."""

    theme: str | None = None
    transparent: bool | None = None
    params: dict[str, Any] | None = None
    asked: str = ""
    """The options as typed, for the page and for the message when nothing matches."""

    def matches(self, variant: Variant) -> bool:
        return (
            (self.theme is None or variant.theme == self.theme)
            and (self.transparent is None or variant.transparent == self.transparent)
            and (
                # Each number given must be the clip's; numbers not given match anything.
                self.params is None
                or all(variant.params.get(key) == value for key, value in self.params.items())
            )
        )


class NoMatchingClipError(ValueError):
    """A filter matched none of the clips a folder holds."""


@dataclass
class GalleryEntry:
    """One clip on the page: its description, where its files are relative to the page, and
    the snippet to copy."""

    clip: Clip
    folder: str
    """The clip's folder relative to the page, as a URL path ("" or "web/")."""
    kind: str
    """``exported`` or ``rendered``."""
    snippet: str
    variant: Variant = field(default_factory=Variant)
    """The request fields the manifest records: what filters match on."""


def is_hidden(path: Path, root: Path) -> bool:
    """Scratch (``.render-*``) and cache (``.cache``) folders are not part of the gallery."""
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def folder_url(path: Path, root: Path) -> str:
    relative = path.parent.relative_to(root).as_posix()
    return "" if relative == "." else relative + "/"


def describe_variant(parameters: dict[str, Any]) -> str:
    """``transparent, sections, x=[1.5,-0.5]`` for a render entry's non-default parameters."""
    variant = Variant.of({"parameters": parameters})
    parts = variant.extras()
    if parameters.get("sections"):
        parts.insert(int(variant.transparent), "sections")
    return ", ".join(parts)


def exported_entry(folder: Path, root: Path, entry: dict[str, Any]) -> GalleryEntry | None:
    """The entry of an exported clip, or None when its clip manifest is gone or unsafe."""
    try:
        clip = Clip.load(folder / str(entry["clip"]))
        snippet = video_html(clip)
    except (ValueError, TypeError, KeyError, OSError):
        # Gone, from an incompatible version, or edited into something unsafe (a javascript:
        # base URL): leave it out rather than fail the whole page.
        return None
    url = folder_url(folder / "x", root)
    variant = Variant.of(entry)
    if not clip.variant:  # an export's clip manifest does not describe its numbers
        clip = dataclasses.replace(clip, variant=", ".join(variant.extras()))
    return GalleryEntry(clip, url, "exported", snippet, variant)


def rendered_entry(
    folder: Path, root: Path, name: str, entry: dict[str, Any]
) -> GalleryEntry | None:
    """The entry of a rendered video, or None for a still or a file that is gone."""
    path = folder / name
    if entry.get("format") not in RENDERED_FORMATS or not path.is_file():
        return None
    try:
        import av

        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            fps = float(stream.guessed_rate or stream.average_rate or 0)
    except Exception:  # an unreadable file is left out of the page, not fatal
        return None
    files = {str(entry["format"]): ClipFile(path.name, path.stat().st_size)}
    for companion, size in dict(entry.get("companions", {})).items():
        role = "poster" if companion.endswith(POSTER_SUFFIX) else companion.rpartition(".")[2]
        if role in ("poster", "srt"):
            files[role] = ClipFile(companion, int(size))
    scene = str(entry.get("scene", ""))
    spec = SCENES.get(scene)
    clip = Clip(
        scene=scene,
        description=spec.description if spec else scene,
        width=width,
        height=height,
        fps=round(fps, 3),
        duration=round(float(entry.get("duration") or 0.0), 3),
        theme=str(entry.get("theme", DEFAULT_THEME)),
        quality=str(entry.get("resolution", "")),
        files=files,
        variant=describe_variant(dict(entry.get("parameters", {}))),
    )
    url = folder_url(path, root)
    snippet = "" if entry["format"] == "gif" else video_html(clip, base_url=url.rstrip("/"))
    return GalleryEntry(clip, url, "rendered", snippet, Variant.of(entry))


def manifest_entries(root: Path) -> Iterator[tuple[Path, str, dict[str, Any]]]:
    """(folder, output name, entry) for every entry of every manifest under ``root``."""
    for manifest in sorted(root.rglob(MANIFEST_NAME)):
        if is_hidden(manifest, root):
            continue
        for name, entry in read_manifest(manifest.parent).items():
            if isinstance(entry, dict):
                yield manifest.parent, name, entry


def collect(root: Path) -> list[GalleryEntry]:
    """Every clip under ``root``: exported ones first, then rendered ones, by scene."""
    exported, rendered = [], []
    for folder, name, entry in manifest_entries(root):
        if entry.get("kind") == "export":
            found = exported_entry(folder, root, entry)
            exported += [found] if found is not None else []
        else:
            found = rendered_entry(folder, root, name, entry)
            rendered += [found] if found is not None else []
    order = {name: i for i, name in enumerate(SCENES)}
    return sorted(
        [*exported, *rendered],
        key=lambda e: (order.get(e.clip.scene, len(order)), e.clip.scene, e.kind != "exported"),
    )


@dataclass(frozen=True)
class FileRow:
    """One line of a clip's file table."""

    url: str
    name: str
    role: str
    size: int
    human_size: str


@dataclass(frozen=True)
class EntryView:
    """What the page template shows of one entry: the clip, and the values worked out here."""

    number: int
    clip: Clip
    kind: str
    subtitle: str
    gif: str | None
    """The GIF's URL when it is the player (a rendered GIF), else None."""
    player: Markup | None
    """The ``<video>`` block, already escaped by the snippet builder; None for a GIF."""
    poster: str | None
    params: list[tuple[str, str]]
    files: list[FileRow]
    snippet: str


def parameters(entry: GalleryEntry) -> list[tuple[str, str]]:
    """The clip's parameter list: name → value, as the page shows them."""
    clip = entry.clip
    params = [
        ("kind", f"{entry.kind} clip"),
        ("theme", clip.theme),
        *((("variant", clip.variant),) if clip.variant else ()),
        ("quality", clip.quality),
        ("size", f"{clip.width}×{clip.height}"),
        ("frame rate", f"{clip.fps:g} fps"),
        ("duration", f"{clip.duration:.2f} s"),
        *((f"{role} encoder", text) for role, text in clip.encoders.items()),
    ]
    if entry.kind == "exported":
        params.append(("base URL", clip.base_url or "(relative: files beside the page)"))
        if "vtt" in clip.files:
            shown = "shown from the start (--captions-on)" if clip.captions_on else "on request"
            params.append(("captions", shown))
    return params


def entry_view(number: int, entry: GalleryEntry) -> EntryView:
    """The ``number``-th entry as the template shows it, URLs relative to the page."""
    clip = entry.clip
    base = entry.folder.rstrip("/")

    def url(name: str) -> str:
        return f"{base}/{name}" if base else name

    gif, player = None, None
    if "gif" in clip.files and not clip.sources():  # a rendered GIF plays as an image
        gif = url(clip.files["gif"].name)
    else:
        player = Markup(video_html(clip, base_url=base, autoplay=False, controls=True))
    poster = clip.files.get("poster")
    return EntryView(
        number=number,
        clip=clip,
        kind=entry.kind,
        subtitle=" · ".join(filter(None, (entry.kind, clip.theme, clip.quality, clip.variant))),
        gif=gif,
        player=player,
        poster=url(poster.name) if poster is not None else None,
        params=parameters(entry),
        files=[
            FileRow(url(f.name), f.name, role, f.size, human_size(f.size))
            for role, f in clip.files.items()
        ],
        snippet=entry.snippet,
    )


def page_colours() -> dict[str, str]:
    """The page's colours (CSS variables), from the palette: the light theme, as blogs
    mostly are; the players' letterbox in the dark theme's background."""
    light, dark = THEMES["light"], THEMES[DEFAULT_THEME]
    return {
        "background": light.background,
        "text": light.text,
        "muted": light.muted,
        "rule": light.grid,
        "panel": light.panel,
        "screen": dark.background,
    }


def clip_count(count: int) -> str:
    """``1 clip``, ``3 clips``."""
    return f"{count} clip{'s' if count != 1 else ''}"


def templates() -> Environment:
    """The gallery's templates (:func:`lowrank_anim.core.pages.page_templates`)."""
    return page_templates("lowrank_anim.web")


def gallery_html(
    entries: list[GalleryEntry], title: str = "lowrank-anim clips", asked: str = ""
) -> str:
    """The whole page for ``entries`` (those matching ``asked``, the filter as typed)."""
    summary = ""
    if entries:
        summary = f"{clip_count(len(entries))}{f' ({asked})' if asked else ''}."
    views = [entry_view(n, e) for n, e in enumerate(entries, start=1)]
    page = templates().get_template("gallery.html.j2")
    return page.render(title=title, summary=summary, colours=page_colours(), entries=views)


def write_gallery(root: Path, wanted: VariantFilter | None = None) -> tuple[Path, int]:
    """Write ``root/index.html`` atomically; return its path and how many clips it lists.

    With ``wanted``, the page lists only the matching clips; when clips exist but none
    matches, raise :class:`NoMatchingClipError` and leave the page as it was."""
    entries = collect(root)
    asked = ""
    if wanted is not None:
        shown = [e for e in entries if wanted.matches(e.variant)]
        if entries and not shown:
            recorded = sorted({e.variant.label() for e in entries})
            raise NoMatchingClipError(
                f"no clip under {root} matches {wanted.asked}; recorded variants: "
                + "; ".join(recorded)
            )
        entries, asked = shown, wanted.asked
    final = root / "index.html"
    with scratch_dir(final) as work:
        page = work / "index.html"
        page.write_text(gallery_html(entries, asked=asked), encoding="utf-8")
        publish(page, final)
    return final, len(entries)
