"""The one LaTeX and text store: safe beside a running render and after one was killed.

Real processes, real LaTeX: a render holds its caches open (``HoldingTex`` compiles a formula,
then waits), and a preview into the same output directory must still compile its own formulas.
Before the store was folded into one, both cases failed with ``IsADirectoryError`` on the
render's scratch folder inside ``.cache/tex`` (manim's ``delete_nonsvg_files`` unlinks every
non-SVG entry of its ``tex_dir``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from lowrank_anim.pipeline import texstore
from tests.conftest import ROOT

pytestmark = pytest.mark.render


@pytest.fixture(autouse=True)
def store_per_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests are about the store of one output folder, not the run's shared one."""
    monkeypatch.delenv(texstore.STORE_ENV, raising=False)


def test_one_store_for_every_folder_when_the_environment_names_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With ``LOWRANK_TEX_STORE``, a render into any folder is seeded from that one store and
    publishes into it; without it, each folder keeps its own."""
    shared = tmp_path / "shared"
    stored = texstore.store_dir(shared.parent / "unused", "tex_dir")
    assert stored == tmp_path / "unused" / ".cache" / "tex"
    monkeypatch.setenv(texstore.STORE_ENV, str(shared))
    assert texstore.store_dir(tmp_path / "a", "tex_dir") == shared / "tex"
    with texstore.private_dirs(tmp_path / "a") as caches:
        (Path(caches["tex_dir"]) / "f.svg").write_text("<svg>\n</svg>\n")
    with texstore.private_dirs(tmp_path / "b") as caches:
        assert [p.name for p in Path(caches["tex_dir"]).iterdir()] == ["f.svg"]
    assert [p.name for p in (shared / "tex").iterdir()] == ["f.svg"]
    assert not (tmp_path / "a" / ".cache").exists()
    assert not (tmp_path / "b").exists()


HOLD = (
    "from pathlib import Path\n"
    "from lowrank_anim.pipeline.batch import render_batch\n"
    "from lowrank_anim.pipeline.request import RenderRequest\n"
    "from tests.batch_scenes import spec\n"
    "render_batch([RenderRequest(spec('HoldingTex'), fmt='png')], Path({out!r}), jobs=1)\n"
)


@contextmanager
def holding_render(out: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], Path]]:
    """A real render into ``out`` that has compiled LaTeX and is still running."""
    ready, release = tmp_path / "ready", tmp_path / "release"
    env = {**os.environ, "LOWRANK_TEST_READY": str(ready), "LOWRANK_TEST_RELEASE": str(release)}
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD.format(out=str(out))], cwd=ROOT, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 240
        while not ready.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                output = proc.stdout.read().decode() if proc.stdout else ""
                pytest.fail(f"the holding render never got ready:\n{output}")
            time.sleep(0.1)
        yield proc, release
    finally:
        release.touch()
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def test_an_incomplete_stored_svg_is_dropped_not_seeded(tmp_path: Path) -> None:
    """A store left with an empty or cut-off SVG (by a version before the *text* patch) heals:
    renders never see it, and it is compiled again."""
    text_store = texstore.store_dir(tmp_path, "text_dir")
    text_store.mkdir(parents=True)
    (text_store / "good.svg").write_text("<svg>\n</svg>\n")
    (text_store / "empty.svg").write_bytes(b"")
    (text_store / "cut.svg").write_text("<svg><path d='M 0 0")
    with texstore.private_dirs(tmp_path) as caches:
        assert sorted(p.name for p in Path(caches["text_dir"]).iterdir()) == ["good.svg"]
    assert sorted(p.name for p in text_store.iterdir()) == ["good.svg"]


def preview(out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "render.py", "preview", "TitleCard", "-o", str(out)],
        cwd=ROOT, capture_output=True, text=True, timeout=400, check=False,
    )  # fmt: skip


def test_a_preview_during_a_render_into_the_same_folder_succeeds(tmp_path: Path) -> None:
    out = tmp_path / "media"
    with holding_render(out, tmp_path) as (render, release):
        result = preview(out)
        assert render.poll() is None, "the render should still be running during the preview"
        release.touch()
        assert render.wait(timeout=120) == 0
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_file()
    # Both processes' formulas reached the store, and nothing but SVGs is in it.
    stored = list(texstore.store_dir(out, "tex_dir").iterdir())
    assert len(stored) >= 2
    assert all(path.suffix == ".svg" and path.is_file() for path in stored)


def test_a_preview_after_a_render_was_killed_with_sigkill_succeeds(tmp_path: Path) -> None:
    out = tmp_path / "media"
    with holding_render(out, tmp_path) as (render, _release):
        os.kill(render.pid, signal.SIGKILL)
        render.wait()
    result = preview(out)
    assert result.returncode == 0, result.stderr
    assert Path(result.stdout.strip()).is_file()
    assert all(path.suffix == ".svg" for path in texstore.store_dir(out, "tex_dir").iterdir())
