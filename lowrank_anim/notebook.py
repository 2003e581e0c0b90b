"""The scenes in Jupyter: :func:`show` and the ``%lowrank`` line magic.

Both parse their arguments with ``render.py render``'s own parser
(:func:`lowrank_anim.cli.render.plan_render`), so a notebook gets the same requests, the same
pipeline and cache (an unchanged cell is a cache hit) and the same one-line errors as the
command line.  The player is self-contained: the clip and its captions are ``data:`` URLs, so
it plays in JupyterLab, Notebook, VS Code and an nbconvert HTML page without files beside the
notebook (a 480p15 clip adds a few hundred kB to the ``.ipynb``).  Each output's metadata holds
a record (:data:`METADATA_KEY`) that ``render.py post`` reads to replace the player with the
clip's embed snippet.

Only this module imports IPython, and only when a notebook uses it; the CLI never does.
"""

from __future__ import annotations

import base64
import numbers
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from lowrank_anim.cli.app import one_line
from lowrank_anim.cli.render import plan_render
from lowrank_anim.maths.palette import DEFAULT_THEME
from lowrank_anim.pipeline.batch import render_batch
from lowrank_anim.pipeline.progress import failure_message
from lowrank_anim.pipeline.rendering import poster_path
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.web.clips import MIME_TYPES
from lowrank_anim.web.embed import escape, srt_to_vtt

__all__ = ["METADATA_KEY", "LowrankError", "SceneOutput", "load_ipython_extension", "show"]

#: The key of the record in each output's metadata.
METADATA_KEY = "lowrank_anim"


class LowrankError(Exception):
    """A mistake in a ``show()`` call or a ``%lowrank`` line, or a failed render: IPython
    shows it as this one line (``_render_traceback_``), never as a traceback."""

    def _render_traceback_(self) -> list[str]:
        return [f"{type(self).__name__}: {self}"]


def data_url(mime: str, payload: bytes) -> str:
    """``payload`` as a ``data:`` URL."""
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def export_options(request: RenderRequest) -> list[str]:
    """The ``render.py export`` arguments that publish the clip ``request`` shows: the scene
    and its scene options (the quality is the post's choice; web clips are never transparent,
    so ``--transparent`` is left out)."""
    words = [request.scene.name]
    if request.theme != DEFAULT_THEME:
        words += ["--theme", request.theme]
    for key, value in request.params.as_json().items():
        words += ["--set", f"{key}={format_value(value)}"]
    return words


@dataclass(frozen=True)
class SceneOutput:
    """A rendered file, displayed as a player (videos), an image (png, gif) or its path."""

    path: Path
    request: RenderRequest
    status: str = "rendered"
    """``rendered`` or ``cached`` (an unchanged cell reuses the file, instantly)."""

    def record(self) -> dict[str, Any]:
        """The machine-readable record kept in the output's metadata."""
        return {
            "scene": self.request.scene.name,
            "options": export_options(self.request),
            "quality": self.request.quality,
            "format": self.request.fmt,
            "path": str(self.path),
            "status": self.status,
        }

    def html(self) -> str:
        """A ``<video>`` with its caption track, both as ``data:`` URLs (an ``<img>`` for GIF)."""
        description = escape(self.request.scene.description)
        src = data_url(MIME_TYPES[self.request.fmt], self.path.read_bytes())
        if self.request.fmt == "gif":
            return f'<img src="{src}" alt="{description}" style="max-width:100%">'
        # The poster (the last frame) shows the finished picture before playback; frame 0
        # is often an empty plane.
        poster = poster_path(self.path)
        poster_attr = (
            f' poster="{data_url("image/png", poster.read_bytes())}"' if poster.is_file() else ""
        )
        lines = [
            f'<video controls playsinline muted loop preload="auto"{poster_attr} '
            f'aria-label="{description}" title="{description}" style="max-width:100%;height:auto">',
            f'<source src="{src}" type="{escape(MIME_TYPES[self.request.fmt])}">',
        ]
        subtitles = self.path.with_suffix(".srt")
        if subtitles.is_file():
            # The clips are silent: their captions are the narration, so they start shown.
            vtt = srt_to_vtt(subtitles.read_text(encoding="utf-8")).encode("utf-8")
            lines.append(
                f'<track kind="captions" src="{data_url("text/vtt", vtt)}" srclang="en" '
                'label="English" default>'
            )
        lines.append("</video>")
        return "\n".join(lines)

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        data: dict[str, Any] = {"text/plain": f"{self.path} ({self.status})"}
        if self.request.fmt == "png":
            data["image/png"] = base64.b64encode(self.path.read_bytes()).decode("ascii")
        else:
            data["text/html"] = self.html()
        return data, {METADATA_KEY: self.record()}


def format_value(value: Any) -> str:
    """A parameter value as ``--set`` takes it: ``1.5,-0.5`` for a vector, rows (or columns)
    joined by ``;`` for a matrix, a string as it is."""
    if isinstance(value, str):
        return value
    if isinstance(value, numbers.Real):  # numpy's numbers too; repr(float) is exact
        return repr(float(value))
    items = list(value)
    if items and not isinstance(items[0], (numbers.Real, str)):
        return ";".join(format_value(row) for row in items)
    return ",".join(format_value(item) for item in items)


def show_args(
    scene: str,
    *,
    quality: str = "low",
    format: str = "mp4",
    theme: str | None = None,
    transparent: bool = False,
    params: str | Path | None = None,
    force: bool = False,
    output_dir: str | Path | None = None,
    **numbers: Any,
) -> list[str]:
    """The ``render.py render`` arguments a :func:`show` call stands for."""
    args = [scene, "--quality", quality, "--format", format]
    if theme is not None:
        args += ["--theme", theme]
    if transparent:
        args.append("--transparent")
    if params is not None:
        args += ["--params", str(params)]
    for key, value in numbers.items():
        args += ["--set", f"{key}={format_value(value)}"]
    if force:
        args.append("--force")
    if output_dir is not None:
        args += ["--output-dir", str(output_dir)]
    return args


def render_outputs(args: Sequence[str], prog_name: str) -> list[SceneOutput]:
    """Parse ``args`` as ``render.py render`` does, render through the batch (the cache skips
    unchanged outputs) and return what to display; any mistake is a :class:`LowrankError`."""
    try:
        plan = plan_render(args, prog_name)
    except click.ClickException as exc:
        raise LowrankError(one_line(exc)) from None
    results = render_batch(
        plan.requests, plan.output_dir, jobs=plan.jobs, force=plan.force, draft=plan.draft
    )
    message = failure_message(results)
    if message:
        raise LowrankError(message)
    return [SceneOutput(result.path, result.request, result.status) for result in results]


def show(scene: str, **options: Any) -> SceneOutput:
    """Render ``scene`` (or reuse its cached render) and return an inline player.

    Keywords are ``render.py render``'s options (``quality``, ``format``, ``theme``,
    ``transparent``, ``params``, ``force``, ``output_dir``) and the scene's parameter keys
    (``W``, ``u``, ``v``, ``x``; ``U``, ``V`` for RankTwoUpdate) with numbers as values::

        show("RankOneUpdate", theme="light", x=(1.5, -0.5), v=(0.8, 0.6))
        show("RankOneUpdate", format="png")  # the last frame as an image
    """
    try:
        args = show_args(scene, **options)
    except TypeError as exc:  # a value that is neither a number, a string nor a sequence
        raise LowrankError(str(exc)) from None
    return render_outputs(args, "render.py render")[0]


def without_comment(line: str) -> str:
    """``line`` up to its comment: a ``#`` that starts a word outside quotes, as a shell reads
    it (``x=1#2`` and ``'#'`` are words, ``… # render's own options`` is a comment)."""
    quote, escaped, word_start = "", False, True
    for index, char in enumerate(line):
        literal = escaped or bool(quote)
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and word_start:
            return line[:index]
        word_start = not literal and char.isspace()
    return line


def magic_args(line: str) -> list[str]:
    """The words of a ``%lowrank`` line, split as a shell splits them, comment dropped."""
    try:
        return shlex.split(without_comment(line))
    except ValueError as exc:
        raise LowrankError(f"cannot split the line: {exc}; close its quotes") from None


def lowrank_magic(line: str) -> SceneOutput | None:
    """``%lowrank SCENE [render options] [# comment]``: ``render.py render``'s arguments,
    shown inline."""
    from IPython.display import display

    args = magic_args(line)
    try:
        outputs = render_outputs(args, "%lowrank")
    except click.exceptions.Exit:  # --help was printed
        return None
    if len(outputs) == 1:
        return outputs[0]
    for output in outputs:
        display(output)  # type: ignore[no-untyped-call]
    return None


def load_ipython_extension(ipython: Any) -> None:
    """``%load_ext lowrank_anim``: register the ``%lowrank`` line magic."""
    ipython.register_magic_function(lowrank_magic, "line", "lowrank")
