"""lowrank_anim.core.outputs: names that cannot escape, scratch directories that always go away
(including those of processes killed with SIGKILL), atomic publishing and disk errors."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from lowrank_anim.core import outputs
from lowrank_anim.core.outputs import (
    OutputDirError,
    UnsafeNameError,
    check_name,
    clean_stale_scratch,
    contained_path,
    disk_error,
    publish,
    scratch_dir,
    write_text_atomically,
)
from lowrank_anim.pipeline.config import manim_config
from lowrank_anim.pipeline.request import FORMATS, QUALITY_PRESETS, RenderRequest
from lowrank_anim.registry import SCENES, get_scene
from tests.conftest import ROOT

# Names ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["RankOneUpdate", "RankOneUpdate-light.mp4", "480p15", "a", "v1.2_b+c", "x" * 128]
)
def test_ordinary_names_pass(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("", "it is empty"),
        ("..", "it starts with '.'"),
        (".", "it starts with '.'"),
        (".hidden", "it starts with '.'"),
        ("../etc", "path separator"),
        ("a/b", "path separator"),
        ("/etc/passwd", "path separator"),
        ("a\\b", "path separator"),
        ("a\0b", "NUL byte"),
        ("-rf", "it starts with '-'"),
        ("a b", "characters other than"),
        ("a\nb", "characters other than"),
        ("RankОne", "characters other than"),  # Cyrillic О
        ("x" * 129, "129 characters long"),
    ],
)
def test_unsafe_names_are_refused_saying_why(name: str, problem: str) -> None:
    with pytest.raises(UnsafeNameError, match="cannot be used as a file name") as info:
        check_name(name, "scene name")
    assert problem in str(info.value)
    assert "\n" not in str(info.value)
    assert len(str(info.value)) < 200


def test_contained_path_keeps_the_users_root_and_checks_the_parts(tmp_path: Path) -> None:
    root = tmp_path / "any" / ".." / "root with spaces"
    assert contained_path(root, "A", "b.mp4") == root / "A" / "b.mp4"
    with pytest.raises(UnsafeNameError):
        contained_path(root, "A", "..", "b.mp4")


def test_every_output_path_of_every_scene_stays_under_the_output_dir(tmp_path: Path) -> None:
    for name in SCENES:
        for quality in QUALITY_PRESETS:
            for fmt in FORMATS:
                path = RenderRequest(get_scene(name), quality=quality, fmt=fmt).output_path(
                    tmp_path
                )
                assert path.resolve().is_relative_to(tmp_path.resolve())
                assert len(path.relative_to(tmp_path).parts) == 3


def test_every_render_gets_a_fresh_private_media_dir(tmp_path: Path) -> None:
    """Why a killed render's truncated clips can never be reused: manim's whole media tree
    (partial clips, TeX, texts) lives in a new, empty scratch directory per render."""
    final = tmp_path / "S" / "480p15" / "S.mp4"
    with scratch_dir(final) as first, scratch_dir(final) as second:
        assert first != second
        assert list(first.iterdir()) == []
        assert list(second.iterdir()) == []
        options = manim_config(RenderRequest(get_scene("RankOneUpdate")), first)
        assert options["media_dir"] == str(first)
        for key, value in options.items():
            if key.endswith("_dir"):
                assert Path(value).is_relative_to(first), f"{key} must live in the scratch dir"


# Scratch directories --------------------------------------------------------------------------


def fail_inside_scratch(final: Path, error: BaseException, used: list[Path]) -> None:
    with scratch_dir(final) as path:
        used.append(path)
        (path / "partial.mp4").write_bytes(b"x")
        raise error


def test_scratch_dir_is_removed_on_success_failure_and_interrupt(tmp_path: Path) -> None:
    final = tmp_path / "S" / "480p15" / "S.mp4"
    with scratch_dir(final) as path:
        (path / "partial.mp4").write_bytes(b"x")
    assert not path.exists()
    for error in (RuntimeError("boom"), KeyboardInterrupt()):
        used: list[Path] = []
        with pytest.raises(type(error)):
            fail_inside_scratch(final, error, used)
        assert not used[0].exists()
    assert list(final.parent.iterdir()) == []


def test_a_failed_first_render_leaves_no_empty_directories(tmp_path: Path) -> None:
    final = tmp_path / "out" / "S" / "480p15" / "S.mp4"
    (tmp_path / "out").mkdir()
    with pytest.raises(RuntimeError), scratch_dir(final):
        raise RuntimeError("boom")
    assert list((tmp_path / "out").iterdir()) == []


def _child_holding_scratch(final: Path, ready: Path) -> subprocess.Popen[bytes]:
    """A process that opens a scratch directory beside ``final`` and waits to be killed."""
    code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from lowrank_anim.core.outputs import scratch_dir
        with scratch_dir(Path({str(final)!r})) as path:
            (path / "partial.mp4").write_bytes(b"half a clip")
            Path({str(ready)!r}).write_text(str(path))
            time.sleep(600)
        """
    )
    return subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)


def _wait_for(path: Path, proc: subprocess.Popen[bytes]) -> str:
    for _ in range(600):
        if path.exists() and path.read_text():
            return path.read_text()
        assert proc.poll() is None, "the child died early"
        time.sleep(0.1)
    raise AssertionError(f"{path} never appeared")


def test_scratch_of_a_sigkilled_render_is_cleaned_and_a_live_one_is_kept(tmp_path: Path) -> None:
    final = tmp_path / "S" / "480p15" / "S.mp4"
    dead = _child_holding_scratch(final, tmp_path / "dead-ready")
    alive = _child_holding_scratch(final, tmp_path / "alive-ready")
    try:
        dead_dir = Path(_wait_for(tmp_path / "dead-ready", dead))
        alive_dir = Path(_wait_for(tmp_path / "alive-ready", alive))
        dead.send_signal(signal.SIGKILL)
        dead.wait(timeout=30)
        assert dead_dir.exists(), "SIGKILL cannot clean up: the next render must"
        with scratch_dir(final) as mine:
            assert not dead_dir.exists(), "a dead render's scratch should be cleaned first"
            assert alive_dir.exists(), "a live render's scratch must never be touched"
            assert mine.exists()
    finally:
        for proc in (dead, alive):
            proc.kill()
            proc.wait(timeout=30)
    assert clean_stale_scratch(final.parent) == [alive_dir]
    assert list(final.parent.iterdir()) == []


def test_an_unlocked_young_scratch_of_a_live_process_is_kept(tmp_path: Path) -> None:
    """Between mkdtemp and flock a live render's directory is briefly unlocked: leave it."""
    young = tmp_path / f"{outputs.SCRATCH_PREFIX}{os.getpid()}-abc"
    young.mkdir()
    assert clean_stale_scratch(tmp_path) == []
    old = time.time() - outputs.SCRATCH_GRACE_SECONDS - 5
    os.utime(young, (old, old))
    assert clean_stale_scratch(tmp_path) == [young]


def test_other_hidden_entries_are_not_scratch(tmp_path: Path) -> None:
    (tmp_path / ".renderings").mkdir()
    (tmp_path / ".render-notes.txt").write_text("a file, not a directory")
    assert clean_stale_scratch(tmp_path) == []
    assert len(list(tmp_path.iterdir())) == 2


# Publishing -----------------------------------------------------------------------------------


def test_publish_replaces_atomically(tmp_path: Path) -> None:
    final = tmp_path / "out.mp4"
    final.write_bytes(b"old")
    produced = tmp_path / "new.mp4"
    produced.write_bytes(b"new")
    inode = produced.stat().st_ino
    assert publish(produced, final) == final
    assert final.read_bytes() == b"new"
    assert final.stat().st_ino == inode, "a rename, not a copy: no half-written moment"
    assert not produced.exists()


def test_write_text_atomically(tmp_path: Path) -> None:
    target = tmp_path / "README.md"
    target.write_text("old")
    target.chmod(0o640)
    write_text_atomically(target, "new")
    assert target.read_text() == "new"
    assert target.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md"]


# Disk errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "says"),
    [
        (errno.ENOSPC, "no space left on device; free some space"),
        (errno.EDQUOT, "disk quota exceeded; free some space"),
        (errno.EROFS, "read-only file system; choose another --output-dir"),
        (errno.EACCES, "permission denied; choose another --output-dir"),
    ],
)
def test_disk_errors_become_one_line(code: int, says: str, tmp_path: Path) -> None:
    wrapped = RuntimeError("encoder failed")
    wrapped.__cause__ = OSError(code, os.strerror(code))
    error = disk_error(wrapped, tmp_path)
    assert isinstance(error, OutputDirError)
    assert str(error) == f"cannot write to {str(tmp_path)!r}: {says.split('; ')[0]}; " + (
        "free some space or choose another --output-dir"
        if code in (errno.ENOSPC, errno.EDQUOT)
        else "choose another --output-dir or fix its permissions"
    )
    assert error.errno == code


def test_other_errors_are_not_disk_errors(tmp_path: Path) -> None:
    assert disk_error(ValueError("bad"), tmp_path) is None
    assert disk_error(OSError(errno.ENOENT, "missing"), tmp_path) is None


def test_a_failure_on_a_nearly_full_disk_is_reported_as_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tools like dvisvgm leave a truncated file instead of reporting ENOSPC: the failure then
    surfaces as a parse error; a nearly full disk at that moment is the real cause."""
    monkeypatch.setattr(outputs, "nearly_full", lambda _path: True)
    with (
        pytest.raises(OutputDirError, match="no space left on device"),
        scratch_dir(tmp_path / "S" / "S.mp4"),
    ):
        raise ValueError("no element found: line 1, column 0")
