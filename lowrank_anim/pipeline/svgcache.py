"""LaTeX and text SVGs shared by every render into one output directory.

Why this exists: every render works in a private scratch media directory (so parallel jobs never
collide), and manim keeps its compiled LaTeX (``tex_dir``) and Pango text (``text_dir``) inside
the media directory by default. A scratch directory starts empty, so each render would call
``latex`` and ``dvisvgm`` again for every formula — measured at about half of a low-quality
render of RankOneUpdate. Plain ``manim`` keeps ``media/Tex`` between runs; so do we, safely:

* the shared store is ``OUTPUT_DIR/.cache/{tex,text}``;
* each render gets a *private* copy, seeded with hard links to the stored SVGs (manim only
  checks whether ``<hash>.svg`` exists, and never rewrites one), so concurrent renders never see
  each other's half-written ``.tex``/``.dvi``/``.svg`` files;
* after a successful render its new SVGs are moved into the store with an atomic
  ``os.replace``. SVG names are hashes of their whole input (LaTeX source and template, or text
  and font settings), so two renders publishing the same name publish the same content.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from lowrank_anim.pipeline.outputs import publish, scratch_dir

#: Where, under an output directory, the shared SVG stores live.
CACHE_DIRNAME = ".cache"

#: manim config key → store name under ``OUTPUT_DIR/.cache``.
STORES: dict[str, str] = {"tex_dir": "tex", "text_dir": "text"}


def store_dir(output_dir: Path, config_key: str) -> Path:
    """The shared store for one manim directory setting (``tex_dir`` or ``text_dir``)."""
    return output_dir / CACHE_DIRNAME / STORES[config_key]


def seed(store: Path, private: Path) -> int:
    """Link every stored SVG into ``private``; returns how many. Copies where links fail
    (another filesystem, or one without hard links)."""
    count = 0
    for svg in store.glob("*.svg"):
        target = private / svg.name
        try:
            os.link(svg, target)
        except FileExistsError:
            continue
        except OSError:
            shutil.copy2(svg, target)
        count += 1
    return count


def harvest(private: Path, store: Path) -> int:
    """Move the SVGs ``private`` has and ``store`` lacks into ``store``; returns how many."""
    count = 0
    for svg in private.glob("*.svg"):
        final = store / svg.name
        if not final.exists():
            publish(svg, final)
            count += 1
    return count


@contextmanager
def shared_svg_caches(output_dir: Path) -> Iterator[dict[str, str]]:
    """Private, pre-seeded ``tex_dir`` and ``text_dir`` for one render, as manim config keys.

    New SVGs reach the shared store only if the body finishes without an exception: a failed
    render might have left a truncated file behind.
    """
    with ExitStack() as stack:
        dirs: dict[str, Path] = {}
        for key in STORES:
            store = store_dir(output_dir, key)
            store.mkdir(parents=True, exist_ok=True)
            # scratch_dir(x) makes a private directory beside x, here inside the store.
            private = stack.enter_context(scratch_dir(store / "svg"))
            seed(store, private)
            dirs[key] = private
        yield {key: str(path) for key, path in dirs.items()}
        for key, private in dirs.items():
            harvest(private, store_dir(output_dir, key))
