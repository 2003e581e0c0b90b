"""The one store of compiled LaTeX and Pango text, shared by every command writing into one
output directory: render, preview, watch, web export and the tests' dry runs.

Why: compiling a scene's ``MathTex`` (``latex`` + ``dvisvgm``) is about half of a low-quality
render and most of a cold preview.  manim keeps these SVGs in its ``tex_dir`` and ``text_dir``
and trusts any file under a cached name, but it is not safe to share them: it writes the
``.tex``/``.dvi``/``.svg`` in place (another process can read them half-written), and after
every compile ``delete_nonsvg_files`` unlinks *every* non-SVG entry of ``tex_dir`` — another
process's ``.dvi`` mid-compile, and any folder (``IsADirectoryError``).

So manim is never pointed at the store:

* the store is ``OUTPUT_DIR/.cache/tex`` and ``OUTPUT_DIR/.cache/text`` (or, with
  ``LOWRANK_TEX_STORE=DIR`` in the environment, ``DIR/tex`` and ``DIR/text``, one store for
  every output directory: an author rendering into ``media/``, ``web/`` and a post's folder
  compiles each formula once; the test suite shares one this way) and holds only
  complete ``<hash>.svg`` files, each put there with an atomic rename (names are hashes of the
  whole input, so two processes publishing one name publish the same bytes);
* each render gets private ``tex_dir``/``text_dir`` folders in a scratch directory *beside* the
  stores (``OUTPUT_DIR/.cache/.render-*``, never inside a folder manim cleans), seeded with
  hard links to the stored SVGs, so it compiles only what is new.  A link shares the stored
  file, so nothing may rewrite one in place: manim did, for every ``Text`` (manimpango's
  ``remove_last_M``), until the *text* patch of :mod:`lowrank_anim.pipeline.manim_patches`;
* when the render succeeds, its new SVGs are published into the store.  A failed render adds
  nothing (it may have left a truncated file).  A render killed with ``kill -9`` leaves only its
  scratch directory, which the next command removes once its owner is dead
  (:func:`lowrank_anim.core.outputs.scratch_dir`); the store itself is never half-written.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lowrank_anim.core.outputs import publish, scratch_dir

#: Where, under an output directory, the stores and the renders' private folders live.
CACHE_DIRNAME = ".cache"

#: manim config key → store name under ``OUTPUT_DIR/.cache``.
STORES: dict[str, str] = {"tex_dir": "tex", "text_dir": "text"}

#: The environment variable naming one store for every output directory.
STORE_ENV = "LOWRANK_TEX_STORE"


def store_root(output_dir: Path) -> Path:
    """The folder holding the stores of ``output_dir``: its ``.cache``, or the one folder
    :data:`STORE_ENV` names."""
    shared = os.environ.get(STORE_ENV, "").strip()
    return Path(shared).expanduser() if shared else output_dir / CACHE_DIRNAME


def store_dir(output_dir: Path, config_key: str) -> Path:
    """The shared store for one manim directory setting (``tex_dir`` or ``text_dir``)."""
    return store_root(output_dir) / STORES[config_key]


def complete(svg: Path) -> bool:
    """Whether ``svg`` is a whole SVG file (it ends with its closing tag)."""
    try:
        with open(svg, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - 64))
            return f.read().rstrip().endswith(b"</svg>")
    except OSError:
        return False


def seed(store: Path, private: Path) -> int:
    """Link every stored SVG into ``private``; returns how many.  Copies where links fail
    (another filesystem, or one without hard links).

    An incomplete stored SVG is dropped from the store, to be compiled again: versions before
    the *text* patch (:mod:`lowrank_anim.pipeline.manim_patches`) could leave one behind.
    """
    count = 0
    for svg in store.glob("*.svg"):
        if not complete(svg):
            with contextlib.suppress(OSError):
                svg.unlink()
            continue
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
    """Publish the complete SVGs ``private`` has and ``store`` lacks; returns how many."""
    count = 0
    for svg in private.glob("*.svg"):
        final = store / svg.name
        if final.exists() or svg.name.endswith("_.svg"):  # manim's own parse-time side file
            continue
        if not complete(svg):
            continue  # dvisvgm's exit status is ignored by manim: never store a truncated SVG
        publish(svg, final)
        count += 1
    return count


def harvest_all(caches: dict[str, str], output_dir: Path) -> int:
    """Publish now what the private folders ``caches`` (of :func:`private_dirs`) compiled, for
    other processes to use before this render ends (the chunks of a chunked render)."""
    return sum(harvest(Path(caches[key]), store_dir(output_dir, key)) for key in STORES)


@contextmanager
def private_dirs(output_dir: Path) -> Iterator[dict[str, str]]:
    """Private, pre-seeded ``tex_dir`` and ``text_dir`` for one render, as manim config keys.

    New SVGs reach the shared store only if the body finishes without an exception.
    """
    cache_root = store_root(output_dir)
    stores = {key: store_dir(output_dir, key) for key in STORES}
    for store in stores.values():
        store.mkdir(parents=True, exist_ok=True)
    # scratch_dir(x) makes its private directory beside x: here in .cache/, beside the stores.
    with scratch_dir(cache_root / "work") as work:
        dirs: dict[str, Path] = {}
        for key, store in stores.items():
            private = work / STORES[key]
            private.mkdir()
            seed(store, private)
            dirs[key] = private
        yield {key: str(path) for key, path in dirs.items()}
        for key, private in dirs.items():
            harvest(private, stores[key])
