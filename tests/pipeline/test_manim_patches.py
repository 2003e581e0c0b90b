"""Every patch of manim's internals still fits the installed manim, named when it does not."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

import pytest

from lowrank_anim.pipeline import manim_patches
from tests.conftest import ROOT
from tests.snapshots import leftovers


def test_every_patch_fits_the_installed_manim() -> None:
    broken = manim_patches.broken_patches()
    assert not broken, "a manim upgrade broke these patches (see manim_patches.py): " + "; ".join(
        f"{name}: {why}" for name, why in broken.items()
    )


def test_the_patches_cover_every_reach_into_manim() -> None:
    assert set(manim_patches.PATCHES) == {
        "tex",
        "text",
        "last-frame",
        "poster",
        "sections",
        "encoder-abort",
        "frame-exact",
        "held-frame",
    }


def test_a_manim_whose_skipped_plays_keep_no_clock_breaks_the_frame_exact_patch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from manim.renderer.cairo_renderer import CairoRenderer

    monkeypatch.setattr(CairoRenderer, "play", lambda self, scene, *a, **k: None)
    assert "CairoRenderer.play" in manim_patches.broken_patches()["frame-exact"]


def test_a_patch_whose_manim_internal_moved_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    """Simulate an upgrade that renames the function the tex patch replaces."""
    import manim.mobject.text.tex_mobject as tex_mobject

    monkeypatch.delattr(tex_mobject, "tex_to_svg_file")
    broken = manim_patches.broken_patches()
    assert list(broken) == ["tex"]
    assert "tex_mobject.tex_to_svg_file" in broken["tex"]


def test_a_renderer_without_update_frame_breaks_the_last_frame_patch(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from manim.renderer.cairo_renderer import CairoRenderer

    monkeypatch.delattr(CairoRenderer, "update_frame")
    assert "CairoRenderer.update_frame" in manim_patches.broken_patches()["last-frame"]


def test_install_is_idempotent_and_replaces_the_name_tex_mobject_uses() -> None:
    import manim.mobject.text.tex_mobject as tex_mobject

    manim_patches.install()
    first = getattr(tex_mobject, "tex_to_svg_file")  # noqa: B009 - not re-exported for mypy
    manim_patches.install()
    assert getattr(tex_mobject, "tex_to_svg_file") is first  # noqa: B009
    assert first is manim_patches.atomic_tex_to_svg_file


FAILS_MID_PLAY = """
from manim import Dot, Scene, ValueTracker


class FailsMidPlay(Scene):
    def construct(self):
        tracker = ValueTracker(0)
        dot = Dot()

        def fail_halfway(mob):
            if tracker.get_value() > 0.5:
                raise KeyboardInterrupt  # what Ctrl-C (or our SIGTERM) raises mid-play

        dot.add_updater(fail_halfway)
        self.add(dot)
        self.play(tracker.animate.set_value(1), run_time=2)
"""


@pytest.mark.render
def test_a_render_interrupted_mid_play_exits_instead_of_hanging(tmp_path: Path) -> None:
    """An interrupt raised inside a play unwinds out of the render and the process exits: no
    encode thread of the unfinished play is left for the interpreter to wait on.  (A SIGTERM
    mid-render once hung that way in the fault-injection test; the race was not reproduced
    deterministically, so this checks the interrupt path as a whole.)"""
    (tmp_path / "fails_mid_play.py").write_text(FAILS_MID_PLAY)
    script = textwrap.dedent(
        f"""
        import sys
        sys.path.insert(0, {str(tmp_path)!r})
        from pathlib import Path
        from lowrank_anim.pipeline.rendering import render
        from lowrank_anim.pipeline.request import RenderRequest
        from lowrank_anim.registry import SceneSpec

        spec = SceneSpec("FailsMidPlay", "fails_mid_play:FailsMidPlay", "fails")
        try:
            render(RenderRequest(spec), Path({str(tmp_path / "out")!r}))
        except KeyboardInterrupt:
            print("raised: interrupted")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("raised: interrupted")


ORPHAN = """
import sys
from manim.scene.scene_file_writer import _PartialMovieEncodeJob

from lowrank_anim.pipeline import manim_patches

if sys.argv[1] == "patched":
    manim_patches.install()

class Encoder:
    target = "unused.mp4"

# What a Ctrl-C between the thread's start and the writer's bookkeeping leaves: a started job
# that nobody will seal or abort.
_PartialMovieEncodeJob(animation_index=0, encoder=Encoder(), frame_queue_size=1)
print("left an orphan", flush=True)
"""


@pytest.mark.parametrize("patched", [True, False], ids=["installed", "manim-alone"])
def test_an_orphaned_encode_thread_cannot_hold_the_process(patched: bool) -> None:
    """The Ctrl-C race that hung CI once in a dozen runs, made deterministic: without the
    patch the interpreter waits for the orphan forever (here: until the timeout)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", ORPHAN, "patched" if patched else "alone"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        said = proc.stdout.readline()  # the script has run to its end
        try:
            # The patched process exits at once (20 s for a busy machine); the hang manim
            # alone shows is plain within 5 s.
            proc.wait(timeout=20 if patched else 5)
            exited = True
        except subprocess.TimeoutExpired:
            exited = False
    finally:
        proc.kill()
        _out, err = proc.communicate()
    assert said.strip() == "left an orphan", err
    assert exited is patched, "the daemon patch decides whether the process can exit"
    if patched:
        assert proc.returncode == 0, err


def test_a_leaked_lock_is_freed_and_a_busy_one_is_waited_for() -> None:
    leaked = threading.Lock()
    leaked.acquire()  # what an interrupt between acquire and `with` leaves behind
    assert manim_patches.free_leaked_lock(leaked, patience=0.05) is True
    assert not leaked.locked()
    free = threading.Lock()
    assert manim_patches.free_leaked_lock(free, patience=0.05) is False
    assert not free.locked()
    busy = threading.Lock()
    busy.acquire()
    threading.Timer(0.05, busy.release).start()  # a thread done with it soon
    assert manim_patches.free_leaked_lock(busy, patience=10) is False
    assert not busy.locked()


@pytest.mark.render
@pytest.mark.parametrize("scene", ["InterruptedWhileSealing", "LeaksAQueueLock"])
def test_an_interrupt_inside_a_frame_queue_operation_exits(scene: str, tmp_path: Path) -> None:
    """The hangs of the SIGINT fault-injection test on a loaded machine, made deterministic.
    InterruptedWhileSealing: the interrupt lands while ``seal()`` waits to put the end marker
    in a full queue (the job is marked sealed, no marker went in), and manim's abort joined an
    encode thread waiting for it (the stacks of the hang seen under load). LeaksAQueueLock: it
    lands between taking the queue's lock and the ``with`` that releases it, and the abort's own
    ``put`` waited for that lock. Without the patch both wait until the timeout."""
    out = tmp_path / "out"
    script = textwrap.dedent(
        f"""
        from lowrank_anim.cli.app import main
        from lowrank_anim.registry import SCENES
        from tests.batch_scenes import spec

        SCENES[{scene!r}] = spec({scene!r})
        main(["render", {scene!r}, "-q", "low", "-o", {str(out)!r}])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip() == "Error: interrupted"
    assert leftovers(out) == []
    assert not (out / scene / "480p15" / f"{scene}.mp4").exists()


# A store file and a render's hard link to it: the same bytes on disk (texstore.seed).
SHARED_TEXT = """
import os, sys
from pathlib import Path
from typing import Any
from manim import Text, tempconfig

from lowrank_anim.pipeline import manim_patches

if sys.argv[1] == "patched":
    manim_patches.install()
store, private = Path(sys.argv[2], "store"), Path(sys.argv[2], "private")
store.mkdir()
private.mkdir()
with tempconfig({"text_dir": str(store)}):
    Text("shared by hard links")  # compiled into the store
(stored,) = store.glob("*.svg")
os.link(stored, private / stored.name)
before = stored.stat().st_mtime_ns, stored.read_bytes()
with tempconfig({"text_dir": str(private)}):
    Text("shared by hard links")  # found in the private folder, as a render finds it
print("rewritten" if (stored.stat().st_mtime_ns, stored.read_bytes()) != before else "untouched")
"""


@pytest.mark.parametrize("patched", [True, False], ids=["installed", "manim-alone"])
def test_building_a_cached_text_never_rewrites_the_shared_file(
    patched: bool, tmp_path: Path
) -> None:
    """The CI failure of 2026-12-01, made deterministic: manim rewrote a cached text SVG in
    place (``O_TRUNC``) on every ``Text``, through the link into the store, so a chunk could
    read it empty, and one stopped mid-rewrite left it empty for every later render."""
    result = subprocess.run(
        [sys.executable, "-c", SHARED_TEXT, "patched" if patched else "alone", str(tmp_path)],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("untouched" if patched else "rewritten")


def test_the_text_clean_up_still_cleans_a_fresh_svg(tmp_path: Path) -> None:
    """manimpango's substitution (its pattern is checked by *text*) is kept where it changes
    something: a fresh SVG is cleaned as manim alone cleans it, into a new file."""
    svg = tmp_path / "fresh.svg"
    svg.write_text('<svg><path d="M 1 2 L 3 4 Z M 5 6 "/></svg>\n')
    inode = svg.stat().st_ino
    manim_patches.atomic_remove_last_M(str(svg))
    assert svg.read_text() == '<svg><path d="M 1 2 L 3 4 Z "/></svg>\n'
    assert svg.stat().st_ino != inode, "replaced by a new file, not rewritten in place"
    assert [p.name for p in tmp_path.iterdir()] == ["fresh.svg"]


@pytest.mark.render
@pytest.mark.parametrize("fmt", ["mp4", "mov"])
def test_a_held_frame_converted_once_makes_the_same_file(
    fmt: str, tmp_path: Path, tex_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The held-frame patch changes how often a repeated frame is converted, not a pixel:
    manim alone and patched make the same mp4 byte for byte, and the same frames in a
    transparent mov (qtrle, lossless: alpha included). A transparent webm cannot be compared:
    VP9 with alpha alone differs in a frame from one run to the next, with or without it."""
    import av
    import numpy as np
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    from lowrank_anim.pipeline import encoding
    from lowrank_anim.pipeline.rendering import render
    from lowrank_anim.pipeline.request import RenderRequest
    from lowrank_anim.registry import SCENES

    request = RenderRequest(SCENES["TitleCard"], fmt=fmt, transparent=fmt == "mov")

    def made(folder: str) -> Path:
        encoder = encoding.request_overrides(request)
        return render(request, tmp_path / folder, store=tex_store, encoder=encoder)

    def frames(path: Path) -> list[Any]:
        with av.open(str(path)) as container:
            return [f.to_ndarray(format="rgba") for f in container.decode(video=0)]

    manim_patches.install()
    assert getattr(VideoSegmentEncoder.write_frame, "_lowrank_atomic", False)
    patched = made("patched")
    original = manim_patches.write_held_frame.__wrapped__  # type: ignore[attr-defined]
    monkeypatch.setattr(manim_patches, "write_held_frame", original)
    monkeypatch.setattr(VideoSegmentEncoder, "write_frame", original)
    alone = made("alone")
    assert VideoSegmentEncoder.write_frame is original, "manim's own write_frame made it"
    if fmt == "mp4":
        assert patched.read_bytes() == alone.read_bytes()
    ours, theirs = frames(patched), frames(alone)
    assert len(ours) == len(theirs) > 10
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))
