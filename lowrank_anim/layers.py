"""The floors of the project: which part may import which, as data.

A part is a package (a path ending in ``/``: the package and every module in it) or one module
(a path ending in ``.py``).  A part may import the parts it lists and, through them, whatever
those may import; its floor is one above the highest of them, so nothing imports upwards.
``docs/architecture.md``'s layer table is generated from :data:`LAYERS` (``make readme``), and
``tests/cli/test_architecture.py`` checks the import graph (:mod:`lowrank_anim.imports`) against
it with :func:`forbidden_imports`, so an upward import fails the fast suite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Layer:
    """One part of the project and the parts it may import."""

    path: str
    """``"lowrank_anim/pipeline/"`` (a package) or ``"lowrank_anim/paths.py"`` (a module)."""
    job: str
    """What the part is for, one line (a cell of the docs' table)."""
    may_import: tuple[str, ...] = ()
    """The ``path`` of each part it imports directly."""

    @property
    def module(self) -> str:
        """The dotted name: ``lowrank_anim.pipeline``, ``lowrank_anim.paths``, ``render``."""
        name = self.path.removesuffix("/").removesuffix(".py").replace("/", ".")
        return name.removesuffix(".__init__")

    @property
    def is_package(self) -> bool:
        return self.path.endswith("/")

    def holds(self, module: str) -> bool:
        """Whether ``module`` belongs to this part."""
        return module == self.module or (self.is_package and module.startswith(f"{self.module}."))


#: Every part, ground floor first.
LAYERS: tuple[Layer, ...] = (
    Layer(
        "lowrank_anim/__init__.py",
        "the package: its version and the Jupyter extension hook (which loads `notebook` by name)",
    ),
    Layer(
        "lowrank_anim/core/",
        "safe output files (atomic publishing, scratch folders, sizes), the SIGTERM policy and "
        "the HTML page templates' environment",
    ),
    Layer("lowrank_anim/paths.py", "the project's paths: the root, `scenes/`, `assets/`, the lock"),
    Layer(
        "lowrank_anim/maths/",
        "the rank-r model, parameters, palette, layout fitting (numpy, never manim)",
    ),
    Layer(
        "lowrank_anim/registry.py",
        "CLI name → scene class, named as text (listing scenes imports none)",
    ),
    Layer("lowrank_anim/layers.py", "this table, and the check of the import graph against it"),
    Layer(
        "lowrank_anim/imports.py",
        "the import graph, read with `ast` (cache keys, this check)",
        ("lowrank_anim/paths.py",),
    ),
    Layer(
        "lowrank_anim/docblocks.py",
        "the one writer of generated blocks in the docs",
        ("lowrank_anim/core/",),
    ),
    Layer(
        "scenes/",
        "the animations, on manim: one claim of the post per scene, beats as sections",
        ("lowrank_anim/maths/",),
    ),
    Layer(
        "lowrank_anim/health/",
        "the doctor, known-failure diagnosis, native-binary architecture checks (no render)",
        ("lowrank_anim/core/", "lowrank_anim/paths.py", "lowrank_anim/docblocks.py"),
    ),
    Layer(
        "lowrank_anim/pipeline/",
        "a request → manim configuration → render → files; the cache, manifest, LaTeX store, "
        "encoders, manim patches, worker pools and the farm",
        (
            "lowrank_anim/core/",
            "lowrank_anim/paths.py",
            "lowrank_anim/maths/",
            "lowrank_anim/registry.py",
            "lowrank_anim/imports.py",
            "lowrank_anim/health/",
        ),
    ),
    Layer(
        "lowrank_anim/authoring/",
        "previews, watch mode and its live page",
        ("lowrank_anim/pipeline/",),
    ),
    Layer(
        "lowrank_anim/web/",
        "web export, embed snippets, the explorable figure, the gallery, notebook posts",
        ("lowrank_anim/pipeline/",),
    ),
    Layer(
        "lowrank_anim/cli/",
        "the click commands and the generated docs",
        ("lowrank_anim/authoring/", "lowrank_anim/web/", "lowrank_anim/layers.py"),
    ),
    Layer(
        "lowrank_anim/notebook.py",
        "the scenes in Jupyter: `show` and the `%lowrank` magic",
        ("lowrank_anim/cli/",),
    ),
    Layer(
        "lowrank_anim/__main__.py",
        "`python -m lowrank_anim`: the CLI",
        ("lowrank_anim/cli/",),
    ),
    Layer("render.py", "the entry point: `main()` of the CLI", ("lowrank_anim/cli/",)),
)

#: The top-level packages and modules the table covers (the roots of the import graph).
ROOTS = ("lowrank_anim", "scenes", "render")


class LayerTableError(ValueError):
    """The table itself is wrong: a part names a part the table does not have."""


def part_of(module: str, layers: Iterable[Layer] = LAYERS) -> Layer | None:
    """The part that holds ``module`` (the most specific one), or None."""
    holders = [layer for layer in layers if layer.holds(module)]
    return max(holders, key=lambda layer: len(layer.module), default=None)


def allowed(layer: Layer, layers: tuple[Layer, ...] = LAYERS) -> frozenset[str]:
    """The ``path`` of every part ``layer`` may import: those it lists and, through them,
    whatever those may import (its own included)."""
    by_path = {layer.path: layer for layer in layers}
    path = layer.path
    reached = {path}
    todo = list(by_path[path].may_import)
    while todo:
        step = todo.pop()
        if step not in by_path:
            raise LayerTableError(f"{path} may import {step!r}, which is not a part of the table")
        if step not in reached:
            reached.add(step)
            todo.extend(by_path[step].may_import)
    return frozenset(reached)


def floors(layers: tuple[Layer, ...] = LAYERS) -> dict[str, int]:
    """Each part's floor: 0 for a part that imports none of ours, else one above the highest
    part it may import.  Raises :class:`LayerTableError` when the table has a loop."""
    by_path = {layer.path: layer for layer in layers}
    found: dict[str, int] = {}

    def floor(path: str, climbing: tuple[str, ...]) -> int:
        if path in climbing:
            loop = " → ".join([*climbing[climbing.index(path) :], path])
            raise LayerTableError(f"the table's floors go round in a loop: {loop}")
        if path not in by_path:
            raise LayerTableError(f"{climbing[-1]} may import {path!r}, which is not a part")
        if path not in found:
            below = [floor(step, (*climbing, path)) for step in by_path[path].may_import]
            found[path] = 1 + max(below) if below else 0
        return found[path]

    for layer in layers:
        floor(layer.path, ())
    return found


def forbidden_imports(
    graph: Mapping[str, Iterable[str]], layers: tuple[Layer, ...] = LAYERS
) -> list[str]:
    """Every import in ``graph`` (module → modules it imports) that the table does not allow,
    and every module no part holds, one sentence each, sorted.

    Importing a module also loads the packages above it: a package that holds an allowed part
    (``lowrank_anim`` for ``lowrank_anim.maths``) may be imported along with it.
    """
    floor = floors(layers)
    problems = []
    for module, deps in graph.items():
        layer = part_of(module, layers)
        if layer is None:
            problems.append(f"{module} is in no part of the layer table: add it to LAYERS")
            continue
        reach = allowed(layer, layers)
        refused = [
            dep
            for dep in deps
            if not _in(part_of(dep, layers), reach)
            and not any(_is_parent(dep, part, layers) for part in reach)
        ]
        for dep in sorted(refused):
            if any(other.startswith(f"{dep}.") for other in refused):
                continue  # ``from a.b import c`` names a.b and a.b.c: one import, one sentence
            target = part_of(dep, layers)
            where = f"{target.path} (floor {floor[target.path]})" if target else "no part"
            problems.append(
                f"{module} imports {dep}: {layer.path} (floor {floor[layer.path]}) "
                f"may not import {where}"
            )
    return sorted(problems)


def _in(layer: Layer | None, paths: frozenset[str]) -> bool:
    return layer is not None and layer.path in paths


def _is_parent(dep: str, part: str, layers: tuple[Layer, ...]) -> bool:
    module = next(layer.module for layer in layers if layer.path == part)
    return module.startswith(f"{dep}.")


def table() -> str:
    """The Markdown table of :data:`LAYERS`: floor, part, job, what it may import."""
    floor = floors()
    lines = ["| floor | part | job | may import |", "| --- | --- | --- | --- |"]
    for layer in sorted(LAYERS, key=lambda layer: floor[layer.path]):
        names = ", ".join(f"`{path}`" for path in layer.may_import) or "nothing of ours"
        lines.append(f"| {floor[layer.path]} | `{layer.path}` | {layer.job} | {names} |")
    return "\n".join(lines)
