"""The package's shape: no import cycle and no import of a higher floor (docs/architecture.md's
layer table, ``lowrank_anim.layers.LAYERS``), and the checkers that say so can find each."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lowrank_anim.imports import cycles, import_graph
from lowrank_anim.layers import (
    LAYERS,
    ROOTS,
    Layer,
    LayerTableError,
    floors,
    forbidden_imports,
    part_of,
)
from lowrank_anim.paths import PROJECT_ROOT


def test_lowrank_anim_has_no_import_cycle() -> None:
    graph = import_graph("lowrank_anim")
    assert "lowrank_anim.authoring.watch" in graph  # the graph really covers the subpackages
    assert cycles(graph) == []


def test_scenes_import_no_cycle_either() -> None:
    assert cycles(import_graph("scenes")) == []


@pytest.mark.parametrize(
    ("statement", "where"),
    [
        ("from pkg.b import thing\n", "top level"),
        ("def f():\n    from pkg import b\n", "inside a function"),
        ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.b\n", "typing"),
    ],
)
def test_a_planted_cycle_is_found(tmp_path: Path, statement: str, where: str) -> None:
    """Lazy and type-only imports count too: each is still a dependency (here: a → b → a)."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text(statement)
    (package / "b.py").write_text("from pkg.a import something\n")
    (package / "c.py").write_text("import pkg.a\n")
    assert cycles(import_graph("pkg", tmp_path)) == [["pkg.a", "pkg.b"]], where


def test_the_project_root_holds_the_packages() -> None:
    assert (PROJECT_ROOT / "lowrank_anim" / "paths.py").is_file()
    assert (PROJECT_ROOT / "scenes" / "__init__.py").is_file()


# Floors -----------------------------------------------------------------------------------------


def test_no_part_imports_a_part_the_layer_table_forbids() -> None:
    graph = import_graph(ROOTS)
    # The graph covers the library, the scenes and the entry point.
    assert {"lowrank_anim.pipeline.workers", "scenes.base", "render"} <= graph.keys()
    assert forbidden_imports(graph) == []


def test_the_floors_of_the_issue_hold() -> None:
    """core/ is the ground floor; health/ neither imports pipeline/ nor sits above it."""
    floor = floors()
    assert floor["lowrank_anim/core/"] == 0
    assert floor["lowrank_anim/health/"] < floor["lowrank_anim/pipeline/"]
    graph = import_graph("lowrank_anim")
    health = {
        dep
        for name, deps in graph.items()
        if name.startswith("lowrank_anim.health")
        for dep in deps
    }
    assert not {dep for dep in health if dep.startswith("lowrank_anim.pipeline")}


def test_every_part_of_the_table_exists() -> None:
    for layer in LAYERS:
        path = PROJECT_ROOT / layer.path
        assert path.is_dir() if layer.is_package else path.is_file(), layer.path


def project_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy2(PROJECT_ROOT / "render.py", copy / "render.py")
    for package in ("lowrank_anim", "scenes"):
        shutil.copytree(
            PROJECT_ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return copy


@pytest.mark.parametrize(
    ("module", "statement", "found"),
    [
        (
            "lowrank_anim/core/outputs.py",
            "def later():\n    from lowrank_anim.pipeline.request import RenderRequest\n",
            "lowrank_anim.core.outputs imports lowrank_anim.pipeline.request: "
            "lowrank_anim/core/ (floor 0) may not import lowrank_anim/pipeline/ (floor 3)",
        ),
        (
            "lowrank_anim/health/diagnosis.py",
            "import typing\nif typing.TYPE_CHECKING:\n    import lowrank_anim.pipeline\n",
            "lowrank_anim.health.diagnosis imports lowrank_anim.pipeline: "
            "lowrank_anim/health/ (floor 2) may not import lowrank_anim/pipeline/ (floor 3)",
        ),
        (
            "lowrank_anim/maths/model.py",
            "from lowrank_anim.core import outputs\n",
            "lowrank_anim.maths.model imports lowrank_anim.core.outputs: "
            "lowrank_anim/maths/ (floor 0) may not import lowrank_anim/core/ (floor 0)",
        ),
        (
            "scenes/base.py",
            "from lowrank_anim.registry import SCENES\n",
            "scenes.base imports lowrank_anim.registry: "
            "scenes/ (floor 1) may not import lowrank_anim/registry.py (floor 0)",
        ),
        (
            "lowrank_anim/stray.py",
            "",
            "lowrank_anim.stray is in no part of the layer table: add it to LAYERS",
        ),
    ],
)
def test_a_planted_forbidden_import_is_found(
    tmp_path: Path, module: str, statement: str, found: str
) -> None:
    """One import planted in a copy of the project fails the check, and only that one: upward,
    lazy, type-only, sideways into a pure floor, and a module the table does not place."""
    copy = project_copy(tmp_path)
    assert forbidden_imports(import_graph(ROOTS, copy)) == []
    target = copy / module
    original = target.read_text(encoding="utf-8") if target.exists() else ""
    target.write_text(original + "\n" + statement, encoding="utf-8")
    assert forbidden_imports(import_graph(ROOTS, copy)) == [found]


def test_importing_a_package_that_holds_an_allowed_part_is_allowed() -> None:
    """``import lowrank_anim.maths`` loads ``lowrank_anim`` too: a scene may name both."""
    graph = {"scenes.base": {"lowrank_anim", "lowrank_anim.maths", "lowrank_anim.maths.model"}}
    assert forbidden_imports(graph) == []
    assert forbidden_imports({"scenes.base": {"lowrank_anim.pipeline"}}) != []


def test_the_most_specific_part_holds_a_module() -> None:
    assert part_of("lowrank_anim") == LAYERS[0]
    found = part_of("lowrank_anim.pipeline.workers")
    assert found is not None
    assert found.path == "lowrank_anim/pipeline/"
    assert part_of("lowrank_anim.elsewhere") is None


def test_a_table_that_loops_or_names_no_part_is_refused() -> None:
    loop = (Layer("a/", "a", ("b/",)), Layer("b/", "b", ("a/",)))
    with pytest.raises(LayerTableError, match="loop: a/ → b/ → a/"):
        floors(loop)
    with pytest.raises(LayerTableError, match="'c/', which is not a part"):
        forbidden_imports({"a.x": {"c.y"}}, (Layer("a/", "a", ("c/",)),))
