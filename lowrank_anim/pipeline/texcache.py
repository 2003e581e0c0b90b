"""Make manim's LaTeX cache safe to share between processes, and quiet on a full disk.

manim caches each formula as ``<tex_dir>/<hash>.svg`` and trusts any file under that name: it
writes the ``.tex``, ``.dvi`` and ``.svg`` in place (a second process can read them
half-written), deletes every non-SVG file in the directory (including another process's
``.dvi`` mid-compile), and while parsing an SVG writes ``<hash>_.svg`` beside it and deletes it
(two processes parsing one formula delete each other's).  Every render here has its own
scratch media directory, so the cache is private by default; but a shared ``tex_dir`` (to
compile each formula once across renders) would race.  With :func:`install`:

* each formula is compiled in a private scratch directory and its SVG published into the
  cache with an atomic rename, so an SVG under its cached name is always complete;
* manim gets a per-process link to the cached SVG, so its ``_.svg`` side file is private;
* what latex and dvisvgm print to stderr is held back and replayed, except when the disk is
  full: then the one-line "no space left" error is all the user sees.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lowrank_anim.pipeline.outputs import disk_error, nearly_full, publish, scratch_dir

_MARK = "_lowrank_atomic"
# Per-process directories holding links to cached SVGs, open (and locked) until exit.
_private_dirs: dict[Path, Path] = {}
_exit_stack = contextlib.ExitStack()
atexit.register(_exit_stack.close)


def install() -> None:
    """Route manim's ``tex_to_svg_file`` through :func:`atomic_tex_to_svg_file` (idempotent)."""
    import manim.mobject.text.tex_mobject as tex_mobject

    # tex_mobject imported the function by name, so that is the reference to replace.
    if not getattr(getattr(tex_mobject, "tex_to_svg_file", None), _MARK, False):
        setattr(tex_mobject, "tex_to_svg_file", atomic_tex_to_svg_file)  # noqa: B010


def atomic_tex_to_svg_file(
    expression: str, environment: str | None = None, tex_template: Any = None
) -> Path:
    """manim's ``tex_to_svg_file``, compiled privately, published atomically, read privately."""
    from manim import config
    from manim.utils import tex_file_writing

    template = tex_template if tex_template is not None else config["tex_template"]
    code = (
        template.get_texcode_for_expression(expression)
        if environment is None
        else template.get_texcode_for_expression_in_env(expression, environment)
    )
    shared = config.get_dir("tex_dir")
    cached = shared / f"{tex_file_writing.tex_hash(code)}.svg"
    if not cached.is_file():
        configured = config.tex_dir
        with scratch_dir(cached) as private, _stderr_held(cached.parent):
            config.tex_dir = private
            try:
                produced = tex_file_writing.tex_to_svg_file(expression, environment, template)
            finally:
                config.tex_dir = configured
            # manim ignores dvisvgm's exit status; a truncated SVG must never enter the cache.
            if not produced.read_bytes().rstrip().endswith(b"</svg>"):
                raise RuntimeError(f"dvisvgm wrote an incomplete SVG for {expression!r}")
            publish(produced, cached)
    return _private_link(cached)


def _private_link(cached: Path) -> Path:
    """A path to ``cached`` that only this process uses (a hard link, else a copy)."""
    private = _private_dirs.get(cached.parent)
    if private is None or not private.is_dir():
        private = _exit_stack.enter_context(scratch_dir(cached))
        _private_dirs[cached.parent] = private
    link = private / cached.name
    if not link.exists():
        try:
            os.link(cached, link)
        except OSError:
            shutil.copyfile(cached, link)
    return link


@contextlib.contextmanager
def _stderr_held(directory: Path) -> Iterator[None]:
    """Hold what is written to file descriptor 2 (latex, dvisvgm, manim's log) in the block.

    It is replayed afterwards, unless the block failed because ``directory``'s disk is full:
    TeX then prints "fclose: No space left on device", which would only repeat our one line.
    """
    try:
        sys.stderr.flush()
        held = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
        saved = os.dup(2)
    except (OSError, ValueError):
        yield  # no spare descriptor or temp space: let the tools print as they like
        return
    failure: BaseException | None = None
    os.dup2(held.fileno(), 2)
    try:
        yield
    except BaseException as exc:
        failure = exc
        raise
    finally:
        with contextlib.suppress(OSError, ValueError):
            sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
        held.seek(0)
        text = held.read()
        held.close()
        full = failure is not None and (
            disk_error(failure, directory) is not None or nearly_full(directory)
        )
        if text and not full:
            os.write(2, text)
