"""The compiled extensions the render stack loads, found and checked WITHOUT importing them.

When ``import cairo`` is the thing that fails, nothing here may import cairo (or numpy, or
manim) to find out why.  Packages are located with :func:`importlib.util.find_spec` on their
top-level name, which only asks the import finders where the package lives; their binaries are
the native files inside it plus those its distribution installed elsewhere (auditwheel's
``numpy.libs``, ``pillow.libs``, …), and :mod:`lowrank_anim.health.archcheck` reads each header.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from lowrank_anim.health import archcheck


@dataclass(frozen=True)
class NativePackage:
    """One package of the render stack that ships compiled code."""

    import_name: str
    distribution: str
    """The name pip knows it by (what to ``pip install --force-reinstall``)."""
    role: str


#: Every package with compiled code that a render loads: manim's imports plus what
#: rendering RankOneUpdate pulls in (``tests/health/test_native.py`` checks this list stays
#: complete).
RENDER_STACK: tuple[NativePackage, ...] = (
    NativePackage("cairo", "pycairo", "draws every frame"),
    NativePackage("manimpango", "manimpango", "lays out Text"),
    NativePackage("av", "av", "encodes the video"),
    NativePackage("numpy", "numpy", "all the maths"),
    NativePackage("PIL", "pillow", "images and PNG output"),
    NativePackage("pathops", "skia-pathops", "boolean operations on shapes"),
    NativePackage("mapbox_earcut", "mapbox-earcut", "triangulates filled shapes"),
    NativePackage("scipy", "scipy", "manim's interpolation and rotations"),
    NativePackage("moderngl", "moderngl", "imported by manim for its OpenGL renderer"),
)

_NATIVE_NAME = re.compile(r"\.(so|dylib|pyd)(\.[0-9.]+)?$|\.so\.")


@dataclass(frozen=True)
class PackageBinaries:
    """Where a package lives and the architecture of each of its native files."""

    package: NativePackage
    location: Path | None
    """None when the package is not installed."""
    binaries: tuple[tuple[Path, archcheck.BinaryArch], ...]

    def foreign(self, arch: str) -> list[tuple[Path, archcheck.BinaryArch]]:
        """The binaries a process of ``arch`` cannot load."""
        return [(path, found) for path, found in self.binaries if not found.supports(arch)]


def package_location(import_name: str) -> Path | None:
    """The directory (or single file) of a top-level package, found without importing it."""
    try:
        spec = importlib.util.find_spec(import_name)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    if spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(spec.origin) if spec.origin and spec.has_location else None


def _distribution_native_files(distribution: str) -> list[Path]:
    """Native files a distribution installed, from its RECORD (includes ``*.libs`` folders)."""
    try:
        dist = importlib.metadata.distribution(distribution)
        files = dist.files or []
    except importlib.metadata.PackageNotFoundError:
        return []
    return [
        Path(str(dist.locate_file(f)))
        for f in files
        if _NATIVE_NAME.search(f.name) and not f.name.endswith(".py")
    ]


def package_binaries(package: NativePackage) -> PackageBinaries:
    """Every native binary of ``package`` with its architecture (read from the header)."""
    location = package_location(package.import_name)
    if location is None:
        return PackageBinaries(package, None, ())
    found: dict[Path, archcheck.BinaryArch] = {}
    roots = [location, *_distribution_native_files(package.distribution)]
    for root in roots:
        if not root.exists():
            continue
        for path, arch in archcheck.scan_tree([root]):
            found.setdefault(path, arch)
    return PackageBinaries(package, location, tuple(sorted(found.items())))


def stack_binaries() -> list[PackageBinaries]:
    """:func:`package_binaries` for the whole :data:`RENDER_STACK`."""
    return [package_binaries(package) for package in RENDER_STACK]


def distribution_of(binary: Path) -> str | None:
    """The pip name of the distribution that owns ``binary``, if it can be told.

    Works for paths from another machine too (an error message quoting
    ``/Users/…/site-packages/cairo/_cairo….so``): the folder after ``site-packages`` names the
    top-level module.
    """
    top = _top_level_module(binary)
    if top is None:
        return None
    for package in RENDER_STACK:
        if package.import_name == top:
            return package.distribution
    try:
        owners = importlib.metadata.packages_distributions().get(top)
    except Exception:  # broken metadata must not break a diagnosis
        owners = None
    return owners[0] if owners else None


def _top_level_module(binary: Path) -> str | None:
    parts = binary.parts
    for marker in ("site-packages", "dist-packages"):
        if marker in parts[:-1]:
            index = len(parts) - 1 - parts[::-1].index(marker)
            if index + 1 < len(parts):
                return parts[index + 1].split(".")[0]
    for entry in sys.path:
        if entry and _is_within(binary, Path(entry)):
            relative = Path(os.path.relpath(binary, entry))
            return relative.parts[0].split(".")[0]
    return None


def _is_within(path: Path, root: Path) -> bool:
    try:
        Path(os.path.abspath(path)).relative_to(os.path.abspath(root))
    except ValueError:
        return False
    return True
