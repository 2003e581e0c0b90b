"""Render many requests: skip the unchanged ones, render the rest in parallel processes.

``render.py render`` hands its requests to :func:`render_batch`, which

1. asks the cache (:mod:`lowrank_anim.pipeline.cache`) which outputs are already up to date — in
   milliseconds, without importing manim;
2. renders the others, each in its own process (``-j N`` at a time,
   :mod:`lowrank_anim.pipeline.workers`). Each job renders in
   its own scratch media directory beside its final path and publishes atomically
   (:mod:`lowrank_anim.core.outputs`); LaTeX and text SVGs are shared through
   :mod:`lowrank_anim.pipeline.texstore`. With one job to do, or ``-j 1``, it renders in this
   process, one after another, exactly as a plain ``render()`` call would — except that one
   scene alone may be cut into chunks rendered by up to ``-j`` processes
   (:mod:`lowrank_anim.pipeline.chunks`; ``--chunks``), the same file made sooner;
3. records every finished file in the manifest, reports one overall progress line (job k of N,
   elapsed, ETA) and a summary table (:mod:`lowrank_anim.pipeline.progress`).

A failing job never stops the others: it becomes a ``failed`` result with a one-line error, and
its worker's full output (manim's log, the traceback) is kept in ``OUTPUT_DIR/.logs/``.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from lowrank_anim.pipeline import cache, farm
from lowrank_anim.pipeline.chunks import chunks_for, render_chunked
from lowrank_anim.pipeline.encoding import job_peak_bytes, jobs_within_memory
from lowrank_anim.pipeline.progress import (
    JobResult,
    Reporter,
    SilentReporter,
    make_reporter,
    print_summary,
)
from lowrank_anim.pipeline.rendering import render
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.pipeline.workers import (
    Job,
    RenderFunction,
    available_memory,
    job_for,
    run_here,
    run_in_processes,
)

__all__ = ["JobResult", "default_jobs", "render_and_report", "render_batch"]


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS has no sched_getaffinity
        return max(1, os.cpu_count() or 1)


# The batch -------------------------------------------------------------------------------


def longest_first(todo: Sequence[tuple[int, Job]], output_dir: Path) -> list[tuple[int, Job]]:
    """``todo`` with the renders that took longest last time first (the rest keep their order):
    started last, FullStory alone would hold the batch long after the other scenes finished
    (as ninja starts the longest of its recorded build steps first)."""
    took = cache.past_render_seconds(output_dir)

    def cost(item: tuple[int, Job]) -> float:
        request = item[1].request
        return took.get((request.scene.name, request.quality), 0.0)

    return sorted(todo, key=cost, reverse=True)


def farm_chunks(request: RenderRequest, chunks: int | None, store: Path) -> int | None:
    """How many chunks a lone render sent to a cluster is cut into: ``chunks`` as asked, and
    for ``auto`` one per worker thread (None) where two chunks would pay here, else 1 (whole)."""
    if request.fmt == "png":
        return 1
    if chunks is not None:
        return chunks
    return None if chunks_for(request, None, 2, store) > 1 else 1


def render_batch(
    requests: Sequence[RenderRequest],
    output_dir: Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    draft: bool = False,
    render_fn: RenderFunction = render,
    reporter: Reporter | None = None,
    debug: bool = False,
    scheduler: str | None = None,
    chunks: int | None = None,
) -> list[JobResult]:
    """Render ``requests`` into ``output_dir``; results come back in the requests' order.

    ``scheduler`` (or ``$LOWRANK_SCHEDULER``), a Dask scheduler's ``tcp://HOST:PORT``, sends the
    renders to that cluster's workers (:mod:`lowrank_anim.pipeline.farm`); the files come back
    here and are published and recorded as if rendered here.

    ``jobs`` is how many renders run at once (default: the number of cores); with one render to
    do or ``jobs=1`` they run in this process. ``force`` ignores the cache. ``draft`` picks the
    fast encoder at any quality. ``debug`` lets an in-process failure raise with its traceback.
    ``render_fn`` must be importable by name when renders run in separate processes.
    ``chunks``: cut a lone render (of :func:`render`) into that many chunks run by up to
    ``jobs`` processes; None (``auto``) cuts only where it pays (:func:`chunks_for`).
    """
    reporter = reporter or SilentReporter()
    results: dict[int, JobResult] = {}
    todo: list[tuple[int, Job]] = []
    try:
        for index, request in enumerate(requests):
            start = time.perf_counter()
            job = job_for(request, output_dir, draft=draft, render_fn=render_fn)
            hit = None if force else cache.lookup(output_dir, job.key)
            if hit is not None:
                result = JobResult(
                    request, "cached", hit, time.perf_counter() - start, hit.stat().st_size
                )
                results[index] = result
                reporter.finished(result)
                continue
            todo.append((index, job))

        # Every name to render becomes a path before anything is written: a hostile one stops
        # the batch here, not after caches and logs were made in the output directory.
        for _, job in todo:
            job.request.output_path(output_dir)
        # Processes at once, scenes and chunks together: no more than asked for (or cores),
        # nor than the memory holds at the largest quality to render (a 4K job needs ~2.3 GB).
        cores = jobs or default_jobs()
        budget = cores
        if todo:
            largest = max((job.request for _, job in todo), key=lambda r: job_peak_bytes(r.quality))
            budget = jobs_within_memory(largest.quality, cores, available_memory())
        workers = min(budget, len(todo))
        address = farm.scheduler_address(scheduler)
        lone = len(todo) == 1 and todo[0][1].render_fn is render
        parts: int | None = 1
        if address is not None and lone:
            parts = farm_chunks(todo[0][1].request, chunks, output_dir)
        if address is not None and lone and parts != 1:
            # One scene's chunks, each a task on the cluster; planned and joined here.
            index, job = todo[0]
            with farm.farm(address, workers=workers) as running:
                spread = farm.farm_segments(running, job, parts)
                job = dataclasses.replace(job, render_fn=functools.partial(render, segments=spread))
                results[index] = run_here(job, reporter, debug)
        elif address is not None and todo:
            # A cluster renders each scene whole on one worker.
            results.update(farm.run_jobs(todo, address, reporter, workers=workers))
        elif lone:
            index, job = todo[0]
            # auto cuts no more chunks than the memory holds at once; the pool then admits
            # each chunk by its memory, as it does a batch's renders.
            parts = chunks_for(job.request, chunks, budget, output_dir)
            if parts > 1:
                chunked = functools.partial(render_chunked, parts=parts, workers=cores)
                job = dataclasses.replace(job, render_fn=chunked)
            results[index] = run_here(job, reporter, debug)
        elif min(cores, len(todo)) <= 1:
            for index, job in todo:
                results[index] = run_here(job, reporter, debug)
        else:
            # The local Dask pool admits each render by cores and by its own memory, so a
            # mixed batch is not held to the largest quality's count.
            ordered = longest_first(todo, output_dir)
            results.update(run_in_processes(ordered, min(cores, len(todo)), reporter))
    finally:
        reporter.close()
    return [results[i] for i in range(len(requests))]


def render_and_report(
    requests: Sequence[RenderRequest],
    output_dir: Path,
    *,
    jobs: int | None = None,
    force: bool = False,
    draft: bool = False,
    render_fn: RenderFunction = render,
    debug: bool = False,
    stream: TextIO | None = None,
    scheduler: str | None = None,
    chunks: int | None = None,
) -> list[JobResult]:
    """:func:`render_batch` as ``render.py render`` runs it: with more than one request, a
    progress bar and then the summary table on ``stream`` (stderr); a single render stays
    silent, so its only output is its path."""
    several = len(requests) > 1
    results = render_batch(
        requests,
        output_dir,
        jobs=jobs,
        force=force,
        draft=draft,
        render_fn=render_fn,
        reporter=make_reporter(len(requests), stream) if several else None,
        debug=debug,
        scheduler=scheduler,
        chunks=chunks,
    )
    if several:
        print_summary(results, stream)
    return results
