"""The generated docs match the code: README's scene table, docs/architecture.md's layer table
and module map (regenerate them with `make readme`)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

import render
from lowrank_anim.cli.readme import (
    LAYERS_END,
    LAYERS_START,
    module_map,
    scene_table,
    with_layer_table,
    with_module_map,
    with_table,
)
from lowrank_anim.layers import LAYERS
from lowrank_anim.registry import SCENES
from tests.conftest import ROOT

LIBRARY = ROOT / "lowrank_anim"


def test_readme_scene_table_is_up_to_date() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert with_table(text) == text, "README's scene table is stale: run `make readme`"


def test_table_lists_what_render_py_list_lists() -> None:
    listed = CliRunner().invoke(render.cli, ["list"]).output.strip().splitlines()
    rows = scene_table().splitlines()[2:]
    assert len(rows) == len(listed) == len(SCENES)
    for row, line in zip(rows, listed, strict=True):
        name = line.split()[0]
        assert row.startswith(f"| `{name}` |")
        assert line.endswith(row.split(" | ")[1])


def test_module_map_in_docs_is_up_to_date() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert with_module_map(text) == text, "docs/architecture.md's module map is stale: make readme"


def test_layer_table_in_docs_is_up_to_date() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    assert with_layer_table(text) == text, (
        "docs/architecture.md's layer table is stale: make readme"
    )


def test_layer_table_has_a_row_per_part_and_a_stale_one_is_rewritten() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    core = next(line for line in text.splitlines() if line.startswith("| 0 | `lowrank_anim/core/`"))
    stale = text.replace(core, core.replace("nothing of ours", "`lowrank_anim/pipeline/`"))
    assert stale != text
    assert with_layer_table(stale) == text
    block = text.partition(LAYERS_START)[2].partition(LAYERS_END)[0].strip().splitlines()
    assert [row.split("`")[1] for row in block[2:]] == [layer.path for layer in LAYERS]


def test_module_map_lists_every_module_with_its_docstring() -> None:
    rows = module_map().splitlines()[2:]
    modules = ["render.py", *(p.relative_to(ROOT).as_posix() for p in LIBRARY.rglob("*.py"))]
    assert sorted(row.split("`")[1] for row in rows) == sorted(modules)
    empty = [row for row in rows if row.endswith("|  |")]
    assert not empty, f"modules without a docstring: {empty}"


def test_module_map_says_what_a_docstring_says(tmp_path: Path) -> None:
    """A changed docstring changes the map (the test above can fail)."""
    (tmp_path / "lowrank_anim").mkdir()
    (tmp_path / "render.py").write_text('"""The entry point.\n\nMore."""\n')
    (tmp_path / "lowrank_anim" / "a.py").write_text('"""Does | one\n  thing."""\n')
    assert module_map(tmp_path).splitlines()[2:] == [
        "| `render.py` | The entry point. |",
        "| `lowrank_anim/a.py` | Does \\| one thing. |",
    ]
