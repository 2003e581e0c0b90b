"""Publish manim's per-section clips (one per story beat) to predictable paths.

manim's ``save_sections`` writes one clip per ``next_section`` into its scratch media
directory, with a JSON index in play order.  :func:`publish_sections` moves them beside the
full video as ``SCENE.sections/01-Input.mp4``, ``02-Frozen-W.mp4``…, each through
:func:`lowrank_anim.core.outputs.publish` (atomic), and removes clips of an earlier render that
the new one no longer has, so the folder always matches the video next to it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from lowrank_anim.core.outputs import publish

#: Published clip names: two-digit position, then the beat's name made file-safe.
CLIP_NAME = re.compile(r"\d{2,}-[A-Za-z0-9-]+\.[a-z0-9]+")


def slug(name: str) -> str:
    """A beat's name made file-safe: ``"RankOneUpdate: Input"`` → ``RankOneUpdate-Input``."""
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-") or "section"


def clip_name(position: int, name: str, extension: str) -> str:
    """``01-Input.mp4`` for the first beat called "Input"."""
    return f"{position:02d}-{slug(name)}.{extension.lstrip('.')}"


def read_index(index_file: Path) -> list[tuple[str, Path]]:
    """(beat name, clip path) in play order, from manim's sections index."""
    entries = json.loads(index_file.read_text(encoding="utf-8"))
    return [(entry["name"], index_file.parent / entry["video"]) for entry in entries]


def publish_sections(index_file: Path, final_dir: Path) -> list[Path]:
    """Move every clip listed in ``index_file`` into ``final_dir``; return their paths."""
    final_dir.mkdir(parents=True, exist_ok=True)
    published = []
    for position, (name, clip) in enumerate(read_index(index_file), start=1):
        published.append(publish(clip, final_dir / clip_name(position, name, clip.suffix)))
    keep = {path.name for path in published}
    for stale in final_dir.iterdir():
        if CLIP_NAME.fullmatch(stale.name) and stale.name not in keep:
            stale.unlink()
    return published
