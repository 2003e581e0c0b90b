"""Chunked rendering: one scene's plays split across processes, joined by manim's own code.

manim writes one independently decodable segment per ``play``/``wait`` and joins them by stream
copy.  So a scene can be cut on play boundaries: each chunk is a fresh process that renders
plays ``first..last`` (``from_animation_number``/``upto_animation_number``) and skips the
others frame-exactly (:func:`lowrank_anim.pipeline.manim_patches.frame_exact_renderer`), so it
draws the very frames a render in one piece would.  The render itself
(:func:`lowrank_anim.pipeline.rendering.render` with ``segments=``) runs the scene once
without drawing, which is also the plan: every play's frame count.  The plays are split into
contiguous chunks of about equal cost, rendered in parallel, and their segments handed back to
manim's file writer, which joins them — the movie, the section clips and the ``.srt`` — as it
joins its own.  x264's thread count is pinned (:mod:`lowrank_anim.pipeline.encoding`), so an
mp4 is byte-identical to the one-piece render; a webm is frame-identical.

A chunk is a task "render plays a..b of this request into these bytes"
(:func:`render_chunk`): it needs nothing from the parent but the task, and returns the
segments' bytes, so another executor (a Dask cluster) can run the same task.
"""

from __future__ import annotations

import functools
import itertools
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from lowrank_anim.pipeline import manim_patches
from lowrank_anim.pipeline.context import render_context
from lowrank_anim.pipeline.encoding import job_peak_bytes
from lowrank_anim.pipeline.rendering import RenderError, Segments, render
from lowrank_anim.pipeline.request import DEFAULT_OUTPUT_DIR, QUALITY_TABLE, RenderRequest
from lowrank_anim.pipeline.workers import child_main

#: A held frame (a static wait) is drawn once and only encoded n times: it costs this fraction
#: of an animated frame (measured on RankOneUpdate at -q high: encoding is about a tenth).
HELD_FRAME_COST = 0.1
#: ``--chunks auto`` never cuts renders of fewer pixels a frame than this (1080p): below it a
#: chunk's start (a process, the scene built again up to its first play) costs about what it
#: saves, and the plan that decides (:func:`auto_chunks`) is not worth its own cost.
AUTO_MIN_PIXELS = 1920 * 1080


@dataclass(frozen=True)
class ChunkTask:
    """Render plays ``first..last`` of ``request``, with the manim ``settings`` of the whole
    render; the LaTeX store of ``store`` if it is reachable.  ``poster``: also return the last
    frame drawn."""

    request: RenderRequest
    first: int
    last: int
    settings: dict[str, Any]
    store: Path
    poster: bool = False

    def run(self) -> Segments:
        """Render the chunk in this process (:func:`render_chunk`)."""
        return render_chunk(self)


# The cost model of ``--chunks auto``, in CPU seconds, measured by bench/chunk_costs.py on this
# project's 2-core AMD EPYC machine (CPU time, so a loaded machine measures it too;
# BENCHMARKS.md "What a frame costs", 2026-12-02).
#: CPU seconds to draw and encode one animated frame, by quality: RankOneUpdate rendered whole
#: (-q low 5.6 s, medium 13.9 s, high 74.7 s of CPU) minus building the scene and stepping its
#: updaters, per frame drawn. production and 4k: high's, scaled by the pixels (not measured).
DRAW_SECONDS = {"low": 0.012, "medium": 0.017, "high": 0.064, "production": 0.114, "4k": 0.256}
#: CPU seconds to step one skipped frame without drawing it (frame-exact skipping) where no plan
#: timed it (:func:`plan` does, per play): plays with updaters and plays without, over the
#: planning passes of FullStory and RankOneUpdate weighted by frames (61.6 and 11.4 ms with
#: updaters, 3.95 and 0.95 ms without).  A chunk pays this for every frame of every play
#: before its first; a render in one piece pays it too, inside each drawn frame.
STEP_SECONDS = {True: 0.050, False: 0.0035}
#: CPU cores one render keeps busy (manim encodes on threads of its own): FullStory at
#: -q high took 551 s of CPU in 341 s on an idle 2-core machine.
RENDER_PARALLELISM = 1.6
#: ``auto`` cuts only when the model expects the chunked render to take at most this share of
#: the whole render's time: the model is rough, and a smaller gain is not worth the risk.
AUTO_MARGIN = 0.9


def step_seconds(play: manim_patches.PlayFrames) -> float:
    """CPU seconds to step one frame of ``play`` without drawing it: as measured by a plan
    (:func:`plan`), else :data:`STEP_SECONDS`."""
    return play.step if play.step is not None else STEP_SECONDS[play.updaters]


def play_costs(played: Sequence[manim_patches.PlayFrames], quality: str = "high") -> list[float]:
    """The estimated CPU seconds to render each play: its frames drawn (and its updaters
    stepped), held frames at :data:`HELD_FRAME_COST`."""
    draw = DRAW_SECONDS[quality]
    return [
        play.frames * draw * HELD_FRAME_COST
        if play.held
        else play.frames * (draw + step_seconds(play))
        for play in map(manim_patches.PlayFrames._make, played)
    ]


def replay_costs(played: Sequence[manim_patches.PlayFrames]) -> list[float]:
    """The estimated CPU seconds to step through each play without drawing it, as a chunk
    that starts after it must (a held frame is skipped in one step)."""
    return [
        0.0 if play.held else play.frames * step_seconds(play)
        for play in map(manim_patches.PlayFrames._make, played)
    ]


def split_plays(
    costs: Sequence[float], parts: int, replay: Sequence[float] | None = None
) -> list[tuple[int, int]]:
    """Cut plays into at most ``parts`` contiguous runs ``(first, last)`` (inclusive) whose
    largest cost is as small as it can be; a run starting at play i also pays ``replay`` of
    every play before i (a chunk steps through them), so cuts move to where little is replayed."""
    if not costs:
        return []
    parts = max(1, min(parts, len(costs)))
    before = list(itertools.accumulate(replay if replay is not None else [0.0] * len(costs)))
    offset = [0.0, *before[:-1]]
    # Every cut is at a play boundary. A run's cost falls as its start moves later (what it no
    # longer replays it no longer draws either), so for a bound the greedy cut (each run as
    # long as the bound allows) needs the fewest runs; the smallest bound that needs at most
    # `parts` runs is one of the runs' costs (binary search).
    prefix = list(itertools.accumulate(costs, initial=0.0))
    candidates = sorted(
        {
            offset[i] + prefix[j] - prefix[i]
            for i in range(len(costs))
            for j in range(i + 1, len(prefix))
        }
    )

    def runs(bound: float) -> list[tuple[int, int]] | None:
        found: list[tuple[int, int]] = []
        start, total = 0, offset[0]
        for index, cost in enumerate(costs):
            if total + cost > bound and index > start:
                found.append((start, index - 1))
                start, total = index, offset[index]
            if total + cost > bound:
                return None  # this play alone is over the bound where it must start
            total += cost
        found.append((start, len(costs) - 1))
        return found

    def fits(bound: float) -> bool:
        made = runs(bound)
        return made is not None and len(made) <= parts

    low, high = 0, len(candidates) - 1
    while low < high:
        middle = (low + high) // 2
        if fits(candidates[middle]):
            high = middle
        else:
            low = middle + 1
    made = runs(candidates[low])
    assert made is not None  # the largest candidate, one run of everything, always fits
    return made


def cut_plays(
    played: Sequence[manim_patches.PlayFrames], parts: int, quality: str
) -> list[tuple[int, int]]:
    """The plays of a planned render in at most ``parts`` runs, balanced by the cost model
    (drawing, and replaying what each run skips)."""
    return split_plays(play_costs(played, quality), parts, replay_costs(played))


@dataclass(frozen=True)
class Estimate:
    """The cost model's guess, in seconds of wall time."""

    whole: float
    chunked: float
    runs: list[tuple[int, int]]


def share(threads: float, cores: int, load: float) -> float:
    """Cores that ``threads`` busy threads get on ``cores`` cores where ``load`` other threads
    also want to run (Linux shares a busy machine out per thread)."""
    return min(threads, cores * threads / (threads + max(load, 0.0)))


def estimate(
    played: Sequence[manim_patches.PlayFrames],
    quality: str,
    parts: int,
    *,
    cores: int,
    setup: float,
    load: float = 0.0,
) -> Estimate:
    """Wall time of a render in one piece and in ``parts`` chunks on ``cores`` cores busy with
    ``load`` other threads, from the plan. ``setup`` is the CPU seconds one process takes to
    build the scene: every chunk builds it again, and so does the planning pass that runs
    before the chunks (on one core: it steps every play's updaters, drawing nothing)."""
    costs = play_costs(played, quality)
    replay = replay_costs(played)
    whole = (setup + sum(costs)) / share(RENDER_PARALLELISM, cores, load)
    runs = split_plays(costs, parts, replay)
    chunk_cpu = [setup + sum(replay[:first]) + sum(costs[first : last + 1]) for first, last in runs]
    planning = (setup + sum(replay)) / share(1, cores, load)
    # The chunks together: none faster than one render, all no faster than their share.
    together = share(RENDER_PARALLELISM * len(runs), cores, load)
    chunks = max(max(chunk_cpu) / min(RENDER_PARALLELISM, together), sum(chunk_cpu) / together)
    return Estimate(whole, planning + chunks, runs)


def best_parts(
    played: Sequence[manim_patches.PlayFrames],
    quality: str,
    workers: int,
    *,
    cores: int,
    setup: float,
    load: float = 0.0,
) -> int:
    """How many chunks (1 to ``workers``) the cost model expects to be fastest; more than one
    only if that takes at most :data:`AUTO_MARGIN` of the time in one piece."""
    best, best_time = 1, None
    for parts in range(2, max(1, workers) + 1):
        guess = estimate(played, quality, parts, cores=cores, setup=setup, load=load)
        if len(guess.runs) < parts:
            break  # fewer plays than chunks
        if guess.chunked <= AUTO_MARGIN * guess.whole and (
            best_time is None or guess.chunked < best_time
        ):
            best, best_time = parts, guess.chunked
    return best


def plan(request: RenderRequest, store: Path) -> tuple[list[manim_patches.PlayFrames], float]:
    """A cheap plan of ``request``'s render, in this process: every play's frames (as a render
    would write them), held or not, with updaters or not, and the CPU seconds it took to build
    the scene.  Plays jump to their end as manim skips them, so it costs about one scene
    build; the LaTeX it compiles goes to ``store`` for the render that follows."""
    # Importing manim's patches and the scene module is not building the scene: done first,
    # the render context below finds them done.
    manim_patches.install()
    request.scene.load()
    start = time.process_time()
    overrides = {
        "format": "mp4",
        "from_animation_number": 10**9,  # skip every play
        "save_sections": False,
    }
    with render_context(
        request, None, tex_store=store, overrides=overrides, prefix="lowrank-plan-"
    ) as context:
        scene = context.render(
            manim_patches.frame_exact_scene(context.scene_class, segments_only=True, jump=True)
        )
        played = list(scene.renderer.played)
    return played, time.process_time() - start


def machine_cores() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS has no sched_getaffinity
        return max(1, os.cpu_count() or 1)


def other_load() -> float:
    """Threads of other work wanting the CPU now: the 1-minute load average, less the plan
    this process just ran (0 where the system does not say)."""
    try:
        return max(0.0, os.getloadavg()[0] - 1.0)
    except (AttributeError, OSError):
        return 0.0


def auto_chunks(request: RenderRequest, workers: int, store: Path) -> int:
    """``--chunks auto``: plan the render (:func:`plan`) and let the cost model choose. A
    scene that fails to build is rendered whole: the render meets the error and reports it as
    any render's (one line, its log kept)."""
    try:
        played, setup = plan(request, store)
    except Exception:
        return 1
    return best_parts(
        played, request.quality, workers, cores=machine_cores(), setup=setup, load=other_load()
    )


def chunks_for(
    request: RenderRequest, chunks: int | None, workers: int, store: Path | None = None
) -> int:
    """How many chunks to cut one render into: ``chunks`` (None is ``auto``) within
    ``workers`` processes.  ``auto`` cuts videos of 1080p and more when the cost model says it
    is faster (:func:`auto_chunks`, a plan built with ``store``'s LaTeX), else renders whole."""
    if request.fmt == "png" or workers <= 1:
        return 1
    if chunks is None:
        if QUALITY_TABLE[request.quality].pixels < AUTO_MIN_PIXELS:
            return 1
        return auto_chunks(request, workers, store if store is not None else DEFAULT_OUTPUT_DIR)
    return max(1, chunks)


# One chunk, in a process of its own ----------------------------------------------------------


def render_chunk(task: ChunkTask) -> Segments:
    """Render ``task``'s plays (in this process, which must not have rendered before) and
    return their segments' bytes; nothing is left on disk."""
    overrides = {
        "from_animation_number": task.first,
        "upto_animation_number": task.last,
        "save_sections": False,
    }
    with render_context(
        task.request,
        None,
        tex_store=task.store,
        encoder=task.settings,
        overrides=overrides,
        prefix="lowrank-chunk-",
    ) as context:
        scene = context.render(
            manim_patches.frame_exact_scene(context.scene_class, segments_only=True)
        )
        files = scene.renderer.file_writer.partial_movie_files
        by_play = {
            index: Path(files[index]).read_bytes()
            for index in range(task.first, min(task.last + 1, len(files)))
            if files[index] is not None
        }
        suffix = next((Path(f).suffix for f in files if f is not None), ".mp4")
        poster = None
        if task.poster:
            poster_file = context.media_dir / "poster.png"
            scene.renderer.camera.get_image().save(poster_file)
            poster = poster_file.read_bytes()
    return Segments(by_play, suffix, poster)


def run_chunks(tasks: Sequence[ChunkTask], workers: int) -> list[Segments]:
    """Run ``tasks``, at most ``workers`` at once, each in a fresh process on the local Dask
    pool (:mod:`lowrank_anim.pipeline.pool`), within the memory available; results in order.

    The first failure stops the others and raises :class:`RenderError` naming the chunk; an
    interrupt stops them too (they remove their temporary folders) and propagates.
    """
    from lowrank_anim.pipeline import pool
    from lowrank_anim.pipeline.workers import memory_budget

    results: dict[int, Segments] = {}

    def on_result(index: int, message: tuple[str, Any]) -> None:
        task = tasks[index]
        if message[0] != "ok":
            raise RenderError(
                f"chunk {index + 1} of {len(tasks)} of {task.request.scene.name} "
                f"(plays {task.first}-{task.last}) failed: {message[1]}"
            )
        results[index] = message[1]

    pool.run(
        [pool.Task(task, job_peak_bytes(task.request.quality)) for task in tasks],
        _pooled_chunk,
        workers=max(1, workers),
        memory=memory_budget(),
        on_result=on_result,
    )
    return [results[i] for i in range(len(tasks))]


def _pooled_chunk(child: Any, task: ChunkTask) -> tuple[str, object]:
    """A pool task (in a Dask thread): one chunk in a fresh process; its message."""
    name = f"chunk-{task.request.scene.name}-{task.first}-{task.last}"
    # No log: the parent reports a failure in one line (manim's log, LaTeX's chatter go).
    message, code = child.run_process(child_main, (task, None), name)
    if message is None:
        return ("failed", f"its process ended with code {code}")
    return cast(tuple[str, object], message)


def render_segments(
    request: RenderRequest,
    played: list[manim_patches.PlayFrames],
    settings: dict[str, Any],
    store: Path,
    *,
    parts: int,
    workers: int,
    run: Callable[[Sequence[ChunkTask], int], list[Segments]] = run_chunks,
) -> Segments:
    """Render every play of a planned render in ``parts`` chunks balanced by cost, at most
    ``workers`` at once (a :data:`lowrank_anim.pipeline.rendering.SegmentRenderer`), by
    ``run``: the local pool (:func:`run_chunks`), or a farm's workers."""
    runs = cut_plays(played, parts, request.quality)
    tasks = [
        ChunkTask(request, first, last, settings, store, poster=last == len(played) - 1)
        for first, last in runs
    ]
    made = run(tasks, workers)
    by_play: dict[int, bytes] = {}
    for segments in made:
        by_play.update(segments.by_play)
    suffix = next((s.suffix for s in made if s.by_play), ".mp4")
    return Segments(by_play, suffix, made[-1].poster if made else None)


def render_chunked(
    request: RenderRequest,
    output_dir: Path = DEFAULT_OUTPUT_DIR,
    *,
    parts: int,
    workers: int,
    store: Path | None = None,
    encoder: Mapping[str, Any] | None = None,
) -> Path:
    """:func:`lowrank_anim.pipeline.rendering.render` in ``parts`` chunks (at most ``workers``
    processes at once): the same file, made faster on several cores."""
    if parts <= 1:
        return render(request, output_dir, store=store, encoder=encoder)
    segments = functools.partial(render_segments, parts=parts, workers=workers)
    return render(request, output_dir, store=store, segments=segments, encoder=encoder)
