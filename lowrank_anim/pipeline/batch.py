"""Render many requests: skip the unchanged ones, render the rest in parallel processes.

``render.py render`` hands its requests to :func:`render_batch`, which

1. asks the cache (:mod:`lowrank_anim.pipeline.cache`) which outputs are already up to date — in
   milliseconds, without importing manim;
2. renders the others, each in its own process (``-j N`` at a time). Processes come from the
   ``forkserver`` start method (``spawn`` where there is none): every job is a fresh child of a
   server that has imported manim but never rendered, so manim's global ``config`` cannot leak
   from one job into the next, and no job pays for importing manim again. Each job renders in
   its own scratch media directory beside its final path and publishes atomically
   (:mod:`lowrank_anim.pipeline.outputs`); LaTeX and text SVGs are shared through
   :mod:`lowrank_anim.pipeline.texstore`. With one job to do, or ``-j 1``, it renders in this
   process, one after another, exactly as a plain ``render()`` call would;
3. records every finished file in the manifest, reports one overall progress line (job k of N,
   elapsed, ETA) and a summary table.

A failing job never stops the others: it becomes a ``failed`` result with a one-line error, and
its worker's full output (manim's log, the traceback) is kept in ``OUTPUT_DIR/.logs/``.
"""

from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.connection
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol, TextIO

from lowrank_anim.health.diagnosis import explain
from lowrank_anim.pipeline import cache, encoding
from lowrank_anim.pipeline.outputs import human_size, publish
from lowrank_anim.pipeline.rendering import render
from lowrank_anim.pipeline.request import RenderRequest

RenderFunction = Callable[[RenderRequest, Path], Path]
Status = Literal["rendered", "cached", "failed"]

#: Where failed jobs' logs are kept, under the output directory.
LOGS_DIRNAME = ".logs"

_MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class JobResult:
    """What became of one request."""

    request: RenderRequest
    status: Status
    path: Path
    """The output file (for a failed job: where it would have been)."""
    seconds: float
    """Wall time this job took, as the user waited for it."""
    size: int | None = None
    error: str | None = None
    """One line, for a failed job."""
    log: Path | None = None
    """The worker's full output, kept for a failed job rendered in a separate process."""

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass(frozen=True)
class _Job:
    """A request on its way to a worker (pickled for separate processes)."""

    request: RenderRequest
    output_dir: Path
    key: str
    settings: dict[str, Any]
    encoder: str
    render_fn: RenderFunction


@dataclass(frozen=True)
class _Outcome:
    """What a job sends back: enough to write the manifest."""

    path: Path
    render_seconds: float
    duration: float | None


def default_jobs() -> int:
    """The number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS has no sched_getaffinity
        return max(1, os.cpu_count() or 1)


# One job ---------------------------------------------------------------------------------


def media_duration(path: Path) -> float | None:
    """A video's length in seconds (None for a still or an unreadable file)."""
    if path.suffix == ".png":
        return None
    try:
        import av

        with av.open(str(path)) as container:
            if container.duration is not None:
                return round(float(container.duration / av.time_base), 3)
    except Exception:
        return None
    return None


def run_job(
    request: RenderRequest,
    output_dir: Path,
    settings: dict[str, Any],
    render_fn: RenderFunction = render,
) -> _Outcome:
    """Render one request with the encoder ``settings`` (the render uses the LaTeX store) in this
    process. ``render_fn``'s own ``tempconfig`` nests inside ours and keeps these keys."""
    from manim import tempconfig

    with tempconfig(settings):
        start = time.perf_counter()
        path = render_fn(request, output_dir)
        seconds = time.perf_counter() - start
    return _Outcome(Path(path), seconds, media_duration(Path(path)))


def one_line_error(exc: BaseException) -> str:
    """``Type: first line of the message`` (or a known failure's diagnosis), short enough for a
    summary line."""
    diagnosis = explain(exc)
    message = (diagnosis.message if diagnosis else str(exc)).strip().splitlines()
    if diagnosis is not None:
        text = message[0]
    else:
        text = f"{type(exc).__name__}: {message[0]}" if message else type(exc).__name__
    return text if len(text) <= _MAX_ERROR_CHARS else text[: _MAX_ERROR_CHARS - 1] + "…"


def _log_path(output_dir: Path, request: RenderRequest) -> Path:
    name = cache.entry_name(request, output_dir).replace("/", "-")
    return output_dir / LOGS_DIRNAME / f"{name}.log"


def _raise_interrupt(signum: int, frame: object) -> None:
    # Turn terminate() into an exception so the job's scratch directories are removed.
    raise KeyboardInterrupt


def _worker(job: _Job, conn: multiprocessing.connection.Connection, log: str) -> None:
    """Entry point of a job's process: render, report, keep stdout/stderr in ``log``."""
    signal.signal(signal.SIGTERM, _raise_interrupt)
    status = 1
    with open(log, "ab", buffering=0) as sink:
        # Redirect the file descriptors, not just sys.stdout: LaTeX, ffmpeg and manim's logger
        # (bound to stderr when manim was imported) all write there.
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            outcome = run_job(job.request, job.output_dir, job.settings, job.render_fn)
            message: tuple[str, object] = ("ok", outcome)
            status = 0
        except BaseException as exc:
            traceback.print_exc()
            message = ("failed", one_line_error(exc))
        try:
            conn.send(message)
            conn.close()
        except OSError:
            pass  # the batch was interrupted and stopped listening
        sys.stdout.flush()
        sys.stderr.flush()
    # A render interrupted mid-animation can leave manim's encoder threads (not daemons)
    # waiting forever on their queues, and a normal exit would wait for them: leave at once
    # then (the file is published or abandoned already). Otherwise exit normally, so that
    # finalizers run.
    stuck = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if stuck:
        os._exit(status)
    if status:
        sys.exit(status)


@functools.cache
def _process_context() -> multiprocessing.context.BaseContext:
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # The server imports manim once; every job forks from it with a pristine config.
        context.set_forkserver_preload(["manim", "lowrank_anim.pipeline.batch"])
        return context
    return multiprocessing.get_context("spawn")


# Progress --------------------------------------------------------------------------------


class Reporter(Protocol):
    """Receives a batch's events; implementations draw progress for people."""

    def started(self, request: RenderRequest) -> None: ...

    def finished(self, result: JobResult) -> None: ...

    def close(self) -> None: ...


class SilentReporter:
    """No progress at all (a single render prints only its path)."""

    def started(self, request: RenderRequest) -> None:
        pass

    def finished(self, result: JobResult) -> None:
        pass

    def close(self) -> None:
        pass


@dataclass
class _Clock:
    """Counts for the progress line; the ETA divides elapsed time by finished renders (cache
    hits excluded: they take no time), which accounts for jobs running side by side."""

    total: int
    start: float = field(default_factory=time.perf_counter)
    done: int = 0
    rendered: int = 0
    to_render: int = 0

    def finish(self, result: JobResult) -> None:
        self.done += 1
        if result.status != "cached":
            self.rendered += 1

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.start

    def eta(self) -> float | None:
        remaining = self.total - self.done
        if remaining == 0:
            return 0.0
        if self.rendered == 0:
            return None
        return self.elapsed / self.rendered * remaining


def clock_text(seconds: float | None) -> str:
    """``m:ss`` (``–:––`` while unknown)."""
    if seconds is None:
        return "–:––"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}:{secs:02d}"


class PlainReporter:
    """One line per finished job, for logs and pipes (stderr is not a terminal)."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.clock = _Clock(total)
        self.stream = stream

    def started(self, request: RenderRequest) -> None:
        pass

    def finished(self, result: JobResult) -> None:
        self.clock.finish(result)
        c = self.clock
        print(
            f"[{c.done}/{c.total}] {result.request.scene.name}: {result.status} "
            f"({result.seconds:.1f} s) · elapsed {clock_text(c.elapsed)} · "
            f"ETA {clock_text(c.eta())}",
            file=self.stream,
            flush=True,
        )

    def close(self) -> None:
        pass


class RichReporter:
    """One live progress bar on a terminal: scene k of N, elapsed, ETA, what is running."""

    def __init__(self, total: int, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )

        self.clock = _Clock(total)
        self.running: list[str] = []
        self.progress = Progress(
            TextColumn("[bold]Rendering"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("ETA {task.fields[eta]}"),
            TextColumn("{task.fields[running]}", style="dim"),
            console=Console(file=stream),
            transient=True,
        )
        self.task = self.progress.add_task("render", total=total, eta="–:––", running="")
        self.progress.start()

    def started(self, request: RenderRequest) -> None:
        self.running.append(request.scene.name)
        self.progress.update(self.task, running=", ".join(self.running))

    def finished(self, result: JobResult) -> None:
        self.clock.finish(result)
        if result.request.scene.name in self.running:
            self.running.remove(result.request.scene.name)
        self.progress.update(
            self.task,
            advance=1,
            eta=clock_text(self.clock.eta()),
            running=", ".join(self.running),
        )

    def close(self) -> None:
        self.progress.stop()


def make_reporter(total: int, stream: TextIO | None = None) -> Reporter:
    """A live bar when ``stream`` (default stderr) is a terminal, plain lines otherwise."""
    stream = sys.stderr if stream is None else stream
    if stream.isatty():
        return RichReporter(total, stream)
    return PlainReporter(total, stream)


# Summary ---------------------------------------------------------------------------------


def summary_rows(results: Sequence[JobResult]) -> list[tuple[str, str, str, str, str]]:
    """(scene, status, seconds, size, path) for each result, as text."""
    return [
        (
            r.request.scene.name,
            r.status,
            f"{r.seconds:.2f}",
            human_size(r.size),
            str(r.log if r.status == "failed" and r.log else r.path),
        )
        for r in results
    ]


SUMMARY_HEADERS = ("scene", "status", "seconds", "size", "path")


def print_summary(results: Sequence[JobResult], stream: TextIO | None = None) -> None:
    """The summary table (rich on a terminal, aligned text otherwise), then one line per
    failure."""
    stream = sys.stderr if stream is None else stream
    rows = summary_rows(results)
    if stream.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(*SUMMARY_HEADERS[:-1])
        table.add_column(SUMMARY_HEADERS[-1], overflow="fold")  # a path is no use cut short
        for row in rows:
            table.add_row(*row)
        Console(file=stream).print(table)
    else:
        widths = [
            max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(SUMMARY_HEADERS)
        ]
        for row in (SUMMARY_HEADERS, *rows):
            print(
                "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip(),
                file=stream,
            )
    for r in results:
        if r.status == "failed":
            where = f" (log: {r.log})" if r.log else ""
            print(f"FAILED {r.request.scene.name}: {r.error}{where}", file=stream)
    stream.flush()


def failure_message(results: Sequence[JobResult]) -> str | None:
    """The one-line error for a batch with failures (None when all went well)."""
    failed = [r for r in results if r.status == "failed"]
    if not failed:
        return None
    if len(results) == 1:
        r = failed[0]
        hint = f"full log: {r.log}" if r.log else "run again with --debug for the traceback"
        return f"{r.error} ({hint})"
    names = ", ".join(r.request.scene.name for r in failed)
    return (
        f"{len(failed)} of {len(results)} renders failed: {names} (the others were written; "
        "see the FAILED lines above)"
    )


# The batch -------------------------------------------------------------------------------


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
) -> list[JobResult]:
    """Render ``requests`` into ``output_dir``; results come back in the requests' order.

    ``jobs`` is how many renders run at once (default: the number of cores); with one render to
    do or ``jobs=1`` they run in this process. ``force`` ignores the cache. ``draft`` picks the
    fast encoder at any quality. ``debug`` lets an in-process failure raise with its traceback.
    ``render_fn`` must be importable by name when renders run in separate processes.
    """
    reporter = reporter or SilentReporter()
    results: dict[int, JobResult] = {}
    todo: list[tuple[int, _Job]] = []
    try:
        for index, request in enumerate(requests):
            start = time.perf_counter()
            settings = encoding.request_overrides(request, draft)
            key = cache.cache_key(request, settings)
            hit = None if force else cache.lookup(output_dir, key)
            if hit is not None:
                result = JobResult(
                    request, "cached", hit, time.perf_counter() - start, hit.stat().st_size
                )
                results[index] = result
                reporter.finished(result)
                continue
            purpose = encoding.purpose_for(request.quality, draft)
            todo.append((index, _Job(request, output_dir, key, settings, purpose, render_fn)))

        # Every name to render becomes a path before anything is written: a hostile one stops
        # the batch here, not after caches and logs were made in the output directory.
        for _, job in todo:
            job.request.output_path(output_dir)
        workers = min(jobs or default_jobs(), len(todo))
        if workers <= 1:
            for index, job in todo:
                results[index] = _run_here(job, reporter, debug)
        else:
            results.update(_run_in_processes(todo, workers, reporter))
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
    )
    if several:
        print_summary(results, stream)
    return results


def _finish(job: _Job, outcome: _Outcome, seconds: float) -> JobResult:
    """Record a finished render in the manifest and describe it."""
    facts = cache.RenderFacts(outcome.render_seconds, outcome.duration, job.encoder)
    entry = cache.record(job.request, job.output_dir, job.key, facts)
    # A log left by an earlier failure of this output no longer describes it.
    _log_path(job.output_dir, job.request).unlink(missing_ok=True)
    return JobResult(job.request, "rendered", outcome.path, seconds, entry["size"])


def _failed(job: _Job, error: str, seconds: float, log: Path | None = None) -> JobResult:
    path = job.request.output_path(job.output_dir)
    return JobResult(job.request, "failed", path, seconds, error=error, log=log)


def _run_here(job: _Job, reporter: Reporter, debug: bool) -> JobResult:
    reporter.started(job.request)
    start = time.perf_counter()
    try:
        outcome = run_job(job.request, job.output_dir, job.settings, job.render_fn)
        result = _finish(job, outcome, time.perf_counter() - start)
    except Exception as exc:
        # A broken environment (no LaTeX, a full or read-only disk, wrong-CPU binaries) is not
        # this scene's failure: it would fail every scene, so stop and let the CLI explain it.
        if debug or explain(exc) is not None:
            raise
        result = _failed(job, one_line_error(exc), time.perf_counter() - start)
    reporter.finished(result)
    return result


@dataclass
class _Running:
    index: int
    job: _Job
    process: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection
    log: Path
    start: float


def _run_in_processes(
    todo: Sequence[tuple[int, _Job]], workers: int, reporter: Reporter
) -> dict[int, JobResult]:
    context = _process_context()
    pending = deque(todo)
    running: dict[int, _Running] = {}
    results: dict[int, JobResult] = {}
    try:
        while pending or running:
            while pending and len(running) < workers:
                index, job = pending.popleft()
                reporter.started(job.request)
                try:
                    running_job = _start(context, index, job)
                except Exception as exc:  # e.g. a render function that cannot be pickled
                    results[index] = _failed(job, one_line_error(exc), 0.0)
                    reporter.finished(results[index])
                    continue
                running[running_job.process.sentinel] = running_job
            if not running:
                continue
            for sentinel in multiprocessing.connection.wait(list(running)):
                assert isinstance(sentinel, int)
                run = running.pop(sentinel)
                result = _collect(run)
                results[run.index] = result
                reporter.finished(result)
    finally:
        # Interrupted (Ctrl-C) or crashed: stop the rest; SIGTERM lets them remove their
        # scratch directories, SIGKILL ends one that does not stop in time.
        for run in running.values():
            run.process.terminate()
        for run in running.values():
            run.process.join(timeout=10)
            if run.process.is_alive():
                run.process.kill()
                run.process.join()
            run.conn.close()
            run.log.unlink(missing_ok=True)
    return results


def _start(context: Any, index: int, job: _Job) -> _Running:
    final_log = _log_path(job.output_dir, job.request)
    final_log.parent.mkdir(parents=True, exist_ok=True)
    log = final_log.with_name(f".{final_log.name}.{os.getpid()}-{index}.tmp")
    log.write_bytes(b"")
    reader, writer = context.Pipe(duplex=False)
    process = context.Process(
        target=_worker, args=(job, writer, str(log)), name=f"render-{job.request.scene.name}"
    )
    try:
        process.start()
    except BaseException:
        reader.close()
        log.unlink(missing_ok=True)
        raise
    finally:
        writer.close()
    return _Running(index, job, process, reader, log, time.perf_counter())


def _collect(run: _Running) -> JobResult:
    """Turn a finished worker into a result; keep its log only if it failed."""
    run.process.join()
    message = None
    try:
        if run.conn.poll():
            message = run.conn.recv()
    except (EOFError, OSError):
        message = None
    finally:
        run.conn.close()
    seconds = time.perf_counter() - run.start
    final_log = _log_path(run.job.output_dir, run.job.request)
    if message is not None and message[0] == "ok":
        run.log.unlink(missing_ok=True)
        try:
            return _finish(run.job, message[1], seconds)
        except Exception as exc:
            return _failed(run.job, one_line_error(exc), seconds)
    if message is not None:
        error = str(message[1])
    else:
        code = run.process.exitcode
        error = (
            f"worker killed by signal {-code}"
            if code is not None and code < 0
            else f"worker exited with code {code} before reporting"
        )
    publish(run.log, final_log)
    return _failed(run.job, error, seconds, log=final_log)
