"""The CLI's shape: modules by job, each short, with thin commands; ``--debug`` read once;
``export --web`` that can be turned off; ``post`` exporting through the library, not a command."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

import render
from lowrank_anim.cli import post as post_cli
from lowrank_anim.cli import web as web_cli
from lowrank_anim.cli.app import cli
from lowrank_anim.pipeline import cache
from tests.conftest import ROOT

CLI_DIR = ROOT / "lowrank_anim" / "cli"
MAX_MODULE_LINES = 400
MAX_COMMAND_BODY = 40


def is_command(node: ast.FunctionDef) -> bool:
    """Decorated with ``click.command``/``click.group``/``cli.command`` (called or not)."""
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in ("command", "group"):
            return True
    return False


def command_bodies(source: str) -> dict[str, int]:
    """Each click command's body length in lines, its docstring (the --help text) left out."""
    bodies = {}
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and is_command(node):
            statements = node.body
            if ast.get_docstring(node) is not None:
                statements = statements[1:]
            first = statements[0].lineno if statements else node.lineno
            bodies[node.name] = (node.end_lineno or first) - first + 1
    return bodies


def too_long(folder: Path) -> list[str]:
    """Every module over the limit and every command whose body is, as `path: what`."""
    found = []
    for path in sorted(folder.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        lines = len(source.splitlines())
        if lines > MAX_MODULE_LINES:
            found.append(f"{path.name}: {lines} lines")
        for name, length in command_bodies(source).items():
            if length > MAX_COMMAND_BODY:
                found.append(f"{path.name}: {name} has a {length}-line body")
    return found


def test_no_cli_module_or_command_is_too_long() -> None:
    bodies = {
        name: length
        for path in CLI_DIR.glob("*.py")
        for name, length in command_bodies(path.read_text(encoding="utf-8")).items()
    }
    # Every command (and the group) is seen, so the check cannot pass by finding none.
    seen = {c.callback.__name__ for c in cli.commands.values() if c.callback} | {"cli"}
    assert len(seen) == len(cli.commands) + 1
    assert seen <= bodies.keys(), sorted(bodies)
    assert too_long(CLI_DIR) == []


def test_the_length_check_finds_a_long_module_and_a_long_command(tmp_path: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(MAX_COMMAND_BODY + 1))
    (tmp_path / "fat.py").write_text(
        f'@click.command("fat")\ndef fat() -> None:\n    """Help."""\n{body}', encoding="utf-8"
    )
    (tmp_path / "long.py").write_text("x = 1\n" * (MAX_MODULE_LINES + 1), encoding="utf-8")
    assert too_long(tmp_path) == [
        f"fat.py: fat has a {MAX_COMMAND_BODY + 1}-line body",
        f"long.py: {MAX_MODULE_LINES + 1} lines",
    ]


def test_debug_is_read_by_the_group_only() -> None:
    """The group's callback reads --debug into the context's AppState; no command looks at
    argv or at a dict in ctx.obj for it."""
    for path in CLI_DIR.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert '"--debug" in' not in source, path.name
        assert "ctx.obj" not in source, path.name
        assert ".obj or" not in source, path.name


# export --web ---------------------------------------------------------------------------------


def test_export_no_web_is_refused_with_the_fix(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        render.cli,
        ["export", "RankOneUpdate", "--no-web", "-o", str(tmp_path)],
        prog_name="render.py",
    )
    assert result.exit_code == 2
    assert result.output == (
        "Error: --no-web leaves nothing to export (web files are export's only target so far); "
        "drop it, or for a plain video file use `render.py render SCENE` "
        "(see `render.py export --help`)\n"
    )
    assert not any(tmp_path.iterdir()), "nothing was written"


@pytest.mark.parametrize(("words", "web"), [([], True), (["--web"], True), (["--no-web"], False)])
def test_export_web_is_the_default_and_can_be_turned_off(words: list[str], web: bool) -> None:
    """The documented `export SCENE --web` still parses; --no-web is now a choice."""
    ctx = web_cli.export_command.make_context("render.py export", ["RankOneUpdate", *words])
    assert ctx.params["web"] is web


# post -----------------------------------------------------------------------------------------


def notebook_showing(path: Path, *options: str) -> Path:
    """A saved notebook whose one code cell left a player record for ``options``."""
    record = {"scene": options[0], "options": list(options), "quality": "low", "format": "mp4"}
    cell: dict[str, Any] = {
        "cell_type": "code",
        "metadata": {},
        "source": f'show("{options[0]}")',
        "outputs": [
            {"output_type": "display_data", "data": {}, "metadata": {"lowrank_anim": record}}
        ],
    }
    nb = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("words", "error"),
    [
        (("TitleCard", "--theme", "blue"), "Invalid value for '--theme': 'blue' is not one of"),
        (("RankOneUpdate", "--set", "x=1,2,3"), "Invalid value for '--set': x (--set) has 3"),
        (("RankOneUpdate", "--transparent"), "web clips (mp4, webm for every browser) have no"),
    ],
)
def test_a_bad_record_is_refused_as_export_refuses_it(
    words: tuple[str, ...], error: str, tmp_path: Path
) -> None:
    """A record's words are parsed and checked by the options the commands share: a bad one is
    the one line `render.py export` gives, pointing at its help, before anything is rendered."""
    notebook = notebook_showing(tmp_path / "notes.ipynb", *words)
    web = tmp_path / "web"
    args = ["post", str(notebook), "--export-dir", str(web), "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(render.cli, args, prog_name="render.py")
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {error}"), result.output
    assert result.output.endswith("(see `render.py export --help`)\n")
    assert not web.exists() or not any(web.iterdir()), "nothing was exported"


@pytest.mark.render
def test_post_exports_through_the_library_not_the_export_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`post` runs no click command but itself: its clips come from a plain function call,
    the same one `export` makes (the files are export's own, recorded in its manifest)."""
    invoked: list[str] = []
    original = click.Command.invoke

    def spy(self: click.Command, ctx: click.Context) -> Any:
        invoked.append(ctx.info_name or "")
        return original(self, ctx)

    monkeypatch.setattr(click.Command, "invoke", spy)
    notebook = notebook_showing(tmp_path / "notes.ipynb", "TitleCard", "--theme", "light")
    web, posts = tmp_path / "web", tmp_path / "posts"
    args = ["post", str(notebook), "-q", "low", "--export-dir", str(web), "-o", str(posts)]
    result = CliRunner().invoke(render.cli, args, prog_name="render.py")
    assert result.exit_code == 0, result.output
    assert invoked == ["render.py", "post"]
    assert result.output.splitlines()[-1] == f"{posts / 'notes.md'}  (1 clip)"
    assert (posts / "TitleCard-light.mp4").is_file()
    assert cache.read_manifest(web)["TitleCard-light.clip.json"]["kind"] == "export"

    # The same export as a plain call, outside any click context: unchanged, so skipped.
    assert click.get_current_context(silent=True) is None
    exported = post_cli.export_recorded(["TitleCard", "--theme", "light"], "low", "", web)
    assert exported.skipped
    assert exported.clip.files["mp4"].name == "TitleCard-light.mp4"
