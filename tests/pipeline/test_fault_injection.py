"""Fault injection with real processes: a wrong-CPU cairo, signals mid-render, SIGKILL, two
renders racing, a full disk, a read-only directory and no LaTeX.

Each case runs ``render.py`` as a subprocess, the way users run it, and checks what they would
see (exit code, one line, no traceback) and what they would find on disk (the previous good
file untouched, nothing half-written at the final path, no scratch files left behind).
"""

from __future__ import annotations

import os
import shutil
import signal
import struct
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

import render
from lowrank_anim.health import native
from lowrank_anim.health.diagnosis import FIX_LATEX, FIX_REBUILD_VENV
from lowrank_anim.pipeline import texstore
from lowrank_anim.registry import SCENES
from tests.conftest import ROOT
from tests.media_probe import probe
from tests.snapshots import BOOKKEEPING, leftovers, snapshot

PREVIOUS = b"\0\0\0\x18ftypmp42 the previous good video"
TIMEOUT = 600  # a safety net for a hung child, not a speed requirement


def final_path(out: Path) -> Path:
    return out / "RankOneUpdate" / "480p15" / "RankOneUpdate.mp4"


def with_previous_render(out: Path) -> Path:
    """A previous good render at the final path, which no failure may touch."""
    final = final_path(out)
    final.parent.mkdir(parents=True, exist_ok=True)
    final.write_bytes(PREVIOUS)
    final.with_suffix(".srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nprevious\n")
    return final


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra)
    return env


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "render.py"), *args],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        cwd=cwd,
        check=False,
    )


def start_render(out: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "render.py"),
            "render",
            "RankOneUpdate",
            "-q",
            "low",
            "-o",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        # A child of a non-interactive shell may inherit SIGINT ignored; Ctrl-C must reach it.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_until_mid_render(out: Path, proc: subprocess.Popen[str]) -> list[Path]:
    """Block until manim has written at least two partial clips (so one is in progress)."""
    pattern = ".render-*/videos/**/partial_movie_files/**/*.mp4"
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        clips = sorted(final_path(out).parent.glob(pattern))
        if len(clips) >= 2:
            return clips
        if proc.poll() is not None:
            _out, err = proc.communicate()
            raise AssertionError(
                f"the render ended (exit {proc.returncode}) before mid-render:\n{err}"
            )
        time.sleep(0.2)
    raise AssertionError("no partial clips appeared")


def assert_one_line(stderr: str, starts: str) -> str:
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got:\n{stderr}"
    assert lines[0].startswith(starts), lines[0]
    return lines[0]


# A render stack built for another CPU ---------------------------------------------------------


@pytest.fixture
def foreign_cairo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A copy of the installed cairo package whose extension's ELF header says aarch64, first on
    PYTHONPATH: `import cairo` fails exactly as on a machine with a wrong-CPU venv."""
    location = native.package_location("cairo")
    assert location is not None
    shadow = tmp_path / "shadow"
    shutil.copytree(location, shadow / "cairo", ignore=shutil.ignore_patterns("__pycache__"))
    extension = next((shadow / "cairo").glob("_cairo*.so"))
    with open(extension, "r+b") as f:
        assert f.read(4) == b"\x7fELF", "this test needs a Linux (ELF) cairo"
        f.seek(18)
        f.write(struct.pack("<H", 183 if os.uname().machine != "aarch64" else 62))
    path = os.pathsep.join(filter(None, [str(shadow), str(ROOT), os.environ.get("PYTHONPATH")]))
    return extension, cli_env(PYTHONPATH=path)


def test_render_with_a_wrong_cpu_cairo_explains_itself(
    foreign_cairo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    extension, env = foreign_cairo
    out = tmp_path / "out"
    with_previous_render(out)
    before = snapshot(out, skip=BOOKKEEPING)
    done = run_cli("render", "RankOneUpdate", "-q", "low", "-o", str(out), env=env)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert lines[0].startswith(f"Error: the rendering stack cannot load: {extension} is ELF ")
    assert "but this Python runs as" in lines[0]
    assert len(lines) <= 8, "a short diagnosis, not a wall of text"
    assert any(line.strip().startswith(FIX_REBUILD_VENV) for line in lines)
    assert any("pip install --force-reinstall --no-cache-dir pycairo" in line for line in lines)
    assert any("--platform linux/" in line for line in lines)
    assert snapshot(out, skip=BOOKKEEPING) == before


def test_list_and_help_still_work_with_a_wrong_cpu_cairo(
    foreign_cairo: tuple[Path, dict[str, str]],
) -> None:
    _extension, env = foreign_cairo
    listed = run_cli("list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert [line.split()[0] for line in listed.stdout.splitlines()] == list(SCENES)
    assert run_cli("--help", env=env).returncode == 0


def test_doctor_works_in_the_broken_environment(
    foreign_cairo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    extension, env = foreign_cairo
    done = run_cli("doctor", "-o", str(tmp_path / "media"), env=env)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    rows = done.stdout.splitlines()
    cairo = next(row for row in rows if "cairo (pycairo)" in row)
    assert cairo.startswith("✗")
    assert f"{extension} is ELF " in cairo
    assert next(row for row in rows if "manim imports" in row).startswith("✗")
    assert next(row for row in rows if "numpy (numpy)" in row).startswith("✓")
    assert any(f"fix: `{FIX_REBUILD_VENV}`" in row for row in rows)
    assert rows[-1].endswith("checks failed: fix the ✗ rows above.")


def test_debug_shows_the_traceback(
    foreign_cairo: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    _extension, env = foreign_cairo
    done = run_cli("--debug", "render", "RankOneUpdate", "-o", str(tmp_path / "out"), env=env)
    assert done.returncode == 1
    assert "Traceback (most recent call last)" in done.stderr
    assert "ImportError" in done.stderr


# Signals and SIGKILL mid-render ---------------------------------------------------------------


@pytest.mark.render
@pytest.mark.parametrize(
    ("sig", "code", "says"),
    [(signal.SIGTERM, 143, "Error: terminated"), (signal.SIGINT, 130, "Error: interrupted")],
    ids=["SIGTERM", "SIGINT"],
)
def test_a_signal_mid_render_leaves_the_previous_file_and_no_scratch(
    sig: signal.Signals, code: int, says: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    final = with_previous_render(out)
    before = snapshot(out, skip=BOOKKEEPING)
    proc = start_render(out)
    try:
        wait_until_mid_render(out, proc)
        proc.send_signal(sig)
        _stdout, stderr = proc.communicate(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert proc.returncode == code
    assert_one_line(stderr, says)
    assert final.read_bytes() == PREVIOUS
    assert snapshot(out, skip=BOOKKEEPING) == before, "untouched, and the scratch directory is gone"


@pytest.mark.render
def test_after_kill_9_mid_render_the_next_render_succeeds(tmp_path: Path) -> None:
    """SIGKILL cannot be caught: the killed run leaves its scratch directory with truncated
    clips. The next render must neither trip over them (manim's "InvalidDataError" when a
    shared media dir is reused) nor leave them behind."""
    out = tmp_path / "out"
    final = with_previous_render(out)
    proc = start_render(out)
    try:
        wait_until_mid_render(out, proc)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=TIMEOUT)
    finally:
        proc.kill()
    assert final.read_bytes() == PREVIOUS, "the previous file survives a SIGKILL"
    stale = leftovers(out)
    assert stale, "SIGKILL leaves the scratch directory (this is what the next run must handle)"

    done = run_cli("render", "RankOneUpdate", "-q", "low", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == final
    info = probe(final)
    assert (info.codec, info.width, info.height) == ("h264", 854, 480)
    assert leftovers(out) == [], "the dead render's scratch directory is cleaned up"


@pytest.mark.render
def test_two_renders_of_the_same_file_at_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    final = with_previous_render(out)
    first, second = start_render(out), start_render(out)
    results = [proc.communicate(timeout=TIMEOUT) for proc in (first, second)]
    for proc, (stdout, stderr) in zip((first, second), results, strict=True):
        assert proc.returncode == 0, stderr
        assert Path(stdout.strip()) == final
    info = probe(final)
    assert (info.codec, info.width, info.height, info.fps) == ("h264", 854, 480, 15)
    assert "y = Wx" in final.with_suffix(".srt").read_text(encoding="utf-8")
    assert leftovers(out) == []
    assert sorted(p.name for p in final.parent.iterdir()) == [
        "RankOneUpdate.mp4",
        "RankOneUpdate.poster.png",
        "RankOneUpdate.srt",
    ]


# Disks that refuse ----------------------------------------------------------------------------


class Tmpfs:
    """Mount small tmpfs filesystems for a test and always unmount them."""

    def __init__(self) -> None:
        self.mounted: list[Path] = []

    def mount(self, path: Path, size: str) -> Path:
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root")
        path.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            pytest.skip(f"mount is not permitted here: {done.stderr.strip()}")
        self.mounted.append(path)
        return path

    def make_read_only(self, path: Path) -> None:
        subprocess.run(["mount", "-o", "remount,ro", str(path)], check=True, capture_output=True)

    def unmount_all(self) -> None:
        for path in reversed(self.mounted):
            if subprocess.run(["umount", str(path)], capture_output=True, check=False).returncode:
                subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)


@pytest.fixture
def tmpfs() -> Iterator[Tmpfs]:
    mounts = Tmpfs()
    try:
        yield mounts
    finally:
        mounts.unmount_all()


def test_read_only_output_dir_is_one_line(tmpfs: Tmpfs, tmp_path: Path) -> None:
    out = tmpfs.mount(tmp_path / "ro", "1m")
    with_previous_render(out)
    tmpfs.make_read_only(out)
    before = snapshot(out, skip=BOOKKEEPING)
    result = CliRunner().invoke(
        render.cli, ["render", "RankOneUpdate", "-o", str(out)], prog_name="render.py"
    )
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Error: cannot write to output directory '{out}': Read-only file system; "
        "choose another --output-dir or fix its permissions"
    )
    assert snapshot(out, skip=BOOKKEEPING) == before


def test_read_only_target_dir_inside_a_writable_output_dir(tmpfs: Tmpfs, tmp_path: Path) -> None:
    """The output dir passes the write test, but the scene's own folder is read-only."""
    out = tmp_path / "out"
    target = tmpfs.mount(final_path(out).parent, "1m")
    with_previous_render(out)
    tmpfs.make_read_only(target)
    before = snapshot(out, skip=BOOKKEEPING)
    done = run_cli("render", "RankOneUpdate", "-q", "low", "-o", str(out))
    assert done.returncode == 1
    assert_one_line(
        done.stderr,
        f"Error: cannot write to '{target}': read-only file system; choose another --output-dir",
    )
    assert snapshot(out, skip=BOOKKEEPING) == before


def test_full_disk_is_one_line_and_keeps_the_previous_file(tmpfs: Tmpfs, tmp_path: Path) -> None:
    out = tmpfs.mount(tmp_path / "tiny", "64k")
    final = with_previous_render(out)
    before = snapshot(out, skip=BOOKKEEPING)
    done = run_cli("render", "RankOneUpdate", "-q", "low", "-o", str(out))
    assert done.returncode == 1
    # The first write to fail names its directory: the target's, or the shared SVG store's.
    line = assert_one_line(done.stderr, f"Error: cannot write to '{out}/")
    assert line.endswith(
        "': no space left on device; free some space or choose another --output-dir"
    ), line
    assert final.is_file()
    assert snapshot(out, skip=BOOKKEEPING) == before, (
        "previous file untouched, scratch files removed"
    )


# No LaTeX -------------------------------------------------------------------------------------


def test_missing_latex_is_one_line_naming_the_fix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(texstore.STORE_ENV)  # a store of its own: the formulas are compiled
    out = tmp_path / "out"
    with_previous_render(out)
    before = snapshot(out, skip=BOOKKEEPING)
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    done = run_cli(
        "render", "RankOneUpdate", "-q", "low", "-o", str(out), env=cli_env(PATH=str(empty_bin))
    )
    assert done.returncode == 1
    line = assert_one_line(
        done.stderr, "Error: LaTeX is needed to draw the formulas, but `latex` is not on PATH"
    )
    assert line.endswith(FIX_LATEX)
    apt = "sudo apt-get install texlive-latex-base texlive-latex-extra texlive-fonts-recommended"
    assert f"{apt} dvisvgm" in line
    assert "make system-deps" in line
    assert snapshot(out, skip=BOOKKEEPING) == before


# A shared LaTeX cache -------------------------------------------------------------------------

_COMPILE_INTO_SHARED_TEX_DIR = """
import sys
from manim import MathTex, tempconfig
from lowrank_anim.pipeline import manim_patches
manim_patches.install()
with tempconfig({"tex_dir": sys.argv[1], "media_dir": sys.argv[2], "verbosity": "ERROR"}):
    for i in range(6):
        MathTex(rf"z_{{{i}}} = y + \\alpha_{{{i}}} u")
"""


@pytest.mark.latex
def test_two_processes_can_share_a_tex_dir(tmp_path: Path) -> None:
    """Racing compiles of the same formulas into one tex_dir: both succeed, and only complete
    SVGs are left (manim alone writes in place and deletes the other's files)."""
    shared = tmp_path / "Tex"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _COMPILE_INTO_SHARED_TEX_DIR,
                str(shared),
                str(tmp_path / f"media{i}"),
            ],
            cwd=ROOT,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode == 0, err
    names = sorted(p.name for p in shared.iterdir())
    assert len(names) == 6
    assert all(name.endswith(".svg") for name in names)
    assert all(b"</svg>" in (shared / name).read_bytes() for name in names)
