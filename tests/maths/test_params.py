"""Scene parameters: what is accepted, and the exact one-line message for what is not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

import render
from lowrank_anim.maths.model import default_rank_one, default_rank_two
from lowrank_anim.maths.params import (
    MAX_ABS,
    ParamError,
    SceneParams,
    build_example,
    collect,
    load_params_file,
    parse_assignments,
)
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.registry import SCENES
from tests.conftest import ROOT


def test_set_values_reach_the_example() -> None:
    params = parse_assignments(["x=1.5,-0.5", "v=0.8,0.6", "W=1,0;0,2"])
    ex = build_example("RankOneUpdate", "rank1", params)
    assert ex is not None
    np.testing.assert_array_equal(ex.x, [1.5, -0.5])
    np.testing.assert_array_equal(ex.update.v, [0.8, 0.6])
    np.testing.assert_array_equal(ex.update.W, [[1, 0], [0, 2]])
    # Keys not given keep the default example's values.
    np.testing.assert_array_equal(ex.update.u, default_rank_one().update.u)


def test_rank_two_takes_columns() -> None:
    params = parse_assignments(["U=1,0,0;0,1,0", "x=1,2,3"])
    ex = build_example("RankTwoUpdate", "rank2", params)
    assert ex is not None
    np.testing.assert_array_equal(ex.update.U, [[1, 0], [0, 1], [0, 0]])
    np.testing.assert_array_equal(ex.update.V, default_rank_two().update.V)


def test_no_params_means_the_scene_default() -> None:
    assert build_example("RankOneUpdate", "rank1", SceneParams()) is None
    assert not SceneParams()
    assert SceneParams().tag == ""


def test_tag_is_stable_and_ignores_spelling() -> None:
    a = parse_assignments(["x=1.5,-0.5", "v=0.8,0.6"])
    b = parse_assignments(["v=0.80,0.6", "x=1.50,-5e-1"])
    assert a == b
    assert a.tag == b.tag
    assert a.tag.startswith("p")
    assert len(a.tag) == 7
    assert parse_assignments(["x=1.5,-0.4"]).tag != a.tag
    assert hash(a) == hash(b)


def test_file_values_and_set_overrides(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("x = [1, 2]\nv = [0.5, 0.5]\n", encoding="utf-8")
    params = collect(["x=3,4"], path)
    assert params.as_dict() == {"v": (0.5, 0.5), "x": (3.0, 4.0)}


@pytest.mark.parametrize("path", sorted((ROOT / "assets" / "params").glob("*.toml")))
def test_shipped_example_files_are_valid(path: Path) -> None:
    params = load_params_file(path)
    kind = "rank2" if "U" in params.as_dict() else "rank1"
    scene = "RankTwoUpdate" if kind == "rank2" else "RankOneUpdate"
    assert build_example(scene, kind, params) is not None


BAD_SETS = [
    (["x"], "'x' is not KEY=VALUE; e.g. --set x=1.5,-0.5"),
    (["=1,2"], "'=1,2' is not KEY=VALUE; e.g. --set x=1.5,-0.5"),
    (["x="], "x has no value; e.g. x=1.5,-0.5"),
    (
        ["x=1,abc"],
        "x: 'abc' is not a number; write decimal numbers separated by commas, e.g. x=1.5,-0.5",
    ),
    (
        ["x=__import__('os')"],
        "x: \"__import__('os')\" is not a number; write decimal numbers separated by commas, "
        "e.g. x=1.5,-0.5",
    ),
    (
        ["x=1,,2"],
        "x: 'an empty entry' is not a number; write decimal numbers separated by commas, "
        "e.g. x=1.5,-0.5",
    ),
    (["x=nan,1"], "x: nan is not a finite number; give ordinary numbers"),
    (["x=1,-inf"], "x: -inf is not a finite number; give ordinary numbers"),
    (["x=1e999,1"], "x: inf is not a finite number; give ordinary numbers"),
    (
        ["x=5000,1"],
        "x: 5000 is too large (|value| ≤ 1000); scale your numbers down, the picture is "
        "fitted to any size",
    ),
    (["x=1,2;3,4"], "x is a vector: one row of numbers, e.g. x=1.5,-0.5"),
    (
        ["W=1,0,0,1"],
        "W is a matrix: separate its rows with ';' and quote the value, as a shell ends the "
        "command at a bare ';', e.g. --set 'W=1,0;0,1'",
    ),
    (
        ["W=1,0;0"],
        "W's rows have different lengths (1, 2); give each the same number of entries, "
        "e.g. W=1,0;0,1",
    ),
    (
        ["X=1,2"],
        "unknown key 'X': did you mean x (the input: x=1.5,-0.5)? keys are W, u, v, x, U, V",
    ),
    (["alpha=1"], "unknown key 'alpha': keys are W, u, v, x, U, V"),
    (["x=1,2", "x=3,4"], "x is set twice; keep one --set x=…"),
]


@pytest.mark.parametrize(("sets", "message"), BAD_SETS)
def test_bad_set_values_are_one_clear_line(sets: list[str], message: str) -> None:
    with pytest.raises(ParamError) as caught:
        parse_assignments(sets)
    assert str(caught.value) == message
    assert "\n" not in str(caught.value)


BAD_FOR_SCENE = [
    (
        "RankOneUpdate",
        "rank1",
        ["x=1,2,3"],
        "x (--set) has 3 numbers but RankOneUpdate is 2-D: give 2, e.g. x=1,1",
    ),
    (
        "RankTwoUpdate",
        "rank2",
        ["x=1,2"],
        "x (--set) has 2 numbers but RankTwoUpdate is 3-D: give 3, e.g. x=1,1,1",
    ),
    (
        "RankOneUpdate",
        "rank1",
        ["W=1,0,0;0,1,0;0,0,1"],
        "W (--set) is 3×3 but RankOneUpdate is 2-D: give 2 rows of 2, e.g. W=1,0;0,1",
    ),
    (
        "RankOneUpdate",
        "rank1",
        ["U=1,0;0,1"],
        "RankOneUpdate takes W, u, v, x, not U (--set); use u (the learned output direction: "
        "u=1,0.5)",
    ),
    (
        "RankTwoUpdate",
        "rank2",
        ["u=1,0,0"],
        "RankTwoUpdate takes W, U, V, x, not u (--set); use U (rank-2 output directions, by "
        "columns u1;u2: U=1,0,0.5;0,0.8,0.5)",
    ),
    (
        "RankTwoUpdate",
        "rank2",
        ["U=1,0,0"],
        "U is a matrix: separate its columns with ';' and quote the value, as a shell ends "
        "the command at a bare ';', e.g. --set 'U=1,0,0.5;0,0.8,0.5'",
    ),
    (
        "RankTwoUpdate",
        "rank2",
        ["V=1,0,0;0,1,0;0,0,1"],
        "V (--set) has 3 column(s) of 3 but RankTwoUpdate needs 2 of 3 (one per rank), e.g. "
        "V=0.6,0.2,0.4;-0.3,0.7,0.2",
    ),
    ("WhyLowRank", "none", ["x=1,2"], "WhyLowRank takes no parameters; drop --set/--params for it"),
    (
        "RankOneUpdate",
        "rank1",
        ["u=0,0"],
        "u (--set) is zero (length 0 < 0.001): α u would be a point and the update would "
        "change nothing; give it a non-zero entry",
    ),
    (
        "RankOneUpdate",
        "rank1",
        ["v=0,0.0001"],
        "v (--set) is zero (length 0.0001 < 0.001): α = vᵀx would be 0 for every input; give "
        "it a non-zero entry",
    ),
    (
        "InputSweep",
        "rank1",
        ["x=0,0"],
        "x (--set) is zero (length 0 < 0.001): there would be no input to draw and every "
        "output would be 0; give it a non-zero entry",
    ),
    (
        "LinearMap",
        "rank1",
        ["W=0,0;0,0"],
        "W (--set) is all zeros: y = Wx would be 0 for every input, so there is no old output "
        "to update; give W a non-zero entry",
    ),
    (
        "RankTwoUpdate",
        "rank2",
        ["U=1,0,0;2,0,0"],
        "U (--set) has parallel columns: u₁ and u₂ span a line, not the plane span(u₁, u₂) "
        "the scene shows; make them point different ways",
    ),
]


@pytest.mark.parametrize(("scene", "kind", "sets", "message"), BAD_FOR_SCENE)
def test_values_that_do_not_fit_the_scene(
    scene: str, kind: str, sets: list[str], message: str
) -> None:
    with pytest.raises(ParamError) as caught:
        build_example(scene, kind, parse_assignments(sets))
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "x = [1, 2\n",
            "{path}, line 1: invalid TOML (unclosed array); write KEY = [numbers], "
            "e.g. x = [1.5, -0.5]",
        ),
        (
            "u = [1, 0]\nx = 1, 2\n",
            "{path}, line 2: invalid TOML (expected newline or end of "
            "document after a statement); write KEY = [numbers], e.g. x = [1.5, -0.5]",
        ),
        (
            "u = [1, 0]\nx = ['1', 2]\n",
            "{path}, line 2: x holds '1', not a number; write "
            "numbers without quotes, e.g. x = [1.5, -0.5]",
        ),
        (
            "x = [true, 2]\n",
            "{path}, line 1: x holds True, not a number; write numbers without "
            "quotes, e.g. x = [1.5, -0.5]",
        ),
        ("W = [1, 0]\n", "{path}, line 1: W must be an array of arrays, e.g. W = [[1, 0], [0, 1]]"),
        ("x = 3\n", "{path}, line 1: x must be a non-empty array, e.g. x = [1.5, -0.5]"),
        (
            "\n\nx = [nan, 1]\n",
            "{path}, line 3: x: nan is not a finite number; give ordinary numbers",
        ),
        (
            "x = [1, 2]\nvv = [1, 2]\n",
            "{path}, line 2: unknown key 'vv': did you mean v (the "
            "learned input direction: v=0.8,0.6)? keys are W, u, v, x, U, V",
        ),
        ("# nothing\n", "{path}: no parameters in it; set at least one, e.g. x = [1.5, -0.5]"),
    ],
)
def test_bad_files_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParamError) as caught:
        load_params_file(path)
    assert str(caught.value) == message.format(path=path)


def test_unreadable_files_are_one_line(tmp_path: Path) -> None:
    with pytest.raises(ParamError, match=r"cannot read .*missing.toml: No such file"):
        load_params_file(tmp_path / "missing.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00x")
    with pytest.raises(ParamError, match="not a text file; give a UTF-8 TOML file"):
        load_params_file(binary)


def test_wrong_dimension_from_a_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("# comment\nx = [1, 2, 3]\n", encoding="utf-8")
    with pytest.raises(ParamError) as caught:
        build_example("RankOneUpdate", "rank1", load_params_file(path))
    assert str(caught.value) == (
        f"x ({path}, line 2) has 3 numbers but RankOneUpdate is 2-D: give 2, e.g. x=1,1"
    )


def test_magnitude_bound_is_inclusive() -> None:
    assert parse_assignments([f"x={MAX_ABS:g},-{MAX_ABS:g}"]).as_dict()["x"] == (1e3, -1e3)


# The CLI: exit code 2, one line, no render started -------------------------------------------


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(render.cli, list(args), prog_name="render.py")
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["render", "RankOneUpdate", "--set", "x=1,two"],
            "Error: Invalid value for '--set': x: 'two' is not a number; write decimal numbers "
            "separated by commas, e.g. x=1.5,-0.5 (see `render.py render --help`)",
        ),
        (
            ["render", "TitleCard", "--set", "x=1,2"],
            "Error: Invalid value for '--set': TitleCard takes no parameters; drop "
            "--set/--params for it (see `render.py render --help`)",
        ),
        (
            ["render", "--all", "--set", "x=1,2"],
            "Error: --all includes scenes that cannot take these --set/--params numbers "
            "(TitleCard, RankTwoUpdate, WhyLowRank); name the scenes instead: LinearMap "
            "RankOneUpdate InputSweep UpdateIsALine FullStory (see `render.py render --help`)",
        ),
        (
            ["export", "--all", "--set", "x=1,2,3"],
            "Error: --all includes scenes that cannot take these --set/--params numbers "
            "(TitleCard, LinearMap, RankOneUpdate, InputSweep, UpdateIsALine, WhyLowRank, "
            "FullStory); name the scenes instead: RankTwoUpdate (see `render.py export --help`)",
        ),
        (
            # Wrong for every scene: the reason, not the --all.
            ["render", "--all", "--set", "u=0,0"],
            "Error: Invalid value for '--set': u (--set) is zero (length 0 < 0.001): α u would "
            "be a point and the update would change nothing; give it a non-zero entry (see "
            "`render.py render --help`)",
        ),
        (
            # `--set W=1,2;2,4` unquoted: the shell ends the command at ';' and passes W=1,2.
            ["render", "LinearMap", "--set", "W=1,2"],
            "Error: Invalid value for '--set': W is a matrix: separate its rows with ';' and "
            "quote the value, as a shell ends the command at a bare ';', e.g. --set "
            "'W=1,0;0,1' (see `render.py render --help`)",
        ),
        (
            ["render", "RankOneUpdate", "--transparent", "--format", "mp4"],
            "Error: --transparent needs a format with alpha (webm, mov, png), not mp4; use "
            "--format webm (see `render.py render --help`)",
        ),
        (
            ["render", "RankOneUpdate", "--sections", "--format", "png"],
            "Error: --sections cuts videos (mp4, webm, mov), not png; use --format mp4 "
            "(see `render.py render --help`)",
        ),
    ],
)
def test_cli_rejects_bad_parameters_in_one_line(
    args: list[str], message: str, tmp_path: Path
) -> None:
    code, out = cli(*args, "-o", str(tmp_path))
    assert code == 2
    assert out.strip() == message
    assert not list(tmp_path.iterdir()), "nothing may be written for a rejected command"


def test_cli_reports_a_bad_file_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "p.toml"
    path.write_text("x = [1,\n", encoding="utf-8")
    code, out = cli("render", "RankOneUpdate", "--params", str(path), "-o", str(tmp_path / "o"))
    assert code == 2
    assert out.strip().startswith(f"Error: Invalid value for '--params': {path}, line ")
    assert len(out.strip().splitlines()) == 1


def test_output_names_keep_variants_apart() -> None:
    spec = SCENES["RankOneUpdate"]
    params = parse_assignments(["x=1.5,-0.5"])
    plain = RenderRequest(spec)
    variant = RenderRequest(spec, params=params)
    light = RenderRequest(spec, theme="light", params=params, fmt="webm", transparent=True)
    out = Path("media")
    assert plain.output_path(out).name == "RankOneUpdate.mp4"
    assert variant.output_path(out).name == f"RankOneUpdate-{params.tag}.mp4"
    assert light.output_path(out).name == f"RankOneUpdate-light-transparent-{params.tag}.webm"
    assert variant.params_path(out).name == f"RankOneUpdate-{params.tag}.params.json"
    assert plain.sections_dir(out) == out / "RankOneUpdate" / "480p15" / "RankOneUpdate.sections"
    assert len({r.output_path(out) for r in (plain, variant, light)}) == 3


def test_rank_two_refuses_an_x_whose_turns_get_the_same_alphas() -> None:
    """v₁ ∥ v₂ with x along them: the scene's other inputs (turns of x) would read alike."""
    result = CliRunner().invoke(
        render.cli,
        ["render", "RankTwoUpdate", "--set", "V=1,1,1;1,1,1", "--set", "x=1,1,1"],
        prog_name="render.py",
    )
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        "Error: Invalid value for '--set': x (--set) lies along v₁ and v₂, which are parallel: "
        "the other inputs RankTwoUpdate shows (turns of x) would get the same α₁, α₂ as each "
        "other; make V's columns point different ways, or turn x away from them (see "
        "`render.py render --help`)"
    )
    # Either change alone is fine.
    assert build_example("RankTwoUpdate", "rank2", parse_assignments(["V=1,1,1;1,1,1"]))
    assert build_example("RankTwoUpdate", "rank2", parse_assignments(["x=1,1,1"]))
