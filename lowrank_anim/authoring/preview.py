"""Fast previews: a scene's last frame (or one section's last frame) as a small PNG.

A preview is manim's ``-s`` render (``format=png``: every animation is skipped and only the final
state is drawn) at a small preset, with three additions:

* **the LaTeX and text store** every command shares (``OUTPUT_DIR/.cache``,
  :mod:`lowrank_anim.pipeline.texstore`).  Compiling the scene's ``MathTex`` is most of a cold
  render's time; with the store a repeated preview costs only the scene's own Python.  A
  preview runs in the same render context as a render
  (:func:`lowrank_anim.pipeline.context.render_context`: patches, store, configuration,
  scene variant), with a scene of its own.
* **no discarded frames**: with every animation skipped, manim still draws a frame at each
  ``play``/``wait`` (for its static-background optimisation) and throws it away; a preview
  draws only the last one (:func:`last_frame_scene`), about a fifth less work, same pixels.
* **sections**: ``--section N`` or ``--section NAME`` stops the scene when the section after the
  chosen one begins (manim's own ``EndSceneEarlyException``, the mechanism behind ``-n``), so the
  PNG shows the state at the end of that beat.

The PNG is written in a scratch directory and published atomically, so a viewer (or the watch
page) never sees half a file.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lowrank_anim.core.outputs import publish
from lowrank_anim.maths.palette import DEFAULT_THEME
from lowrank_anim.maths.params import SceneParams
from lowrank_anim.pipeline.context import render_context
from lowrank_anim.pipeline.manim_patches import last_frame_scene
from lowrank_anim.pipeline.request import DEFAULT_OUTPUT_DIR, RenderRequest
from lowrank_anim.registry import SceneSpec

#: Previews are small: manim's low preset (854×480) unless asked otherwise.
DEFAULT_PREVIEW_QUALITY = "low"


class SectionNotFoundError(LookupError):
    """A ``--section`` the scene does not have; the message lists the ones it has."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class SectionChoice:
    """``--section``: a 1-based number or a name (case-insensitive)."""

    number: int | None = None
    name: str | None = None

    @classmethod
    def parse(cls, text: str) -> SectionChoice:
        text = text.strip()
        if not text:
            raise ValueError("a section is a number (1 = the first) or a name")
        if text.isdigit():
            number = int(text)
            if number < 1:
                raise ValueError("section numbers start at 1")
            return cls(number=number)
        return cls(name=text)

    def matches(self, number: int, name: str) -> bool:
        if self.number is not None:
            return number == self.number
        return self.name is not None and name.casefold() == self.name.casefold()

    def __str__(self) -> str:
        return str(self.number) if self.number is not None else repr(self.name)


@dataclass(frozen=True)
class PreviewRequest:
    """What one preview shows: a scene with its scene options, and optionally one section."""

    scene: SceneSpec
    quality: str = DEFAULT_PREVIEW_QUALITY
    theme: str = DEFAULT_THEME
    section: SectionChoice | None = None
    params: SceneParams = field(default_factory=SceneParams)
    """Custom numbers (``--set``/``--params``), as for a render."""
    transparent: bool = False

    @classmethod
    def of(cls, request: RenderRequest, section: SectionChoice | None = None) -> PreviewRequest:
        """The preview of what ``request`` renders (its scene options; the format is png)."""
        return cls(
            request.scene,
            request.quality,
            request.theme,
            section,
            request.params,
            request.transparent,
        )

    @property
    def render_request(self) -> RenderRequest:
        """The equivalent last-frame render (manim's ``format=png``, i.e. ``-s``)."""
        return RenderRequest(
            self.scene,
            quality=self.quality,
            fmt="png",
            theme=self.theme,
            params=self.params,
            transparent=self.transparent,
        )

    def output_path(self, output_dir: Path, section: tuple[int, str] | None = None) -> Path:
        """``DIR/Scene/preview/Scene[-theme][.section-N-slug].png``."""
        stem = self.render_request.output_path(output_dir).stem
        if section is not None:
            number, name = section
            slug = slugify(name)
            stem += f".section-{number}" + (f"-{slug}" if slug else "")
        return output_dir / self.scene.name / "preview" / f"{stem}.png"


@dataclass
class PreviewResult:
    """A finished preview: the PNG, and the sections the scene went through on the way."""

    path: Path
    sections: list[str] = field(default_factory=list)
    section: tuple[int, str] | None = None


def slugify(text: str) -> str:
    """``"Alpha is v dot x"`` → ``"alpha-is-v-dot-x"`` (ASCII letters and digits only)."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")


def stop_after_section(scene_cls: type[Any], choice: SectionChoice, seen: list[str]) -> type[Any]:
    """A subclass of ``scene_cls`` that records its sections in ``seen`` and ends the scene
    when the section after ``choice`` begins, so the last frame is that section's end."""
    from manim.utils.exceptions import EndSceneEarlyException

    class StopAfterSection(scene_cls):  # type: ignore[misc]
        def next_section(self, name: str = "unnamed", *args: Any, **kwargs: Any) -> None:
            if seen and choice.matches(len(seen), seen[-1]):
                raise EndSceneEarlyException()
            seen.append(name)
            super().next_section(name, *args, **kwargs)

        def clear_stage(self) -> None:
            # FullStory fades a chapter out before the next one's first section: the end of
            # the chapter's last beat, as a reader saw it, is the frame before that.
            if seen and choice.matches(len(seen), seen[-1]):
                raise EndSceneEarlyException()
            super().clear_stage()

    # manim names nothing after the class here (output_file is set), but tracebacks and
    # logs should still say the scene's own name.
    StopAfterSection.__name__ = scene_cls.__name__
    StopAfterSection.__qualname__ = scene_cls.__qualname__
    return StopAfterSection


def render_preview(
    request: PreviewRequest,
    output_dir: Path = DEFAULT_OUTPUT_DIR,
    *,
    verbosity: str = "WARNING",
) -> PreviewResult:
    """Render the preview PNG and return where it is.

    Raises :class:`SectionNotFoundError` when the scene has no such section, and lets the
    scene's own exceptions through (the watch loop reports them on one line).
    """
    render_request = request.render_request
    seen: list[str] = []
    # The final name depends on the section's name, known only after the render; the
    # scratch directory lives in the preview folder whatever the name turns out to be.
    provisional = request.output_path(output_dir)
    with render_context(
        render_request, tex_store=output_dir, beside=provisional, overrides={"verbosity": verbosity}
    ) as context:
        scene_cls = context.scene_class
        if request.section is not None:
            scene_cls = stop_after_section(scene_cls, request.section, seen)
        scene = context.render(last_frame_scene(scene_cls))
        chosen = None
        if request.section is not None:
            chosen = next(
                (
                    (number, name)
                    for number, name in enumerate(seen, start=1)
                    if request.section.matches(number, name)
                ),
                None,
            )
            if chosen is None:
                listed = ", ".join(f"{n} {name!r}" for n, name in enumerate(seen, start=1))
                raise SectionNotFoundError(
                    f"{request.scene.name} has no section {request.section}; its sections are "
                    f"{listed or '(none)'} — pass --section with one of those numbers or names"
                )
        produced = context.output(scene)
        final = publish(produced, request.output_path(output_dir, chosen))
    return PreviewResult(final, seen, chosen)


def viewer_command(platform: str = sys.platform) -> list[str] | None:
    """The system's "open this file" command, or ``None`` when there is none.

    Only ``xdg-open`` on Linux/BSD: Debian's ``/usr/bin/open`` is ``openvt`` (it starts a
    program on a virtual console), so ``open`` is trusted on macOS alone.
    """
    if platform == "darwin":
        found = shutil.which("open")
        return [found] if found else None
    if platform.startswith("win"):
        return None  # os.startfile, see open_in_viewer
    found = shutil.which("xdg-open")
    return [found] if found else None


def open_in_viewer(path: Path) -> bool:
    """Open ``path`` in the system viewer without waiting for it; ``False`` if there is none."""
    if sys.platform.startswith("win"):  # pragma: no cover - not a supported dev platform
        startfile = getattr(os, "startfile", None)
        if startfile is None:
            return False
        startfile(str(path))
        return True
    command = viewer_command()
    if command is None:
        return False
    subprocess.Popen(
        [*command, str(path)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    return True
