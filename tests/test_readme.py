"""README's scene table matches the registry (regenerate it with `make readme`)."""

from __future__ import annotations

from click.testing import CliRunner

import render
from lowrank_anim.cli.readme import scene_table, with_table
from lowrank_anim.registry import SCENES
from tests.conftest import ROOT


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
