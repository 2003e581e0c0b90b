"""Web-ready export: per scene an H.264 mp4 (faststart), a VP9 webm, a poster PNG, optionally a
palette-optimised GIF, WebVTT captions, and embed snippets — all published atomically.

The scene is rendered through :func:`lowrank_anim.pipeline.rendering.render` into a scratch
directory as a **lossless** H.264 mezzanine (``crf 0``, ``preset ultrafast``: manim's own
encoder, given to the render as its encoder settings).  Encoding from manim's usual lossy mp4
would mean encoding its compression noise again: every new animation starts a new keyframe
whose noise pattern differs, which costs the H.264 re-encode ~15% and multiplies the GIF's
size, because a GIF re-sends every pixel that changed.  Flat graphics
compress so well that the lossless file is only ~15 MB for 20 s of 1080p60.

It is then encoded with the ffmpeg CLI (Debian's ``ffmpeg`` package, which
``scripts/system-deps.sh`` installs).  Encoder settings suit flat vector graphics — large
uniform areas, sharp edges, long still stretches between movements:

* **H.264** ``libx264 -preset slow -tune animation -crf 27``: ``tune animation`` raises
  deblocking and reference frames and lowers psycho-visual noise, which suits flat colour;
  ``yuv420p`` and the High profile play everywhere; a keyframe every 10 s instead of every
  ~4 s, because most frames of an explainer barely change (seeking still works: browsers decode
  forward from the previous keyframe); ``-movflags +faststart`` writes the index (``moov``)
  before the media (``mdat``) so a browser starts playing before the download ends.  Manim
  writes its mp4 with the index at the end; :func:`is_faststart` checks our result.
* **VP9** ``libvpx-vp9 -crf 40 -b:v 0`` (constant quality; ``-b:v 0`` is what turns CRF on in
  libvpx), ``-row-mt 1`` and tile columns so it uses every core, ``-deadline good -cpu-used 4``
  (the documented speed/quality balance for files, not live streams), the same keyframe
  spacing.
* **GIF**: two passes — ``palettegen`` builds one 128-colour palette from the frames that
  change (``stats_mode=diff``), ``paletteuse`` maps to it *without* dithering (flat colours
  need none, and dither noise is what LZW compresses worst) and re-encodes only the changed
  rectangle of each frame; at 800 px wide and 12 fps.
* **Poster**: the last frame (the whole story), shown before playback.
"""

from __future__ import annotations

import shutil
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lowrank_anim.core.outputs import publish_together, scratch_dir, write_text_atomically
from lowrank_anim.maths.palette import DEFAULT_THEME
from lowrank_anim.maths.params import SceneParams
from lowrank_anim.pipeline import cache
from lowrank_anim.pipeline.ffmpeg import (
    LOSSLESS_ENCODER_OPTIONS,
    EncodeError,
    GifSettings,
    SourceInfo,
    encode_gif,
    probe_source,
    require_ffmpeg,
    run_ffmpeg,
)
from lowrank_anim.pipeline.rendering import render
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.registry import SceneSpec
from lowrank_anim.web.clips import MANIFEST_SUFFIX, Clip, ClipFile
from lowrank_anim.web.embed import (
    ENGINES,
    HUGO_SHORTCODE,
    HUGO_SHORTCODE_PATH,
    check_base_url,
    srt_to_vtt,
)
from lowrank_anim.web.explorable import write_explorable

DEFAULT_EXPORT_QUALITY = "high"
DEFAULT_WEB_DIR = Path("media") / "web"


@dataclass(frozen=True)
class WebEncoding:
    """Encoder settings; the defaults are the ones the module docstring explains."""

    x264_crf: int = 27
    x264_preset: str = "slow"
    vp9_crf: int = 40
    vp9_cpu_used: int = 4
    keyframe_seconds: float = 10.0
    gif: GifSettings = field(default_factory=GifSettings)

    def describe(self) -> dict[str, str]:
        return {
            "mp4": f"H.264 libx264 preset {self.x264_preset}, tune animation, "
            f"CRF {self.x264_crf}, yuv420p, faststart",
            "webm": f"VP9 libvpx-vp9 CRF {self.vp9_crf} (constant quality), cpu-used "
            f"{self.vp9_cpu_used}, row-mt, yuv420p",
            "gif": self.gif.describe(),
            "poster": "last frame, PNG",
        }


@dataclass(frozen=True)
class WebExportRequest:
    """One scene to export, and how its snippets should look."""

    scene: SceneSpec
    quality: str = DEFAULT_EXPORT_QUALITY
    theme: str = DEFAULT_THEME
    gif: bool = False
    base_url: str = ""
    autoplay: bool = False
    controls: bool = True
    params: SceneParams = field(default_factory=SceneParams)
    """Custom numbers (``--set``/``--params``): the files are named ``SCENE-pTAG.*``."""
    captions_on: bool = False
    """The snippets make the caption track the default one (``--captions-on``)."""

    def __post_init__(self) -> None:
        check_base_url(self.base_url)

    @property
    def render_request(self) -> RenderRequest:
        return RenderRequest(
            self.scene, quality=self.quality, fmt="mp4", theme=self.theme, params=self.params
        )

    @property
    def stem(self) -> str:
        """File names share the rendered file's stem: ``Scene`` or ``Scene-light``."""
        return self.render_request.output_path(Path()).stem


def top_level_boxes(path: Path) -> list[str]:
    """The types of an MP4's top-level boxes, in file order (``ftyp``, ``moov``, ``mdat``…)."""
    boxes = []
    end = path.stat().st_size
    with path.open("rb") as f:
        position = 0
        while position + 8 <= end:
            f.seek(position)
            size, kind = struct.unpack(">I4s", f.read(8))
            if size == 1:  # a 64-bit size follows the type
                (size,) = struct.unpack(">Q", f.read(8))
            elif size == 0:  # the box runs to the end of the file
                size = end - position
            if size < 8:
                raise ValueError(f"{path}: malformed MP4 box at byte {position}")
            boxes.append(kind.decode("latin-1"))
            position += size
    return boxes


def is_faststart(path: Path) -> bool:
    """Whether the index (``moov``) comes before the media (``mdat``)."""
    boxes = top_level_boxes(path)
    return "moov" in boxes and "mdat" in boxes and boxes.index("moov") < boxes.index("mdat")


def keyframe_interval(info: SourceInfo, settings: WebEncoding) -> str:
    return str(max(1, round(float(info.fps) * settings.keyframe_seconds)))


def encode_mp4(ffmpeg: str, source: Path, out: Path, info: SourceInfo, s: WebEncoding) -> None:
    run_ffmpeg(
        ffmpeg,
        ["-i", str(source), "-map", "0:v:0", "-an",
         "-c:v", "libx264", "-preset", s.x264_preset, "-tune", "animation",
         "-crf", str(s.x264_crf), "-g", keyframe_interval(info, s),
         "-pix_fmt", "yuv420p", "-profile:v", "high",
         "-movflags", "+faststart", str(out)],
        "H.264 mp4",
    )  # fmt: skip
    if not is_faststart(out):
        raise EncodeError(f"{out.name}: the index (moov) is not before the media (mdat)")


def encode_webm(ffmpeg: str, source: Path, out: Path, info: SourceInfo, s: WebEncoding) -> None:
    run_ffmpeg(
        ffmpeg,
        ["-i", str(source), "-map", "0:v:0", "-an",
         "-c:v", "libvpx-vp9", "-crf", str(s.vp9_crf), "-b:v", "0",
         "-deadline", "good", "-cpu-used", str(s.vp9_cpu_used),
         "-row-mt", "1", "-tile-columns", "2", "-g", keyframe_interval(info, s),
         "-pix_fmt", "yuv420p", str(out)],
        "VP9 webm",
    )  # fmt: skip


def extract_poster(ffmpeg: str, source: Path, out: Path) -> None:
    # Seek close to the end, then keep overwriting one PNG: what remains is the last frame.
    run_ffmpeg(
        ffmpeg,
        ["-sseof", "-0.5", "-i", str(source), "-map", "0:v:0", "-update", "1",
         "-pred", "mixed", str(out)],
        "poster",
    )  # fmt: skip


def render_mezzanine(request: WebExportRequest, scratch: Path, store: Path) -> Path:
    """Render the scene through :func:`~lowrank_anim.pipeline.rendering.render`, lossless,
    with compiled LaTeX from (and to) the store of ``store``."""
    encoder = {"video_encoder_options": LOSSLESS_ENCODER_OPTIONS}
    return render(request.render_request, scratch, store=store, encoder=encoder)


@dataclass
class WebExport:
    """What one export produced: the clip (its manifest) and every published file."""

    clip: Clip
    files: list[Path]
    skipped: bool = False
    """True when nothing was re-encoded: the files were already the export of these inputs."""


#: What an export entry of the manifest records about its request, to say what it replaced.
DESCRIBED_FIELDS = {
    "quality": "quality",
    "base_url": "base URL",
    "gif": "GIF",
    "autoplay": "autoplay",
    "controls": "controls",
    "captions_on": "captions on",
}


def export_key(request: WebExportRequest, settings: WebEncoding) -> str:
    """The cache key of an export: the render's key (scene code, library, assets, versions,
    the request) plus everything the export adds (snippet options, encoder settings)."""
    web = {name: getattr(request, name) for name in DESCRIBED_FIELDS}
    return cache.cache_key(request.render_request, {"web": web, "encoders": settings.describe()})


#: The clip's files that come from the render whatever the snippets and the GIF are.
MEDIA_ROLES = ("mp4", "webm", "poster", "srt", "vtt")
#: The order of a clip's files in its record (the order they were always listed in).
ROLE_ORDER = ("mp4", "webm", "poster", "gif", "srt", "vtt")
#: Where an export keeps each clip's lossless render, so adding a GIF later encodes only it.
MEZZANINE_DIR = Path(".cache") / "mezzanines"


def media_key(request: WebExportRequest, settings: WebEncoding) -> str:
    """The key of the mp4, webm, poster and captions: the render and their encoders only, so
    other snippet options or a GIF added or dropped leave them as they are."""
    encoders = {role: text for role, text in settings.describe().items() if role != "gif"}
    return cache.cache_key(request.render_request, {"web-media": encoders})


def gif_key(request: WebExportRequest, settings: WebEncoding) -> str:
    """The key of the GIF: the render and the GIF's settings."""
    return cache.cache_key(request.render_request, {"web-gif": settings.gif.describe()})


def replaced(previous: dict[str, Any], request: WebExportRequest) -> str:
    """``quality high → low, base URL '' → '/clips'``: what a new export changes."""
    changes = []
    for name, label in DESCRIBED_FIELDS.items():
        old, new = previous.get("request", {}).get(name), getattr(request, name)
        if old is not None and old != new:
            changes.append(f"{label} {old!r} → {new!r}" if isinstance(new, str) else
                           f"{label} {old} → {new}")  # fmt: skip
    return ", ".join(changes) or "its inputs changed (code, assets or encoder settings)"


def lossless_source(
    request: WebExportRequest,
    work: Path,
    output_dir: Path,
    say: Callable[[str], None],
    *,
    force: bool = False,
) -> Path:
    """The scene's lossless render (with its ``.srt`` beside it): the one kept in
    ``OUTPUT_DIR/.cache/mezzanines/`` when it is of this very render, else rendered now and
    kept there (replacing the variant's previous one)."""
    folder = output_dir / MEZZANINE_DIR
    key = cache.cache_key(request.render_request, {"mezzanine": LOSSLESS_ENCODER_OPTIONS})
    video, record = folder / f"{request.stem}.mp4", folder / f"{request.stem}.key"
    kept = video.is_file() and record.is_file() and record.read_text("utf-8").strip() == key
    if kept and not force:
        say(f"{request.scene.name}: using its kept lossless render")
        return video
    say(f"rendering {request.scene.name} ({request.quality}, lossless)")
    source = render_mezzanine(request, work / "render", output_dir)
    (work / "key").write_text(key + "\n", encoding="utf-8")
    subtitles = source.with_suffix(".srt")
    folder.mkdir(parents=True, exist_ok=True)
    publish_together(
        {
            video.with_suffix(".srt"): subtitles if subtitles.is_file() else None,
            video: source,
            record: work / "key",  # last: a record means its video is there
        }
    )
    return video


def previous_clip(output_dir: Path, entry_name: str) -> Clip | None:
    """The clip an earlier export recorded, if its record can be read."""
    try:
        return Clip.load(output_dir / entry_name)
    except (OSError, ValueError, TypeError):
        return None


def kept_files(
    output_dir: Path,
    previous: Any,
    clip: Clip | None,
    roles: Sequence[str],
    key_name: str,
    key: str,
) -> dict[str, Path] | None:
    """The files of ``roles`` that the previous export made with the same ``key`` (under
    ``key_name`` in its entry) and that are still as it recorded them; None if any is not."""
    if not isinstance(previous, dict) or clip is None or previous.get(key_name) != key:
        return None
    found = {role: clip.files[role].name for role in roles if role in clip.files}
    record = previous.get("files", {})
    facts = {name: record.get(name) for name in found.values()}
    if not found or not cache.files_intact(output_dir, facts):
        return None
    return {role: output_dir / name for role, name in found.items()}


def export_web(
    request: WebExportRequest,
    output_dir: Path = DEFAULT_WEB_DIR,
    settings: WebEncoding | None = None,
    progress: Callable[[str], None] | None = None,
    *,
    force: bool = False,
) -> WebExport:
    """Render, encode and publish one scene's web files into ``output_dir`` — or nothing, when
    the manifest says an export of the same inputs is there intact (``force`` re-exports).

    Only what changed is made again: other snippet options (base URL, captions, controls,
    autoplay) rewrite the snippets only; adding the GIF encodes only the GIF (from the
    lossless render kept in ``OUTPUT_DIR/.cache/mezzanines/``), dropping it removes only the
    GIF.  The clip's files are replaced together: files of the previous export that the new
    one does not have are removed, and the message says what changed.
    """
    settings = settings or WebEncoding()
    say = progress or (lambda _message: None)
    stem = request.stem
    output_dir.mkdir(parents=True, exist_ok=True)
    entry_name = f"{stem}{MANIFEST_SUFFIX}"
    key = export_key(request, settings)
    previous = cache.read_manifest(output_dir).get(entry_name)
    if isinstance(previous, dict):
        files = previous.get("files", {})
        if previous.get("key") == key and not force and cache.files_intact(output_dir, files):
            say(f"{request.scene.name}: unchanged since its last export; nothing re-encoded")
            clip = Clip.load(output_dir / entry_name)
            listed = [output_dir / name for name in files]
            return WebExport(clip, [*listed, write_hugo_shortcode(output_dir)], skipped=True)
        if previous.get("key") != key:
            say(f"replacing the export of {request.scene.name}: {replaced(previous, request)}")
    old = previous_clip(output_dir, entry_name) if isinstance(previous, dict) else None
    m_key, g_key = media_key(request, settings), gif_key(request, settings)
    kept: dict[str, Path] = {}
    if not force:
        kept = kept_files(output_dir, previous, old, MEDIA_ROLES, "media_key", m_key) or {}
    kept_gif = None
    if request.gif and not force:
        kept_gif = kept_files(output_dir, previous, old, ("gif",), "gif_key", g_key)
    if kept:
        say(f"{request.scene.name}: its mp4, webm and poster are unchanged; not re-encoded")
    ffmpeg = require_ffmpeg()
    with scratch_dir(output_dir / stem) as work:
        out = work / "out"
        out.mkdir()
        made: dict[str, Path] = {}
        source: Path | None = None
        if not kept or (request.gif and not kept_gif):
            source = lossless_source(request, work, output_dir, say, force=force)
            info = probe_source(source)
        if kept and old is not None:
            width, height, fps, duration = old.width, old.height, old.fps, old.duration
        else:
            assert source is not None
            width, height = info.width, info.height
            fps, duration = float(info.fps), round(info.duration, 3)
            say("encoding the H.264 mp4")
            made["mp4"] = out / f"{stem}.mp4"
            encode_mp4(ffmpeg, source, made["mp4"], info, settings)
            say("encoding the VP9 webm")
            made["webm"] = out / f"{stem}.webm"
            encode_webm(ffmpeg, source, made["webm"], info, settings)
            made["poster"] = out / f"{stem}.png"
            extract_poster(ffmpeg, source, made["poster"])
            subtitles = source.with_suffix(".srt")
            if subtitles.is_file():
                made["srt"] = out / f"{stem}.srt"
                shutil.copyfile(subtitles, made["srt"])
                made["vtt"] = out / f"{stem}.vtt"
                text = subtitles.read_text(encoding="utf-8")
                made["vtt"].write_text(srt_to_vtt(text), encoding="utf-8")
        if request.gif and kept_gif:
            kept.update(kept_gif)
        elif request.gif:
            assert source is not None
            say("encoding the GIF")
            made["gif"] = out / f"{stem}.gif"
            encode_gif(source, made["gif"], work, settings.gif, info)

        encoders = settings.describe()
        every = {**kept, **made}
        media = {role: every[role] for role in ROLE_ORDER if role in every}
        clip = Clip(
            scene=request.scene.name,
            description=request.scene.description,
            width=width,
            height=height,
            fps=fps,
            duration=duration,
            theme=request.theme,
            quality=request.quality,
            files={role: ClipFile(path.name, path.stat().st_size) for role, path in media.items()},
            encoders={role: encoders[role] for role in media if role in encoders},
            base_url=request.base_url,
            autoplay=request.autoplay,
            controls=request.controls,
            captions_on=request.captions_on,
        )
        snippets = {f"{stem}{engine.suffix}": engine.make(clip) for engine in ENGINES.values()}
        snippets[f"{stem}{MANIFEST_SUFFIX}"] = clip.to_json()
        for name, text in snippets.items():
            (out / name).write_text(text, encoding="utf-8")

        # Media first and the clip's manifest last, all in one step; files of the previous
        # export that this one has not (an old GIF) go in the same step.
        order = [*made.values(), *(out / name for name in snippets)]
        stale = {}
        if isinstance(previous, dict):
            names = {path.name for path in [*order, *kept.values()]}
            stale = {output_dir / n: None for n in previous.get("files", {}) if n not in names}
        published = publish_together({**stale, **{output_dir / p.name: p for p in order}})
        listed = [*(output_dir / p.name for p in media.values()), *published[len(made) :]]
        entry = {
            "kind": "export",
            "scene": request.scene.name,
            "theme": request.theme,
            "parameters": request.params.as_json(),
            "request": {name: getattr(request, name) for name in DESCRIBED_FIELDS},
            "key": key,
            "media_key": m_key,
            "gif_key": g_key if request.gif else None,
            "clip": entry_name,
            "files": cache.files_record(listed),
        }
        cache.update_manifest(output_dir, {entry_name: entry})
    return WebExport(clip, [*listed, write_hugo_shortcode(output_dir)])


def write_hugo_shortcode(output_dir: Path) -> Path:
    """``OUTPUT_DIR/layouts/shortcodes/lowrank-clip.html``, the template every clip's Hugo
    snippet calls.  It is shared by all clips, so it is not one clip's file in the manifest,
    and it is only rewritten when its text changed."""
    path = output_dir / HUGO_SHORTCODE_PATH
    if not path.is_file() or path.read_text(encoding="utf-8") != HUGO_SHORTCODE:
        write_text_atomically(path, HUGO_SHORTCODE)
    return path


def export_scene(
    request: WebExportRequest,
    output_dir: Path = DEFAULT_WEB_DIR,
    progress: Callable[[str], None] | None = None,
    *,
    explorable: bool = False,
    force: bool = False,
) -> WebExport:
    """:func:`export_web`, plus the scene's explorable figure when ``explorable`` (its files
    are listed with the clip's): the one export ``render.py export`` and ``render.py post``
    both run."""
    exported = export_web(request, output_dir, progress=progress, force=force)
    if not explorable:
        return exported
    poster = exported.clip.files.get("poster")
    figure = write_explorable(
        request.scene,
        output_dir,
        request.params,
        stem=request.stem,
        poster=poster.name if poster else None,
        base_url=request.base_url,
        theme=request.theme,
    )
    return WebExport(exported.clip, [*exported.files, *figure], exported.skipped)
