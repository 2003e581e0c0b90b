"""The package's shape: no import cycle, and the checker that says so can find one."""

from __future__ import annotations

from pathlib import Path

import pytest

from lowrank_anim.imports import cycles, import_graph
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
