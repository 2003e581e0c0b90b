"""Make manim's LaTeX cache safe to share between processes running at the same time.

manim caches each formula as ``<tex_dir>/<hash>.svg`` and trusts any file under that name: it
writes the ``.tex``, the ``.dvi`` and the ``.svg`` in place (a second process can read them
half-written) and then deletes every non-SVG file in the directory (including the other
process's ``.dvi`` mid-compile).  Every render here has its own scratch media directory, so
the cache is private by default; but a shared ``tex_dir`` (to compile each formula once across
renders) would race.  With :func:`install`, each formula is compiled in a private scratch
directory beside the cache and its SVG published with an atomic rename, so an SVG under its
final name is always complete, and nothing deletes another process's files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lowrank_anim.outputs import publish, scratch_dir

_MARK = "_lowrank_atomic"


def install() -> None:
    """Route manim's ``tex_to_svg_file`` through :func:`atomic_tex_to_svg_file` (idempotent)."""
    import manim.mobject.text.tex_mobject as tex_mobject

    # tex_mobject imported the function by name, so that is the reference to replace.
    if not getattr(getattr(tex_mobject, "tex_to_svg_file", None), _MARK, False):
        setattr(tex_mobject, "tex_to_svg_file", atomic_tex_to_svg_file)  # noqa: B010


def atomic_tex_to_svg_file(
    expression: str, environment: str | None = None, tex_template: Any = None
) -> Path:
    """manim's ``tex_to_svg_file``, compiled privately and published atomically."""
    from manim import config
    from manim.utils import tex_file_writing

    template = tex_template if tex_template is not None else config["tex_template"]
    code = (
        template.get_texcode_for_expression(expression)
        if environment is None
        else template.get_texcode_for_expression_in_env(expression, environment)
    )
    shared = config.get_dir("tex_dir")
    final = shared / f"{tex_file_writing.tex_hash(code)}.svg"
    if final.is_file():
        return final
    configured = config.tex_dir
    with scratch_dir(final) as private:
        config.tex_dir = private
        try:
            produced = tex_file_writing.tex_to_svg_file(expression, environment, template)
        finally:
            config.tex_dir = configured
        return publish(produced, final)


setattr(atomic_tex_to_svg_file, _MARK, True)
