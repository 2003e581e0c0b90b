"""The gallery: one static page (``media/index.html``) listing every rendered and exported clip.

Each entry shows the clip's poster and a player, its parameters (scene, theme, quality, size,
frame rate, duration, encoders), every file with its size, and its embed snippet with a copy
button.  The page is self-contained — inline CSS and script, media by relative path, no CDN, no
network — so it works opened from disk or served by any static server.  Every value that comes
from a file name, a manifest or the registry is escaped; the page is written atomically.

Clips are found by looking, not by remembering:

* **exported** clips by their manifest (``*.clip.json``, written last by ``export --web``);
* **rendered** videos at the paths ``render`` writes (``SCENE/<res>/SCENE[-theme].<fmt>``), with
  the last-frame PNG beside them (``render -f png``) as the poster when there is one.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path

from lowrank_anim.maths.palette import DEFAULT_THEME, THEMES
from lowrank_anim.pipeline.outputs import human_size, publish, scratch_dir
from lowrank_anim.registry import SCENES
from lowrank_anim.web.embed import MANIFEST_SUFFIX, Clip, ClipFile, video_html

RENDERED_FORMATS = ("mp4", "webm", "mov", "gif")
RESOLUTION = re.compile(r"^(\d+)p(\d+)$")


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


def is_hidden(path: Path, root: Path) -> bool:
    """Scratch (``.render-*``) and cache (``.cache``) folders are not part of the gallery."""
    return any(part.startswith(".") for part in path.relative_to(root).parts)


def folder_url(path: Path, root: Path) -> str:
    relative = path.parent.relative_to(root).as_posix()
    return "" if relative == "." else relative + "/"


def exported_entries(root: Path) -> tuple[list[GalleryEntry], set[Path]]:
    entries, claimed = [], set()
    for manifest in sorted(root.rglob(f"*{MANIFEST_SUFFIX}")):
        if is_hidden(manifest, root):
            continue
        try:
            clip = Clip.load(manifest)
            snippet = video_html(clip)
        except (ValueError, TypeError, KeyError, OSError):
            # Not ours, from an incompatible version, or edited into something unsafe (a
            # javascript: base URL): leave it out rather than fail the whole page.
            continue
        claimed |= {manifest.parent / f.name for f in clip.files.values()}
        entries.append(GalleryEntry(clip, folder_url(manifest, root), "exported", snippet))
    return entries, claimed


def rendered_clip(path: Path) -> Clip | None:
    """A clip for a video ``render`` wrote, read from its path and its container."""
    resolution, scene = path.parent.name, path.parent.parent.name
    if not RESOLUTION.match(resolution):
        return None
    theme = path.stem.removeprefix(scene).removeprefix("-") or DEFAULT_THEME
    if not path.stem.startswith(scene) or theme not in THEMES:
        return None
    try:
        import av

        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            width, height = stream.codec_context.width, stream.codec_context.height
            fps = float(stream.guessed_rate or stream.average_rate or 0)
            duration = float(container.duration / av.time_base) if container.duration else 0.0
    except Exception:  # an unreadable file is left out of the page, not fatal
        return None
    files = {path.suffix[1:]: ClipFile(path.name, path.stat().st_size)}
    poster = path.with_suffix(".png")
    if poster.is_file() and path.suffix != ".gif":
        files["poster"] = ClipFile(poster.name, poster.stat().st_size)
    spec = SCENES.get(scene)
    return Clip(
        scene=scene,
        description=spec.description if spec else scene,
        width=width,
        height=height,
        fps=round(fps, 3),
        duration=round(duration, 3),
        theme=theme,
        quality=resolution,
        files=files,
    )


def rendered_entries(root: Path, claimed: set[Path]) -> list[GalleryEntry]:
    entries = []
    for fmt in RENDERED_FORMATS:
        for path in sorted(root.glob(f"*/*/*.{fmt}")):
            if path in claimed or is_hidden(path, root):
                continue
            clip = rendered_clip(path)
            if clip is None:
                continue
            folder = folder_url(path, root)
            snippet = "" if fmt == "gif" else video_html(clip, base_url=folder.rstrip("/"))
            entries.append(GalleryEntry(clip, folder, "rendered", snippet))
    return entries


def collect(root: Path) -> list[GalleryEntry]:
    """Every clip under ``root``: exported ones first, then rendered ones, by scene."""
    exported, claimed = exported_entries(root)
    rendered = rendered_entries(root, claimed)
    order = {name: i for i, name in enumerate(SCENES)}
    return sorted(
        [*exported, *rendered],
        key=lambda e: (order.get(e.clip.scene, len(order)), e.clip.scene, e.kind != "exported"),
    )


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def entry_html(number: int, entry: GalleryEntry) -> str:
    clip = entry.clip
    base = entry.folder.rstrip("/")
    if "gif" in clip.files and not clip.sources():
        gif = clip.files["gif"].name
        player = (
            f'<img src="{esc(base + "/" + gif if base else gif)}" width="{esc(clip.width)}" '
            f'height="{esc(clip.height)}" alt="{esc(clip.description)}" class="media">'
        )
    else:
        player = video_html(clip, base_url=base, autoplay=False, controls=True)
    poster = clip.files.get("poster")
    poster_html = ""
    if poster is not None:
        src = f"{base}/{poster.name}" if base else poster.name
        alt = f"Poster: {clip.description}"
        poster_html = (
            f'<figure class="poster"><img src="{esc(src)}" alt="{esc(alt)}" loading="lazy">'
            "<figcaption>poster</figcaption></figure>"
        )
    params = [
        ("kind", f"{entry.kind} clip"),
        ("theme", clip.theme),
        ("quality", clip.quality),
        ("size", f"{clip.width}×{clip.height}"),
        ("frame rate", f"{clip.fps:g} fps"),
        ("duration", f"{clip.duration:.2f} s"),
        *((f"{role} encoder", text) for role, text in clip.encoders.items()),
    ]
    if entry.kind == "exported":
        params.append(("base URL", clip.base_url or "(relative: files beside the page)"))
    param_rows = "\n".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in params)
    file_rows = "\n".join(
        f'<tr><td><a href="{esc(f"{base}/{f.name}" if base else f.name)}">{esc(f.name)}</a></td>'
        f'<td>{esc(role)}</td><td title="{esc(f.size)} bytes">{esc(human_size(f.size))}</td></tr>'
        for role, f in clip.files.items()
    )
    snippet_html = ""
    if entry.snippet:
        snippet_html = (
            f'<div class="snippet"><div class="bar"><span>Embed snippet</span>'
            f'<button type="button" class="copy" data-target="snippet-{number}">Copy</button>'
            f'</div><pre><code id="snippet-{number}">{esc(entry.snippet)}</code></pre></div>'
        )
    subtitle = f"{entry.kind} · {clip.theme} · {clip.quality}"
    return f"""<article class="clip" id="clip-{number}" data-scene="{esc(clip.scene)}">
<h2>{esc(clip.scene)} <small>{esc(subtitle)}</small></h2>
<p class="description">{esc(clip.description)}</p>
<div class="media-row"><div class="player">{player}</div>{poster_html}</div>
<dl class="params">
{param_rows}
</dl>
<table class="files"><thead><tr><th>file</th><th>role</th><th>size</th></tr></thead><tbody>
{file_rows}
</tbody></table>
{snippet_html}
</article>"""


COPY_SCRIPT = """
// Copy a snippet: the async Clipboard API where the page is a secure context (https,
// localhost), else the old select-and-execCommand path (pages opened over plain http).
function copyWithSelection(text) {
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.style.position = "fixed";
  area.style.opacity = "0";
  document.body.appendChild(area);
  area.select();
  let copied = false;
  try { copied = document.execCommand("copy"); } catch (err) { copied = false; }
  area.remove();
  return copied;
}
async function copySnippet(button) {
  const code = document.getElementById(button.dataset.target);
  const text = code.textContent;
  let copied = false;
  if (navigator.clipboard && window.isSecureContext) {
    try { await navigator.clipboard.writeText(text); copied = true; }
    catch (err) { copied = copyWithSelection(text); }
  } else {
    copied = copyWithSelection(text);
  }
  if (!copied) {
    // Leave the snippet selected so Ctrl+C / Cmd+C still works.
    const range = document.createRange();
    range.selectNodeContents(code);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  }
  button.dataset.state = copied ? "copied" : "failed";
  button.textContent = copied ? "Copied" : "Press Ctrl+C";
  setTimeout(() => { button.textContent = "Copy"; }, 2000);
}
for (const button of document.querySelectorAll("button.copy")) {
  button.addEventListener("click", () => copySnippet(button));
}
"""

STYLE = """
body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 1100px; padding: 1em;
       background: var(--background); color: var(--text); }
h1 { margin-bottom: 0.2em; }
article.clip { border-top: 1px solid var(--rule); padding: 1em 0; }
h2 small { font-weight: normal; color: var(--muted); font-size: 0.6em; }
.media-row { display: flex; gap: 1em; align-items: flex-start; flex-wrap: wrap; }
.player { flex: 3 1 480px; }
.player video, .player img { width: 100%; height: auto; background: var(--screen); }
.poster { flex: 1 1 200px; margin: 0; }
.poster img { width: 100%; height: auto; border: 1px solid var(--rule); }
.poster figcaption { font-size: 0.8em; color: var(--muted); }
dl.params { display: grid; grid-template-columns: max-content 1fr; gap: 0 1em; }
dl.params dt { font-weight: bold; }
dl.params dd { margin: 0; }
table.files { border-collapse: collapse; }
table.files td, table.files th { padding: 0 1em 0 0; text-align: left; }
.snippet .bar { display: flex; justify-content: space-between; align-items: center; }
.snippet pre { background: var(--panel); padding: 0.6em; overflow-x: auto; white-space: pre-wrap; }
button.copy { font: inherit; padding: 0.2em 1em; cursor: pointer; }
"""


def page_colours() -> str:
    """The page's colours as CSS variables, from the palette (the light theme, as blogs
    mostly are; the players' letterbox in the dark theme's background)."""
    light, dark = THEMES["light"], THEMES[DEFAULT_THEME]
    colours = {
        "background": light.background,
        "text": light.text,
        "muted": light.muted,
        "rule": light.grid,
        "panel": light.panel,
        "screen": dark.background,
    }
    return ":root { " + " ".join(f"--{name}: {value};" for name, value in colours.items()) + " }"


def gallery_html(entries: list[GalleryEntry], title: str = "lowrank-anim clips") -> str:
    """The whole page for ``entries``."""
    if entries:
        body = "\n".join(entry_html(n, e) for n, e in enumerate(entries, start=1))
        summary = f"{len(entries)} clip{'s' if len(entries) != 1 else ''}."
    else:
        body = (
            "<p>No clips yet: run <code>render.py export SCENE --web</code> or "
            "<code>render.py render SCENE</code>, then <code>render.py gallery</code> again.</p>"
        )
        summary = ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{page_colours()}{STYLE}</style>
</head>
<body>
<h1>{esc(title)}</h1>
<p>{esc(summary)} Copy a clip's snippet into a post; the exported files go where its URLs
point (<code>--base-url</code>).</p>
{body}
<script>{COPY_SCRIPT}</script>
</body>
</html>
"""


def write_gallery(root: Path) -> tuple[Path, int]:
    """Write ``root/index.html`` atomically; return its path and how many clips it lists."""
    entries = collect(root)
    final = root / "index.html"
    with scratch_dir(final) as work:
        page = work / "index.html"
        page.write_text(gallery_html(entries), encoding="utf-8")
        publish(page, final)
    return final, len(entries)
