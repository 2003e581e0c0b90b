"""Shards: one scene's chunks rendered by separate commands (a Kubernetes Indexed Job, a CI
matrix), then joined — the same file as a render in one piece.

``render.py shard SCENE K/N -o DIR`` plans the render (the cheap pass that draws nothing, as
:func:`lowrank_anim.pipeline.chunks.render_chunked` does), renders only the K-th of the N
cost-balanced runs of plays, and writes their segments and a ``.shard.json`` record into DIR.
``render.py join SCENE DIR`` plans again, checks that the shards in DIR are of this very
render (the cache key: scene, options, numbers, code, versions) and cover every play, and
joins them with manim's own code, exactly as a chunked render joins its chunks.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lowrank_anim.core.outputs import publish_together, scratch_dir
from lowrank_anim.pipeline import chunks, manim_patches
from lowrank_anim.pipeline.rendering import RenderError, SegmentRenderer, Segments
from lowrank_anim.pipeline.request import RenderRequest

SHARD_SUFFIX = ".shard.json"


class ShardWritten(Exception):  # noqa: N818 - not an error: how a shard render stops early
    """Raised from inside the render once the shard's files are written, so nothing is joined."""

    def __init__(self, record: Path) -> None:
        super().__init__(str(record))
        self.record = record


def parse_shard(text: str) -> tuple[int, int]:
    """``K/N`` (1 ≤ K ≤ N) → (K, N); a ValueError says what is expected."""
    found = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if not found or not 1 <= int(found[1]) <= int(found[2]):
        raise ValueError(f"{text!r} is not K/N with 1 <= K <= N (e.g. 2/4)")
    return int(found[1]), int(found[2])


def shard_options(request: RenderRequest) -> dict[str, str]:
    """The options of the render a shard belongs to, as a join's message names them."""
    numbers = request.params.as_json()
    return {
        "quality": request.quality,
        "format": request.fmt,
        "theme": request.theme,
        "transparent": "yes" if request.transparent else "no",
        "sections": "yes" if request.sections else "no",
        "numbers": json.dumps(numbers, separators=(",", ":")) if numbers else "the defaults",
    }


def other_shards(folder: Path, request: RenderRequest) -> str:
    """What the shards of ``request``'s scene in ``folder`` that belong to another render
    are, and how their options differ: ``1/2, 2/2 (quality low there, high here)``."""
    found: list[str] = []
    differ: dict[str, str] = {}
    mine = shard_options(request)
    for record in sorted(folder.glob(f"*{SHARD_SUFFIX}")):
        try:
            entry = json.loads(record.read_text("utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(entry, dict) or entry.get("scene") != request.scene.name:
            continue
        found.append(f"{entry.get('shard')}/{entry.get('shards')}")
        for name, theirs in (entry.get("options") or {}).items():
            if name in mine and theirs != mine[name]:
                differ[name] = f"{name} {theirs} there, {mine[name]} here"
    if not found:
        return ""
    why = "; ".join(differ.values()) or "the same options: other code, versions or --draft"
    return f"{', '.join(found)}, of another render ({why})"


def _stem(request: RenderRequest, key: str) -> str:
    return f"{request.output_path(Path('.')).stem}-{key[:12]}"


def shard_writer(shard: int, shards: int, folder: Path, key: str) -> SegmentRenderer:
    """A segment renderer that renders run ``shard`` of ``shards`` into ``folder`` and stops."""

    def write(
        request: RenderRequest,
        played: list[manim_patches.PlayFrames],
        settings: dict[str, Any],
        store: Path,
    ) -> Segments:
        runs = chunks.cut_plays(played, shards, request.quality)
        stem = _stem(request, key)
        record = folder / f"{stem}.{shard}-of-{shards}{SHARD_SUFFIX}"
        made = Segments({}, ".mp4")
        if shard <= len(runs):  # more shards than plays: the extra ones are empty
            first, last = runs[shard - 1]
            task = chunks.ChunkTask(
                request, first, last, settings, store, poster=last == len(played) - 1
            )
            [made] = chunks.run_chunks([task], 1)
        with scratch_dir(record) as scratch:
            files: dict[Path, Path | None] = {}
            for index, data in made.by_play.items():
                name = f"{stem}.play{index:05d}{made.suffix}"
                (scratch / name).write_bytes(data)
                files[folder / name] = scratch / name
            if made.poster is not None:
                (scratch / "poster").write_bytes(made.poster)
                files[folder / f"{stem}.poster.png"] = scratch / "poster"
            entry = {
                "key": key,
                "scene": request.scene.name,
                "shard": shard,
                "shards": shards,
                "plays": sorted(made.by_play),
                "total_plays": len(played),
                "suffix": made.suffix,
                "poster": made.poster is not None,
                "options": shard_options(request),
            }
            (scratch / "record").write_text(json.dumps(entry, indent=2) + "\n", "utf-8")
            files[record] = scratch / "record"  # last: a record means its files are there
            publish_together(files)
        raise ShardWritten(record)

    return write


def shard_reader(folder: Path, key: str) -> SegmentRenderer:
    """A segment renderer that takes every play from the shards of this render in ``folder``."""

    def read(
        request: RenderRequest,
        played: list[manim_patches.PlayFrames],
        settings: dict[str, Any],
        store: Path,
    ) -> Segments:
        stem = _stem(request, key)
        by_play: dict[int, bytes] = {}
        suffix, poster, seen = ".mp4", None, []
        for record in sorted(folder.glob(f"{stem}.*{SHARD_SUFFIX}")):
            entry = json.loads(record.read_text("utf-8"))
            if entry.get("key") != key or entry.get("total_plays") != len(played):
                continue
            seen.append(f"{entry['shard']}/{entry['shards']}")
            suffix = entry["suffix"]
            for index in entry["plays"]:
                by_play[index] = (folder / f"{stem}.play{index:05d}{suffix}").read_bytes()
            if entry["poster"]:
                poster = (folder / f"{stem}.poster.png").read_bytes()
        missing = [i for i in range(len(played)) if i not in by_play]
        if missing and not seen:
            others = other_shards(folder, request)
            if others:
                raise RenderError(
                    f"the shards in {folder} are not of this render of {request.scene.name} "
                    f"(shards found: {others}); join with the options the shards were "
                    "rendered with, or render them again with `render.py shard` and these"
                )
        if missing:
            found = ", ".join(seen) if seen else "none"
            raise RenderError(
                f"the shards in {folder} do not cover plays {missing[0]}-{missing[-1]} of "
                f"{request.scene.name} (shards found: {found}); render the missing ones with "
                "`render.py shard` and the same options"
            )
        return Segments(by_play, suffix, poster)

    return read
