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

import contextlib
import functools
import itertools
import multiprocessing.connection
import os
import signal
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from lowrank_anim.pipeline import manim_patches, texstore
from lowrank_anim.pipeline.config import manim_config
from lowrank_anim.pipeline.encoding import job_peak_bytes
from lowrank_anim.pipeline.rendering import RenderError, Segments, render, scene_variant
from lowrank_anim.pipeline.request import DEFAULT_OUTPUT_DIR, RenderRequest, quality_preset
from lowrank_anim.pipeline.workers import one_line_error, process_context

#: A held frame (a static wait) is drawn once and only encoded n times: it costs this fraction
#: of an animated frame (measured on RankOneUpdate at -q high: encoding is about a tenth).
HELD_FRAME_COST = 0.1
#: ``--chunks auto`` cuts renders of at least this many pixels a frame (1080p): below it, a
#: chunk's start (a process, the scene built again up to its first play) costs about what
#: it saves.
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


def play_costs(played: Sequence[manim_patches.PlayFrames]) -> list[float]:
    """The estimated cost of each play: its frames, held frames at :data:`HELD_FRAME_COST`."""
    return [frames * (HELD_FRAME_COST if held else 1.0) for frames, held in played]


def split_plays(costs: Sequence[float], parts: int) -> list[tuple[int, int]]:
    """Cut plays into at most ``parts`` contiguous runs ``(first, last)`` (inclusive) whose
    largest total cost is as small as it can be."""
    if not costs:
        return []
    parts = max(1, min(parts, len(costs)))
    # Every cut is at a play boundary; the best cuts for a bound are found greedily, and the
    # smallest bound that needs at most `parts` runs is one of the runs' sums (binary search).
    prefix = list(itertools.accumulate(costs, initial=0.0))
    sums = {prefix[j] - prefix[i] for i in range(len(costs)) for j in range(i + 1, len(prefix))}
    candidates = sorted(c for c in sums if c >= max(costs))

    def runs(bound: float) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        start, total = 0, 0.0
        for index, cost in enumerate(costs):
            if total + cost > bound and index > start:
                found.append((start, index - 1))
                start, total = index, 0.0
            total += cost
        found.append((start, len(costs) - 1))
        return found

    low, high = 0, len(candidates) - 1
    while low < high:
        middle = (low + high) // 2
        if len(runs(candidates[middle])) <= parts:
            high = middle
        else:
            low = middle + 1
    return runs(candidates[low])


def chunks_for(request: RenderRequest, chunks: int | None, workers: int) -> int:
    """How many chunks to cut one render into: ``chunks`` (None is ``auto``) within
    ``workers`` processes; ``auto`` cuts videos of 1080p and more into one per worker."""
    if request.fmt == "png" or workers <= 1:
        return 1
    if chunks is None:
        preset = quality_preset(request.quality)
        pixels = int(preset["pixel_width"]) * int(preset["pixel_height"])
        return workers if pixels >= AUTO_MIN_PIXELS else 1
    return max(1, chunks)


# One chunk, in a process of its own ----------------------------------------------------------


def render_chunk(task: ChunkTask) -> Segments:
    """Render ``task``'s plays (in this process, which must not have rendered before) and
    return their segments' bytes; nothing is left on disk."""
    from manim import tempconfig

    manim_patches.install()
    scene_cls = task.request.scene.load()
    with (
        texstore.private_dirs(task.store) as caches,
        tempfile.TemporaryDirectory(prefix="lowrank-chunk-") as media,
    ):
        overrides = {
            **task.settings,
            "from_animation_number": task.first,
            "upto_animation_number": task.last,
            "save_sections": False,
        }
        with tempconfig(manim_config(task.request, Path(media), caches, **overrides)):
            scene = manim_patches.frame_exact_scene(
                scene_variant(scene_cls, task.request), segments_only=True
            )
            with manim_patches.stopping_encoders(scene):
                scene.render()
            files = scene.renderer.file_writer.partial_movie_files
            by_play = {
                index: Path(files[index]).read_bytes()
                for index in range(task.first, min(task.last + 1, len(files)))
                if files[index] is not None
            }
            suffix = next((Path(f).suffix for f in files if f is not None), ".mp4")
            poster = None
            if task.poster:
                poster_file = Path(media) / "poster.png"
                scene.renderer.camera.get_image().save(poster_file)
                poster = poster_file.read_bytes()
    return Segments(by_play, suffix, poster)


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # terminate() unwinds, so the chunk's temporary folder goes


def _chunk_process(task: ChunkTask, conn: multiprocessing.connection.Connection) -> None:
    """Entry point of a chunk's process: render, send the bytes (or a one-line error)."""
    signal.signal(signal.SIGTERM, _raise_interrupt)
    # manim's log, LaTeX's chatter: the parent reports failures in one line.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    try:
        message: tuple[str, object] = ("ok", render_chunk(task))
    except BaseException as exc:
        message = ("failed", one_line_error(exc))
    with contextlib.suppress(OSError):  # the parent stopped listening (interrupted)
        conn.send(message)
    conn.close()
    # A normal exit: finalizers release what manim's progress bars registered (tqdm's lock,
    # a semaphore the resource tracker would otherwise report as leaked).
    if message[0] != "ok":
        sys.exit(1)


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
    from lowrank_anim.pipeline.pool import StoppedError

    context: Any = process_context()
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(
        target=_chunk_process,
        args=(task, writer),
        name=f"chunk-{task.request.scene.name}-{task.first}-{task.last}",
    )
    try:
        try:
            child.start(process)
        finally:
            writer.close()
        child.started()
        message: Any = None
        with contextlib.suppress(EOFError, OSError):
            # Read before waiting: a chunk's segments can be larger than the pipe's buffer.
            message = reader.recv()
        if not child.wait(process):
            raise StoppedError
        if message is None:
            return ("failed", f"its process ended with code {process.exitcode}")
        return cast(tuple[str, object], message)
    finally:
        reader.close()


def render_segments(
    request: RenderRequest,
    played: list[manim_patches.PlayFrames],
    settings: dict[str, Any],
    store: Path,
    *,
    parts: int,
    workers: int,
) -> Segments:
    """Render every play of a planned render in ``parts`` chunks balanced by cost, at most
    ``workers`` at once (a :data:`lowrank_anim.pipeline.rendering.SegmentRenderer`)."""
    runs = split_plays(play_costs(played), parts)
    tasks = [
        ChunkTask(request, first, last, settings, store, poster=last == len(played) - 1)
        for first, last in runs
    ]
    made = run_chunks(tasks, workers)
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
) -> Path:
    """:func:`lowrank_anim.pipeline.rendering.render` in ``parts`` chunks (at most ``workers``
    processes at once): the same file, made faster on several cores."""
    if parts <= 1:
        return render(request, output_dir, store=store)
    segments = functools.partial(render_segments, parts=parts, workers=workers)
    return render(request, output_dir, store=store, segments=segments)
