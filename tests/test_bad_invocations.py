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
]

# Parameter input (`--set` / `--params`) is parsed by lowrank_anim/params.py, built in the
# scene-set branch. TODO(lead, on merging it): add its cases here, each a Bad(...) row:
#   * a non-number (`--set x=abc`), an expression (`--set x=__import__('os')`: never eval'd)
#   * wrong dimensions (`--set x=1,2,3` for a 2-vector; a 3x2 W)
#   * NaN and inf (`--set x=nan`, `--set x=inf`)
#   * absurd magnitudes (`--set x=1e300`)
#   * degenerate input that would draw nothing (x = 0; u = 0 or v = 0; x orthogonal to v when
#     the scene is about α ≠ 0): the message says what is degenerate and why
#   * unreadable parameter file (missing, a directory, no permission) and malformed TOML: the
#     message names the file and the line
PARAMETER_CASES: list[Bad] = []


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
