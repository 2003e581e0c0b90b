"""Chunked rendering: the same files as a render in one piece, balanced chunks, clean failures."""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from lowrank_anim.pipeline import chunks, encoding
from lowrank_anim.pipeline.manim_patches import PlayFrames
from lowrank_anim.pipeline.rendering import RenderError, render
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.registry import SCENES
from tests import batch_scenes
from tests.conftest import every_scene
from tests.snapshots import BOOKKEEPING, leftovers, snapshot

ROOT = Path(__file__).resolve().parents[2]


# The plan ---------------------------------------------------------------------------------


def test_plays_are_split_into_contiguous_runs_of_even_cost() -> None:
    costs = [10.0, 1.0, 1.0, 10.0, 1.0, 1.0, 10.0, 6.0]
    runs = chunks.split_plays(costs, 3)
    assert runs == [(0, 2), (3, 5), (6, 7)]
    # Every play once, in order.
    assert [i for first, last in runs for i in range(first, last + 1)] == list(range(8))
    # No split into 3 has a smaller largest run than 16.
    assert max(sum(costs[a : b + 1]) for a, b in runs) == 16.0


def test_a_split_never_has_more_runs_than_plays_or_empty_runs() -> None:
    assert chunks.split_plays([5.0, 1.0], 4) == [(0, 0), (1, 1)]
    assert chunks.split_plays([3.0], 2) == [(0, 0)]
    assert chunks.split_plays([], 2) == []
    assert chunks.split_plays([1.0, 1.0, 1.0], 1) == [(0, 2)]


def test_held_frames_cost_less_than_drawn_ones() -> None:
    held, drawn = chunks.play_costs([PlayFrames(30, True), PlayFrames(30, False)], "high")
    assert held == pytest.approx(drawn * chunks.HELD_FRAME_COST / (1 + step_share("high")))
    # A held frame is skipped in one step; an animated one is stepped through, more slowly
    # with updaters.
    assert chunks.replay_costs([PlayFrames(30, True)]) == [0.0]
    plain, busy = chunks.replay_costs([PlayFrames(30, False), PlayFrames(30, False, True)])
    assert 0 < plain < busy


def step_share(quality: str) -> float:
    """A plain animated frame's stepping cost relative to its drawing."""
    return chunks.STEP_SECONDS[False] / chunks.DRAW_SECONDS[quality]


def test_a_cut_moves_to_where_little_is_replayed() -> None:
    """Equal plays, but the first four are costly to step through: balancing by drawing alone
    cuts in the middle; counting what the second chunk replays moves the cut later."""
    costs = [10.0] * 8
    replay = [4.0] * 4 + [0.0] * 4
    assert chunks.split_plays(costs, 2) == [(0, 3), (4, 7)]
    runs = chunks.split_plays(costs, 2, replay)
    assert runs == [(0, 4), (5, 7)]

    # The largest chunk (its plays and the replay before it) is as small as any cut makes it.
    def worst(cut: int) -> float:
        return max(sum(costs[:cut]), sum(replay[:cut]) + sum(costs[cut:]))

    assert worst(runs[1][0]) == min(worst(cut) for cut in range(1, 8))


@pytest.mark.parametrize(
    ("quality", "fmt", "asked", "workers", "parts"),
    [
        ("low", "mp4", None, 2, 1),  # auto: 480p never pays, nothing is planned
        ("low", "mp4", 3, 2, 3),  # asked for: three chunks, two processes at a time
        ("4k", "mp4", 4, 1, 1),  # -j 1: no process to spare
        ("high", "png", 2, 2, 1),  # a still has no plays to split
        ("high", "png", None, 2, 1),
    ],
)
def test_how_many_chunks(
    quality: str, fmt: str, asked: int | None, workers: int, parts: int, tmp_path: Path
) -> None:
    request = RenderRequest(SCENES["TitleCard"], quality=quality, fmt=fmt)
    assert chunks.chunks_for(request, asked, workers, tmp_path) == parts
    assert leftovers(tmp_path) == []


def played(frames: int, plays: int, step: float) -> list[PlayFrames]:
    return [PlayFrames(frames, False, step > 0.001, step) for _ in range(plays)]


def test_auto_weighs_what_the_chunks_replay_and_the_load() -> None:
    cheap = played(60, 12, 0.0002)
    costly = played(60, 10, 0.06) + played(60, 2, 0.0002)
    decide = functools.partial(chunks.best_parts, quality="high", workers=2, cores=2, setup=1.0)
    assert decide(cheap, load=0.0) == 2
    assert decide(costly, load=0.0) == 1
    assert decide(costly, load=3.0) == 1
    # On one core, or with one process allowed, there is nothing to share.
    assert chunks.best_parts(cheap, "high", 2, cores=1, setup=1.0) == 1
    assert chunks.best_parts(cheap, "high", 1, cores=2, setup=1.0) == 1
    # Short plays drawn at 480p: two chunks' scene builds and the plan cost what they save.
    assert chunks.best_parts(played(8, 3, 0.0002), "low", 2, cores=2, setup=1.0) == 1
    # A busy machine shares its cores per thread: two chunks get more of it than one render.
    idle = chunks.estimate(cheap, "high", 2, cores=2, setup=1.0)
    busy = chunks.estimate(cheap, "high", 2, cores=2, setup=1.0, load=4.0)
    assert busy.chunked / busy.whole < idle.chunked / idle.whole < 1


@pytest.mark.parametrize(("name", "parts"), [("CheapReplay", 2), ("CostlyReplay", 1)])
def test_auto_plans_the_scene_and_chunks_only_when_its_replay_is_cheap(
    name: str, parts: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the real plan (the scene built, its plays skipped, nothing drawn): the same
    twelve plays, but in CostlyReplay a chunk must step a costly updater through the plays
    before its own, and so must the planning pass. The load is pinned: the test suite's own
    processes would otherwise decide."""
    monkeypatch.setattr(chunks, "other_load", lambda: 0.0)
    request = RenderRequest(batch_scenes.spec(name), quality="high")
    plan, setup = chunks.plan(request, tmp_path)
    assert [p.frames for p in plan] == [60] * 12
    assert [p.updaters for p in plan] == [name == "CostlyReplay" and i < 10 for i in range(12)]
    assert 0 < setup < 30
    assert chunks.chunks_for(request, None, 2, tmp_path) == parts
    assert chunks.chunks_for(request, 3, 2, tmp_path) == 3  # as asked, whatever it costs
    assert leftovers(tmp_path) == []


def test_auto_renders_a_scene_that_cannot_be_planned_whole(tmp_path: Path) -> None:
    """The render then meets the error and reports it as any render's, in one line."""
    request = RenderRequest(batch_scenes.spec("BrokenScene"), quality="high")
    assert chunks.chunks_for(request, None, 2, tmp_path) == 1
    assert leftovers(tmp_path) == []


@pytest.mark.latex
@pytest.mark.parametrize(
    ("name", "parts_by_load"),
    [
        pytest.param("FullStory", {0.0: 1, 3.0: 1}, marks=pytest.mark.slow),
        ("RankOneUpdate", {3.0: 2}),
    ],
)
def test_auto_at_high_quality_on_two_cores(
    name: str, parts_by_load: dict[float, int], tex_store: Path
) -> None:
    """FullStory's first half is full of updaters: two chunks measured 1.22x the whole render
    (BENCHMARKS.md), and the model agrees, idle or busy. RankOneUpdate replays little: on this
    machine as busy as CI keeps it (load 3), two chunks pay."""
    request = RenderRequest(SCENES[name], quality="high")
    plan, setup = chunks.plan(request, tex_store)
    decided = {
        load: chunks.best_parts(plan, "high", 2, cores=2, setup=setup, load=load)
        for load in parts_by_load
    }
    assert decided == parts_by_load


# The same files -----------------------------------------------------------------------------


def render_both(
    request: RenderRequest, tmp_path: Path, store: Path, parts: int = 2
) -> tuple[Path, Path]:
    encoder = encoding.request_overrides(request)
    whole = render(request, tmp_path / "whole", store=store, encoder=encoder)
    cut = chunks.render_chunked(
        request, tmp_path / "chunked", parts=parts, workers=2, store=store, encoder=encoder
    )
    return whole, cut


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


@pytest.mark.render
@pytest.mark.parametrize("name", every_scene("RankOneUpdate", "RankTwoUpdate"))
def test_a_chunked_render_is_byte_identical_to_the_whole(
    name: str, tmp_path: Path, tex_store: Path
) -> None:
    """The mp4, its poster, its .srt and every section clip: the same bytes."""
    request = RenderRequest(SCENES[name], quality="low", sections=True)
    whole, cut = render_both(request, tmp_path, tex_store, parts=3)
    made = files_under(cut.parent)
    assert made == files_under(whole.parent)
    assert cut.name in made
    assert cut.with_suffix(".srt").name in made
    assert any(path.startswith(f"{cut.stem}.sections/") for path in made)
    assert leftovers(tmp_path) == []


def decoded_frames(path: Path) -> list[np.ndarray]:
    import av

    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


@pytest.mark.render
def test_a_chunked_webm_has_the_same_frames(tmp_path: Path, tex_store: Path) -> None:
    """VP9's muxer writes random track IDs, so a webm can only be compared frame by frame."""
    request = RenderRequest(SCENES["TitleCard"], quality="low", fmt="webm")
    whole, cut = render_both(request, tmp_path, tex_store)
    ours, theirs = decoded_frames(cut), decoded_frames(whole)
    assert len(ours) == len(theirs) > 1
    assert all(np.array_equal(a, b) for a, b in zip(ours, theirs, strict=True))
    assert (
        cut.with_suffix(".poster.png").read_bytes() == whole.with_suffix(".poster.png").read_bytes()
    )


# Failures and interrupts ------------------------------------------------------------------------


@pytest.mark.render
def test_a_failing_chunk_fails_the_render_in_one_line_and_leaves_nothing(tmp_path: Path) -> None:
    request = RenderRequest(batch_scenes.spec("FailsInItsLastPlay"))
    out = tmp_path / "out"
    with pytest.raises(RenderError) as raised:
        chunks.render_chunked(request, out, parts=2, workers=2)
    message = str(raised.value)
    assert message == (
        "chunk 2 of 2 of FailsInItsLastPlay (plays 2-2) failed: "
        "RuntimeError: deliberately broken in play 2"
    )
    assert not request.output_path(out).exists()
    assert leftovers(out) == []


@pytest.mark.render
def test_a_chunked_render_prints_its_path_and_nothing_else(tmp_path: Path) -> None:
    """Dask's pool logs its life at INFO, and ``import manim`` puts a handler on the root logger
    that would print it: some 60 lines, a traceback among them, around one path."""
    command = [sys.executable, str(ROOT / "render.py"), "render", "TitleCard", "-q", "low"]
    done = subprocess.run(
        [*command, "--chunks", "2", "-j", "2", "-o", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert done.stdout.strip() == str(tmp_path / "TitleCard" / "480p15" / "TitleCard.mp4")


def chunk_folders(tmp: Path) -> list[Path]:
    return sorted(tmp.glob("lowrank-chunk-*"))


@pytest.mark.render
def test_a_signal_mid_chunked_render_stops_every_chunk_and_leaves_no_scratch(
    tmp_path: Path,
) -> None:
    out, tmp = tmp_path / "out", tmp_path / "tmp"
    tmp.mkdir()
    out.mkdir()
    before = snapshot(out, skip=BOOKKEEPING)
    command = [sys.executable, str(ROOT / "render.py"), "render", "RankOneUpdate"]
    proc = subprocess.Popen(
        [*command, "-q", "low", "--chunks", "2", "-j", "2", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp)},
    )
    try:
        deadline = time.monotonic() + 300
        pattern = "lowrank-chunk-*/videos/**/partial_movie_files/**/*.mp4"
        while len(list(tmp.glob(pattern))) < 2 and time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()[1]
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        _stdout, stderr = proc.communicate(timeout=300)
    finally:
        proc.kill()
    assert proc.returncode == 143
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("Error: terminated"), stderr
    assert chunk_folders(tmp) == [], "every chunk removed its temporary folder"
    assert snapshot(out, skip=BOOKKEEPING) == before
    assert leftovers(out) == []
