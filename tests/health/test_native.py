"""lowrank_anim.health.native: the render stack's native binaries, found without importing them."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lowrank_anim.health import archcheck, native
from tests.conftest import ROOT

_LOADED_BY_A_RENDER = """
import sys, tempfile
from pathlib import Path
from manim import tempconfig
from lowrank_anim.pipeline import texstore
from lowrank_anim.registry import SCENES
with tempfile.TemporaryDirectory() as media, texstore.private_dirs(Path(media)) as dirs:
    # Every beat's construct (every module a scene's code reaches, LaTeX included) with every
    # play skipped: the frames are drawn by code every scene shares, loaded by the first.
    # LaTeX as a render has it: from the store (the suite's one store, LOWRANK_TEX_STORE).
    options = {"dry_run": True, "media_dir": media, **dirs,
               "quality": "low_quality", "progress_bar": "none", "verbosity": "WARNING"}
    for number, spec in enumerate(SCENES.values()):
        with tempconfig({**options, "from_animation_number": 0 if number == 0 else 10**9}):
            spec.load()().render()
for module in list(sys.modules.values()):
    path = str(getattr(module, "__file__", None) or "")
    if path.endswith((".so", ".dylib", ".pyd")):
        print(path)
"""


@pytest.mark.latex
def test_render_stack_lists_every_native_package_a_render_loads() -> None:
    """If manim (or a scene) starts loading another compiled package, the doctor and the
    import-error diagnosis must learn about it: this fails until RENDER_STACK names it.
    (In a subprocess, so modules other tests import do not count.)"""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED_BY_A_RENDER],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,  # eight scenes' LaTeX, compiled cold on a loaded machine
    )
    loaded = {Path(line) for line in done.stdout.splitlines()}
    installed = [p for p in loaded if {"site-packages", "dist-packages"} & set(p.parts)]
    known = [found.location for found in native.stack_binaries() if found.location]
    unlisted = sorted(str(p) for p in installed if not any(p.is_relative_to(k) for k in known))
    assert installed, "the probe saw no native module at all: it is broken"
    assert not unlisted, f"native modules outside RENDER_STACK: {unlisted[:5]}"


def test_every_stack_package_is_found_with_binaries_for_this_cpu() -> None:
    host = archcheck.host_arch()
    for found in native.stack_binaries():
        assert found.location is not None, found.package
        assert found.binaries, found.package
        assert not found.foreign(host), found.package


def test_finding_binaries_imports_nothing() -> None:
    """The whole point: it must work when importing them is what fails."""
    code = textwrap.dedent(
        """
        import sys
        from lowrank_anim.health import native
        found = native.stack_binaries()
        assert all(p.binaries for p in found)
        loaded = [p.import_name for p in native.RENDER_STACK if p.import_name in sys.modules]
        assert not loaded, loaded
        assert "manim" not in sys.modules
        """
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=120)


def test_distribution_names() -> None:
    assert native.distribution_of(Path("/x/site-packages/cairo/_cairo.so")) == "pycairo"
    assert native.distribution_of(Path("/x/dist-packages/PIL/_imaging.so")) == "pillow"
    assert native.distribution_of(Path("/x/site-packages/pathops/_pathops.so")) == "skia-pathops"
    assert native.distribution_of(Path("/nowhere/lib.so")) is None


def test_a_missing_package_is_reported_not_raised() -> None:
    ghost = native.NativePackage("no_such_package_xyz", "no-such-package", "nothing")
    found = native.package_binaries(ghost)
    assert found.location is None
    assert found.binaries == ()
