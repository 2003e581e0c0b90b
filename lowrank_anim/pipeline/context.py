"""The one manim render context: every render, preview, plan, chunk and test dry run runs in it.

What a render needs around manim's ``Scene.render()`` is the same everywhere, so it is written
once (:func:`render_context`): manim's patches installed
(:mod:`lowrank_anim.pipeline.manim_patches`), private LaTeX and text folders seeded from the
store (:mod:`lowrank_anim.pipeline.texstore`), a media folder (the caller's scratch folder, or a
temporary one), and one ``tempconfig`` built by
:func:`lowrank_anim.pipeline.config.manim_config` from the request, the encoder settings and the
caller's few keys, all passed explicitly. Inside it, :attr:`RenderContext.scene_class` is the
scene to render (a theme and custom numbers made into a variant once),
:meth:`RenderContext.render` renders a scene so that an interrupted one stops its encoders, and
:meth:`RenderContext.output` is the file manim wrote, checked. The copies of this skeleton that
used to live in each caller drifted apart (the 3-D preview crash was one of them); this is
the only module of the package that calls ``tempconfig`` (``tests/pipeline/test_context.py``).
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lowrank_anim.core.outputs import scratch_dir
from lowrank_anim.pipeline import manim_patches, texstore
from lowrank_anim.pipeline.config import manim_config
from lowrank_anim.pipeline.request import RenderRequest


class RenderError(RuntimeError):
    """A render that could not produce its file; the message says what to do."""


def scene_variant(scene_cls: type[Any], request: RenderRequest) -> type[Any]:
    """The scene class to render for ``request``: our scenes take a theme and custom
    numbers through ``variant``; a plain manim scene is rendered as it is."""
    variant = getattr(scene_cls, "variant", None)
    if variant is None:
        return scene_cls
    chosen: type[Any] = variant(theme=request.theme, example=request.example)
    return chosen


@dataclass(frozen=True)
class RenderContext:
    """What the body of :func:`render_context` renders with."""

    request: RenderRequest
    media_dir: Path
    """Where manim writes (removed by its owner, never published from directly)."""
    caches: dict[str, str]
    """The private ``tex_dir``/``text_dir``, as manim config keys."""
    scene_class: type[Any]
    """The scene to render: the request's variant, unless the caller gave a class."""

    def render(self, scene: Any) -> Any:
        """``scene.render()``; if it raises, the unfinished play's encoders are told to stop,
        so the process can exit (:func:`lowrank_anim.pipeline.manim_patches.stopping_encoders`)."""
        with manim_patches.stopping_encoders(scene):
            scene.render()
        return scene

    def output(self, scene: Any) -> Path:
        """The file manim wrote for ``scene`` (its image for png, else its movie), or a
        :class:`RenderError` if there is none."""
        writer = scene.renderer.file_writer
        produced = Path(
            writer.image_file_path if self.request.fmt == "png" else writer.movie_file_path
        )
        if not produced.is_file():
            raise RenderError(
                f"manim finished but wrote no {self.request.fmt} file for {self.request.scene.name}"
            )
        return produced


@contextlib.contextmanager
def render_context(
    request: RenderRequest,
    media_dir: Path | None = None,
    *,
    tex_store: Path,
    beside: Path | None = None,
    encoder: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
    scene_class: type[Any] | None = None,
    prefix: str = "lowrank-render-",
) -> Iterator[RenderContext]:
    """manim configured for ``request`` while the body runs.

    Where manim writes: ``media_dir`` if given; else, with ``beside`` (a file to publish), a
    scratch folder beside it (:func:`lowrank_anim.core.outputs.scratch_dir`, so publishing is
    a rename); else a temporary folder named ``PREFIX*``. Either is removed on the way out.
    ``tex_store``: the output directory whose LaTeX and text store seeds the private folders;
    what the body compiles is published there if it finishes without an exception.
    ``encoder``: the encoder's manim keys (:mod:`lowrank_anim.pipeline.encoding`);
    ``overrides``: the caller's own keys, which win over the encoder's. ``scene_class``: the
    class to render instead of the request's own scene (the tests' dry runs construct classes
    the registry does not name).
    """
    from manim import tempconfig

    manim_patches.install()
    if scene_class is None:
        scene_class = scene_variant(request.scene.load(), request)
    with contextlib.ExitStack() as stack:
        caches = stack.enter_context(texstore.private_dirs(tex_store))
        if media_dir is None and beside is not None:
            media_dir = stack.enter_context(scratch_dir(beside))
        elif media_dir is None:
            media_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))
        keys = {**(encoder or {}), **(overrides or {})}
        stack.enter_context(tempconfig(manim_config(request, media_dir, caches, **keys)))
        yield RenderContext(request, media_dir, caches, scene_class)
