"""Bad invocations, table-driven: each is one line naming the problem, an exit code, no
traceback, and not one byte changed in the output directory.

Every case runs in a working directory holding a previous good render (video, subtitles) and a
stray file; a snapshot of names, sizes, mtimes and hashes before and after must be equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import render
from lowrank_anim import registry
from lowrank_anim.registry import SceneSpec
from tests.snapshots import leftovers, snapshot


@dataclass(frozen=True)
class Bad:
    """One bad invocation. ``{out}`` is the output directory, ``{file}`` a regular file."""

    id: str
    args: tuple[str, ...]
    code: int
    says: str
    """A fragment of the one line that names the problem."""


R = ("render", "RankOneUpdate")
EMBED = ("embed", "RankOneUpdate")
OUT = ("-o", "{out}")

CASES: list[Bad] = [
    # Scene names: only registered ones exist, whatever the string holds.
    Bad("typo", ("render", "RankOneUpdat", *OUT), 2, "Did you mean RankOneUpdate?"),
    Bad("unknown", ("render", "Nope", *OUT), 2, "unknown scene 'Nope'"),
    Bad("dotdot", ("render", "../../etc/passwd", *OUT), 2, "unknown scene '../../etc/passwd'"),
    Bad("absolute", ("render", "/etc/passwd", *OUT), 2, "unknown scene '/etc/passwd'"),
    Bad("escape-suffix", ("render", "RankOneUpdate/../../x", *OUT), 2, "unknown scene"),
    Bad("nul", ("render", "Rank\0One", *OUT), 2, r"unknown scene 'Rank\x00One'"),
    Bad("newline", ("render", "Rank\nOne", *OUT), 2, r"unknown scene 'Rank\nOne'"),
    Bad("very-long", ("render", "x" * 5000, *OUT), 2, "(5000 characters)"),
    Bad("empty-name", ("render", "", *OUT), 2, "unknown scene ''"),
    Bad("format-string", ("render", "%s%n%x{0}", *OUT), 2, "unknown scene '%s%n%x{0}'"),
    Bad("lookalike", ("render", "RankОneUpdate", *OUT), 2, "Did you mean RankOneUpdate?"),
    Bad("option-like", ("render", "--", "-rf", *OUT), 2, "unknown scene '-rf'"),
    Bad("one-bad-among-good", (*R, "RankOneUpdat", *OUT), 2, "unknown scene 'RankOneUpdat'"),
    # Options with a fixed set of values.
    Bad("quality", (*R, "-q", "ultra", *OUT), 2, "'ultra' is not one of"),
    Bad("quality-injection", (*R, "-q", "low; rm -rf /", *OUT), 2, "'low; rm -rf /' is not one"),
    Bad("format", (*R, "-f", "avi", *OUT), 2, "'avi' is not one of"),
    Bad("format-path", (*R, "-f", "../mp4", *OUT), 2, "'../mp4' is not one of"),
    Bad("format-empty", (*R, "-f", "", *OUT), 2, "'' is not one of"),
    Bad("theme", (*R, "--theme", "neon", *OUT), 2, "'neon' is not one of"),
    Bad("theme-path", (*R, "--theme", "../light", *OUT), 2, "'../light' is not one of"),
    Bad("quality-missing-value", (*R, *OUT, "-q"), 2, "Option '-q' requires an argument"),
    # Output directory: any path the user likes, but a real one.
    Bad("out-empty", (*R, "-o", ""), 2, "the path is empty"),
    Bad("out-blank", (*R, "-o", "   "), 2, "the path is empty"),
    Bad("out-nul", (*R, "-o", "out\0put"), 2, "contains a NUL byte"),
    Bad("out-is-file", (*R, "-o", "{file}"), 2, "is a file"),
    Bad("out-under-file", (*R, "-o", "{file}/media"), 1, "Not a directory"),
    # Commands and combinations.
    Bad("no-scene", ("render", *OUT), 2, "name at least one scene"),
    Bad("scene-and-all", (*R, "--all", *OUT), 2, "give scene names or --all, not both"),
    Bad("unknown-command", ("frobnicate",), 2, "No such command 'frobnicate'"),
    Bad("unknown-option", (*R, "--bogus", *OUT), 2, "No such option '--bogus'"),
    Bad("misspelt-debug", ("--dbug", "list"), 2, "No such option '--dbug'"),
    Bad("list-extra", ("list", "extra"), 2, "unexpected extra argument (extra)"),
    Bad("doctor-option", ("doctor", "--bogus"), 2, "No such option '--bogus'"),
    Bad("embed-engine", (*EMBED, "--engine", "wp", *OUT), 2, "'wp' is not one of"),
    Bad("embed-markdown-hugo", (*EMBED, "--markdown", "--engine", "hugo", *OUT), 2, "drop it for"),
]

# Parameter input (`--set` / `--params`), parsed by lowrank_anim/maths/params.py: numbers only
# (never eval'd), the scene's dimension, finite, sane magnitudes, nothing degenerate, readable
# files.
PARAMETER_CASES: list[Bad] = [
    Bad("set-not-number", (*R, "--set", "x=abc", *OUT), 2, "x: 'abc' is not a number"),
    Bad("set-expression", (*R, "--set", "x=__import__('os')", *OUT), 2, "is not a number"),
    Bad("set-not-key-value", (*R, "--set", "x", *OUT), 2, "'x' is not KEY=VALUE"),
    Bad("set-unknown-key", (*R, "--set", "w=1,0", *OUT), 2, "unknown key 'w': did you mean W"),
    Bad("set-wrong-dim", (*R, "--set", "x=1,2,3", *OUT), 2, "has 3 numbers but RankOneUpdate"),
    Bad("set-matrix-shape", (*R, "--set", "W=1,0;0,1;1,1", *OUT), 2, "W (--set) is 3×2"),
    Bad("set-nan", (*R, "--set", "x=nan", *OUT), 2, "nan is not a finite number"),
    Bad("set-inf", (*R, "--set", "x=1,inf", *OUT), 2, "inf is not a finite number"),
    Bad("set-huge", (*R, "--set", "x=1e300", *OUT), 2, "is too large (|value| ≤ 1000)"),
    Bad("set-x-zero", (*R, "--set", "x=0,0", *OUT), 2, "x (--set) is zero"),
    Bad("set-u-zero", (*R, "--set", "u=0,0", *OUT), 2, "the update would change nothing"),
    Bad("set-v-zero", (*R, "--set", "v=0,0", *OUT), 2, "α = vᵀx would be 0 for every input"),
    Bad("params-missing", (*R, "--params", "missing.toml", *OUT), 2, "cannot read missing.toml"),
    Bad("params-not-toml", (*R, "--params", "{file}", *OUT), 2, "line 1: invalid TOML"),
]


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working directory with a previous good render in ``out/`` and a stray regular file."""
    work = tmp_path / "work"
    previous = work / "out" / "RankOneUpdate" / "480p15"
    previous.mkdir(parents=True)
    (previous / "RankOneUpdate.mp4").write_bytes(b"\0\0\0\x18ftypmp42 a previous good video")
    (previous / "RankOneUpdate.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nx\n")
    (work / "out" / "notes.txt").write_text("the user's own file\n")
    (work / "a-file").write_text("not a directory\n")
    monkeypatch.chdir(work)  # so a stray default `media/` would land inside the snapshot
    return work


def invoke(args: tuple[str, ...], work: Path) -> tuple[int, str]:
    filled = [
        a.replace("{out}", str(work / "out")).replace("{file}", str(work / "a-file")) for a in args
    ]
    result = CliRunner().invoke(render.cli, filled, prog_name="render.py")
    return result.exit_code, result.output


def assert_one_line_failure(code: int, out: str, want_code: int, says: str) -> None:
    assert code == want_code, out
    assert "Traceback" not in out
    lines = out.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{out}"
    assert lines[0].startswith("Error: "), lines[0]
    assert says in lines[0], lines[0]
    assert len(lines[0]) < 400, "the message should be readable, not the whole input echoed"


def test_the_table_is_big_enough() -> None:
    assert len(CASES) + len(PARAMETER_CASES) >= 25
    assert len({case.id for case in CASES + PARAMETER_CASES}) == len(CASES + PARAMETER_CASES)


@pytest.mark.parametrize("case", CASES + PARAMETER_CASES, ids=lambda case: case.id)
def test_bad_invocation(case: Bad, workdir: Path) -> None:
    before = snapshot(workdir)
    code, out = invoke(case.args, workdir)
    assert_one_line_failure(code, out, case.code, case.says)
    assert snapshot(workdir) == before
    assert not leftovers(workdir)


@pytest.mark.parametrize("name", ["../../evil", "/abs/evil", "evil\0name", ".hidden", "x" * 300])
def test_a_registered_name_still_cannot_escape(
    name: str, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even a scene registered under a hostile name cannot write outside the output directory:
    output_path is the one place names become paths, and it refuses this one before rendering."""
    spec = SceneSpec(name, "scenes.rank_one:RankOneUpdate", "hostile")
    monkeypatch.setitem(registry.SCENES, name, spec)
    before = snapshot(workdir)
    code, out = invoke(("render", name, "-o", "{out}"), workdir)
    assert_one_line_failure(code, out, 2, "cannot be used as a file name")
    assert snapshot(workdir) == before
    assert not list(workdir.parent.glob("evil*"))
