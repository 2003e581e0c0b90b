"""The CLI through click's CliRunner: exit codes and the exact error lines users see."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import render
from lowrank_anim.cli import render as render_commands
from lowrank_anim.registry import SCENES
from tests.conftest import ROOT


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(render.cli, list(args), prog_name="render.py")
    return result.exit_code, result.output


def test_list_shows_every_registered_scene_with_its_description() -> None:
    code, out = run("list")
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == len(SCENES)
    for line, spec in zip(lines, SCENES.values(), strict=True):
        assert line.split()[0] == spec.name
        assert line.endswith(spec.description)


def test_every_command_has_help() -> None:
    for name, command in render.cli.commands.items():
        assert command.help, f"{name} has no help"
        code, out = run(name, "--help")
        assert code == 0, name
        assert "Usage: render.py" in out, name


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["render", "RankOneUpdat"],
            2,
            "Error: Invalid value for SCENE: unknown scene 'RankOneUpdat'. Did you mean "
            f"RankOneUpdate? Valid scenes: {', '.join(SCENES)} (see `render.py list`).",
        ),
        (
            ["render", "Nope"],
            2,
            "Error: Invalid value for SCENE: unknown scene 'Nope'. Valid scenes: "
            f"{', '.join(SCENES)} (see `render.py list`).",
        ),
        (
            ["render", "RankOneUpdate", "-q", "ultra"],
            2,
            "Error: Invalid value for '--quality' / '-q': 'ultra' is not one of 'low', 'medium', "
            "'high', 'production', '4k'. (see `render.py render --help`)",
        ),
        (
            ["render", "RankOneUpdate", "--format", "avi"],
            2,
            "Error: Invalid value for '--format' / '-f': 'avi' is not one of 'mp4', 'webm', "
            "'gif', 'mov', 'png'. (see `render.py render --help`)",
        ),
        (
            ["render"],
            2,
            "Error: name at least one scene (see `render.py list`) or pass --all",
        ),
        (
            ["render", "RankOneUpdate", "--all"],
            2,
            "Error: give scene names or --all, not both (see `render.py render --help`)",
        ),
        (["frobnicate"], 2, "Error: No such command 'frobnicate'. (see `render.py --help`)"),
    ],
)
def test_bad_invocations_give_one_line_and_exit_code(
    args: list[str], code: int, message: str
) -> None:
    got_code, out = run(*args)
    assert got_code == code
    assert out.strip() == message
    assert "Traceback" not in out


def test_unwritable_output_dir_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    code, out = run("render", "RankOneUpdate", "--output-dir", str(blocker / "media"))
    assert code == 1
    assert out.strip() == (
        f"Error: cannot write to output directory '{blocker / 'media'}': Not a directory; "
        "choose another --output-dir or fix its permissions"
    )


def test_unexpected_errors_are_one_line_unless_debug(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def boom(*_: object, **__: object) -> None:
        raise RuntimeError("cairo exploded")

    monkeypatch.setattr(render_commands, "render", boom)
    code, out = run("render", "RankOneUpdate", "-o", str(tmp_path))
    assert code == 1
    assert out.strip() == (
        "Error: RuntimeError: cairo exploded (run again with --debug for the traceback)"
    )
    result = CliRunner().invoke(
        render.cli, ["--debug", "render", "RankOneUpdate", "-o", str(tmp_path)]
    )
    assert isinstance(result.exception, RuntimeError)


def test_version_is_the_one_in_pyproject() -> None:
    """One version: pyproject.toml's, as installed; --version and __version__ both say it."""
    import lowrank_anim

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - the oldest supported Python reads TOML with tomli
        import tomli as tomllib

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    code, out = run("--version")
    assert code == 0
    assert out.strip() == f"render.py, version {declared}"
    assert lowrank_anim.__version__ == declared


def test_the_commands_are_the_documented_ones() -> None:
    """Every command is in README's command table, and the table names no other."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `render\.py (\w+)", readme, flags=re.M))
    assert documented == set(render.cli.commands)


# One request through every command ----------------------------------------------------------

SCENE_OPTION_COMMANDS = ("render", "preview", "export", "embed", "gallery")
SCENE_OPTIONS = ("--theme", "--transparent", "--set", "--params")


def scene_option_help(name: str) -> dict[str, str | None]:
    command = render.cli.commands[name]
    return {
        opt: getattr(param, "help", None)
        for param in command.params
        for opt in param.opts
        if opt in SCENE_OPTIONS
    }


@pytest.mark.parametrize("name", SCENE_OPTION_COMMANDS)
def test_every_command_takes_the_same_scene_options(name: str) -> None:
    # The same decorator everywhere: same options, same help (a copy would drift).
    assert set(scene_option_help(name)) == set(SCENE_OPTIONS), name
    assert scene_option_help(name) == scene_option_help("render"), name


@pytest.mark.parametrize("name", ["render", "preview", "export", "embed"])
def test_every_command_rejects_bad_numbers_with_the_same_line(name: str, tmp_path: Path) -> None:
    code, out = run(name, "RankOneUpdate", "--set", "x=abc", "-o", str(tmp_path))
    assert code == 2, out
    assert "Invalid value for '--set': x: 'abc' is not a number" in out


def test_the_gallery_rejects_bad_numbers_with_the_same_line(tmp_path: Path) -> None:
    code, out = run("gallery", "--set", "x=abc", "-o", str(tmp_path))
    assert code == 2, out
    assert "Invalid value for '--set': x: 'abc' is not a number" in out
    assert not (tmp_path / "index.html").exists()


def test_export_refuses_transparency_and_names_the_command_that_makes_it(tmp_path: Path) -> None:
    code, out = run("export", "RankOneUpdate", "--transparent", "-o", str(tmp_path))
    assert code == 2
    assert "use `render.py render SCENE --transparent`" in out
    assert not list(tmp_path.iterdir()), "nothing was written"


def test_embed_looks_for_the_variant_its_options_name(tmp_path: Path) -> None:
    code, out = run(
        "embed", "RankOneUpdate", "--theme", "light", "--set", "x=1,2", "-o", str(tmp_path)
    )
    assert code == 1
    assert out.strip() == (
        f"Error: no web export of RankOneUpdate (--theme light --set x=1,2) in {tmp_path}; run "
        f"`render.py export RankOneUpdate --theme light --set x=1,2 --web -o {tmp_path}` first"
    )


def test_a_preview_request_carries_the_render_request_options() -> None:
    from lowrank_anim.authoring.preview import PreviewRequest
    from lowrank_anim.maths.params import collect
    from lowrank_anim.pipeline.request import RenderRequest

    spec = SCENES["RankOneUpdate"]
    params = collect(["x=1.5,-0.5"], None)
    request = RenderRequest(spec, fmt="png", theme="light", params=params, transparent=True)
    preview = PreviewRequest.of(request)
    assert preview.render_request == request
    assert (
        preview.output_path(Path("m")).name == f"RankOneUpdate-light-transparent-{params.tag}.png"
    )


def test_the_gallery_shows_no_default_theme_because_none_is_applied() -> None:
    code, gallery_help = run("gallery", "--help")
    assert code == 0
    assert "--theme [dark|light]" in gallery_help
    assert "[default: dark]" not in gallery_help
    assert "[default: dark]" in run("render", "--help")[1], "render keeps its default"
