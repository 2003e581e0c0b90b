"""The clip schema: what an exported (or rendered) clip is, as the export writes it to
``SCENE.clip.json`` and the snippets, the gallery and ``render.py post`` read it back.

A clip is its size, rate and length, the look it was made with, and its files by role
(``mp4``, ``webm``, ``poster``, ``gif``, ``srt``, ``vtt``), each named relative to the clip's
folder with its size in bytes.  :meth:`Clip.to_json` and :meth:`Clip.from_json` are the one
place that shape is written and read.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

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
#: The roles a ``<video>`` can play, in the order a tie in size is broken.
VIDEO_ROLES = ("webm", "mp4", "mov")

#: How an export names a clip's record beside its files: ``SCENE[-variant].clip.json``.
MANIFEST_SUFFIX = ".clip.json"


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
    captions_on: bool = False
    """Whether the snippets make the caption track the default one (shown from the start)."""

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
