"""The project-level render cache: skip a render whose inputs have not changed.

A render is skipped when the output directory's manifest (``OUTPUT_DIR/manifest.json``) holds
an entry for its output file with the same *key*, and the file is still there with the size and
modification time recorded (a deleted or replaced file is rendered again). Checking costs a few
milliseconds and never imports manim.

The key is a SHA-256 over everything that changes the pixels — conservative by design: a
needless re-render costs seconds, a stale video costs trust.

* **Every field of the request**, taken generically from the dataclass (scene, quality, format,
  theme, and whatever fields are added later, e.g. ``params``, ``transparent``, ``sections``);
  a ``Path`` value counts by its content as well as its name.
* **The render settings** applied on top of the request (the encoder settings of
  :mod:`lowrank_anim.pipeline.encoding`).
* **Source files**: the scene's module and the render pipeline (:data:`RENDER_MODULE`), each
  with every project module it imports, followed through ``import`` statements
  (:mod:`lowrank_anim.imports`: parsed, not executed; lazy imports and package ``__init__``
  files included).  So the key follows what a render really runs: a new module that a scene
  imports counts the moment it is imported, and editing the gallery, the doctor or the CLI
  invalidates no render.  A module a scene loads without an ``import`` statement is not seen.
* **Assets**: every file under ``assets/``.
* **Versions** of the rendering stack (:data:`VERSIONED_DISTRIBUTIONS`, read from the installed
  metadata, not by importing them) and of Python.

Not covered: the system's LaTeX, fonts and cairo libraries (plain manim's own cache ignores them
too); use ``--force`` after upgrading them.

The manifest is one JSON document, replaced atomically on every update under an exclusive
``fcntl`` lock (``OUTPUT_DIR/.manifest.lock``), so concurrent renders into one directory merge
their entries instead of losing them; readers never need the lock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import fcntl
import functools
import hashlib
import importlib.metadata
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lowrank_anim.core.outputs import publish
from lowrank_anim.imports import project_sources
from lowrank_anim.paths import PROJECT_ROOT, assets_dir
from lowrank_anim.pipeline.request import RenderRequest

#: Bump when the key's recipe or the manifest's layout changes: every entry then misses.
SCHEMA = 1

MANIFEST_NAME = "manifest.json"
LOCK_NAME = ".manifest.lock"

#: The module that renders a request: its imports are the library code a render runs.
RENDER_MODULE = "lowrank_anim.pipeline.rendering"

#: Installed distributions whose version is part of the key.
VERSIONED_DISTRIBUTIONS = ("manim", "av", "pycairo", "ManimPango", "numpy", "Pillow")

#: Side files published beside an output (same name, this suffix) and checked on a hit.
COMPANION_SUFFIXES = (".srt", ".params.json", ".poster.png")

#: Request fields that have their own manifest columns; the others are its "parameters".
_NAMED_FIELDS = ("scene", "quality", "fmt", "theme")


# The key ---------------------------------------------------------------------------------


def canonical(value: Any) -> Any:
    """A JSON-ready, deterministic form of ``value`` for hashing and for the manifest.

    Dataclasses become their compared fields (derived caches are excluded), mappings become
    sorted objects, paths count by name and content, arrays by their numbers. Anything else is
    its ``repr`` — if that is not stable, the entry simply never hits, which is safe.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: canonical(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.compare
        }
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted((canonical(v) for v in value), key=json.dumps)
    if isinstance(value, os.PathLike):
        path = Path(value)
        return {"path": str(path), "sha256": file_digest(path) if path.is_file() else None}
    if hasattr(value, "tolist"):
        return canonical(value.tolist())
    return repr(value)


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def dependency_versions() -> dict[str, str]:
    """Installed versions of the rendering stack, from package metadata (no imports)."""
    versions = {"python": ".".join(map(str, sys.version_info[:3]))}
    for name in VERSIONED_DISTRIBUTIONS:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "absent"
    return versions


def asset_files(root: Path = PROJECT_ROOT) -> list[Path]:
    """Every file under ``assets/`` (fonts, templates, parameter files)."""
    assets = assets_dir(root)
    return sorted(p for p in assets.rglob("*") if p.is_file()) if assets.is_dir() else []


def _digests(paths: Iterable[Path], root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): file_digest(p) for p in paths}


def key_inputs(
    request: RenderRequest, settings: Mapping[str, Any] | None = None, *, root: Path = PROJECT_ROOT
) -> dict[str, Any]:
    """Everything the key is made of, in readable form (what to diff when a hit is missed)."""
    sources = set(project_sources(request.scene.module, root))
    sources |= set(project_sources(RENDER_MODULE, root))
    return {
        "schema": SCHEMA,
        "request": canonical(request),
        "settings": canonical(dict(settings or {})),
        "sources": _digests(sorted(sources), root),
        "assets": {
            f"assets/{p.relative_to(assets_dir(root)).as_posix()}": file_digest(p)
            for p in asset_files(root)
        },
        "versions": dependency_versions(),
    }


def cache_key(
    request: RenderRequest, settings: Mapping[str, Any] | None = None, *, root: Path = PROJECT_ROOT
) -> str:
    """The SHA-256 that names one render's inputs."""
    blob = json.dumps(key_inputs(request, settings, root=root), sort_keys=True)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


# The manifest ----------------------------------------------------------------------------


def manifest_path(output_dir: Path) -> Path:
    return output_dir / MANIFEST_NAME


def entry_name(request: RenderRequest, output_dir: Path) -> str:
    """The manifest's name for a request's output: its path relative to the output dir."""
    return request.output_path(output_dir).relative_to(output_dir).as_posix()


def read_manifest(output_dir: Path) -> dict[str, Any]:
    """The manifest's entries by output name; empty if it is missing or unreadable (a
    corrupt manifest only costs re-renders, and the next update rewrites it whole)."""
    try:
        data = json.loads(manifest_path(output_dir).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        return {}
    outputs = data.get("outputs")
    return outputs if isinstance(outputs, dict) else {}


def past_render_seconds(output_dir: Path) -> dict[tuple[str, str], float]:
    """(scene, quality) → how long its last recorded render took, from the manifest: what a
    batch uses to start its longest renders first."""
    seconds: dict[tuple[str, str], float] = {}
    for entry in read_manifest(output_dir).values():
        if not isinstance(entry, dict):
            continue
        scene, quality, took = entry.get("scene"), entry.get("quality"), entry.get("render_seconds")
        if isinstance(scene, str) and isinstance(quality, str) and isinstance(took, int | float):
            seconds[(scene, quality)] = max(float(took), seconds.get((scene, quality), 0.0))
    return seconds


@contextmanager
def manifest_lock(output_dir: Path) -> Iterator[None]:
    """Exclusive lock for a read-modify-write of the manifest, across processes."""
    output_dir.mkdir(parents=True, exist_ok=True)
    with (output_dir / LOCK_NAME).open("a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def update_manifest(output_dir: Path, updates: Mapping[str, dict[str, Any] | None]) -> None:
    """Merge ``updates`` (None removes an entry) into the manifest under the lock, and
    replace the file atomically."""
    with manifest_lock(output_dir):
        outputs = read_manifest(output_dir)
        for name, entry in updates.items():
            if entry is None:
                outputs.pop(name, None)
            else:
                outputs[name] = entry
        document = {"schema": SCHEMA, "outputs": dict(sorted(outputs.items()))}
        fd, tmp = tempfile.mkstemp(prefix=".manifest-", suffix=".tmp", dir=output_dir)
        try:
            # mkstemp creates the file 0600; give it the permissions any new file would get.
            os.fchmod(fd, 0o666 & ~_umask())
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(document, f, indent=2, ensure_ascii=False)
                f.write("\n")
            publish(Path(tmp), manifest_path(output_dir))
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _companions(final: Path) -> dict[str, int]:
    found = {}
    for suffix in COMPANION_SUFFIXES:
        path = final.with_suffix(suffix)
        if path.is_file():
            found[path.name] = path.stat().st_size
    return found


def lookup(output_dir: Path, key: str) -> Path | None:
    """The output rendered from ``key``, if the manifest has one and the file (and its side
    files) are still the ones recorded; otherwise None.

    Found by key rather than by the request's output path: computing that path needs manim's
    quality presets, i.e. importing manim, and the key already covers everything the path is
    made of (the request and the code that names files).
    """
    for name, entry in read_manifest(output_dir).items():
        if isinstance(entry, dict) and entry.get("key") == key:
            final = output_dir / name
            return final if _intact(final, entry) else None
    return None


def _intact(final: Path, entry: Mapping[str, Any]) -> bool:
    """Whether ``final`` is still the file ``entry`` recorded (size and modification time),
    with its side files present at their recorded sizes."""
    try:
        stat = final.stat()
    except OSError:
        return False
    if stat.st_size != entry.get("size") or stat.st_mtime_ns != entry.get("mtime_ns"):
        return False
    for name, size in dict(entry.get("companions", {})).items():
        companion = final.with_name(name)
        if not companion.is_file() or companion.stat().st_size != size:
            return False
    return True


def files_record(paths: Iterable[Path]) -> dict[str, dict[str, int]]:
    """Name → size and modification time of each file, for a manifest entry."""
    record = {}
    for path in paths:
        stat = path.stat()
        record[path.name] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
    return record


def files_intact(folder: Path, record: Mapping[str, Any]) -> bool:
    """Whether every file ``record`` lists is still in ``folder`` as it was recorded."""
    for name, facts in record.items():
        try:
            stat = (folder / name).stat()
        except OSError:
            return False
        if not isinstance(facts, dict) or (stat.st_size, stat.st_mtime_ns) != (
            facts.get("size"),
            facts.get("mtime_ns"),
        ):
            return False
    return bool(record)


@dataclass(frozen=True)
class RenderFacts:
    """What a finished render reports, for its manifest entry."""

    render_seconds: float
    duration: float | None
    """Length of the video in seconds; None for a still."""
    encoder: str
    """The purpose the video was encoded for (see :mod:`lowrank_anim.pipeline.encoding`)."""


def _unset(value: Any) -> bool:
    """True for an option left at nothing (None, False, empty, or made only of those), which
    the manifest leaves out so "parameters" lists what was actually chosen."""
    if isinstance(value, dict):
        return all(_unset(v) for v in value.values())
    return value is None or value is False or value == [] or value == ""


def make_entry(
    request: RenderRequest, output_dir: Path, key: str, facts: RenderFacts
) -> dict[str, Any]:
    """The manifest entry for a file just rendered for ``request``."""
    final = request.output_path(output_dir)
    stat = final.stat()
    fields = canonical(request)
    return {
        "scene": request.scene.name,
        "parameters": {k: v for k, v in fields.items() if k not in _NAMED_FIELDS and not _unset(v)},
        "quality": request.quality,
        "resolution": request.resolution_label,
        "format": request.fmt,
        "theme": request.theme,
        "encoder": facts.encoder,
        "key": key,
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "duration": facts.duration,
        "render_seconds": round(facts.render_seconds, 3),
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "manim": dependency_versions().get("manim"),
        "companions": _companions(final),
    }


def record(
    request: RenderRequest, output_dir: Path, key: str, facts: RenderFacts
) -> dict[str, Any]:
    """Add (or replace) the manifest entry of a file just rendered; returns the entry."""
    entry = make_entry(request, output_dir, key, facts)
    update_manifest(output_dir, {entry_name(request, output_dir): entry})
    return entry
