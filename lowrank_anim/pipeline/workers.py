"""Render jobs, in this process or each in a worker process of its own.

Processes come from the ``forkserver`` start method (``spawn`` where there is none): every job is
a fresh child of a server that has imported manim but never rendered, so manim's global
``config`` cannot leak from one job into the next, and no job pays for importing manim again.
A worker's stdout and stderr (manim's log, LaTeX, the traceback) go to a log file, kept in
``OUTPUT_DIR/.logs/`` only when the job failed.  A finished job is recorded in the manifest
(:mod:`lowrank_anim.pipeline.cache`) by the parent, never by the worker.
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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lowrank_anim.health.diagnosis import explain
from lowrank_anim.pipeline import cache
from lowrank_anim.pipeline.outputs import publish
from lowrank_anim.pipeline.progress import JobResult, Reporter
from lowrank_anim.pipeline.rendering import render
from lowrank_anim.pipeline.request import RenderRequest

RenderFunction = Callable[[RenderRequest, Path], Path]
#: Where failed jobs' logs are kept, under the output directory.
LOGS_DIRNAME = ".logs"

_MAX_ERROR_CHARS = 300


@dataclass(frozen=True)
class Job:
    """A request on its way to a worker (pickled for separate processes)."""

    request: RenderRequest
    output_dir: Path
    key: str
    settings: dict[str, Any]
    encoder: str
    render_fn: RenderFunction


@dataclass(frozen=True)
class Outcome:
    """What a job sends back: enough to write the manifest."""

    path: Path
    render_seconds: float
    duration: float | None


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
) -> Outcome:
    """Render one request with the encoder ``settings`` (the render uses the LaTeX store) in this
    process. ``render_fn``'s own ``tempconfig`` nests inside ours and keeps these keys."""
    from manim import tempconfig

    with tempconfig(settings):
        start = time.perf_counter()
        path = render_fn(request, output_dir)
        seconds = time.perf_counter() - start
    return Outcome(Path(path), seconds, media_duration(Path(path)))


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


def log_path(output_dir: Path, request: RenderRequest) -> Path:
    name = cache.entry_name(request, output_dir).replace("/", "-")
    return output_dir / LOGS_DIRNAME / f"{name}.log"


def _raise_interrupt(signum: int, frame: object) -> None:
    # Turn terminate() into an exception so the job's scratch directories are removed.
    raise KeyboardInterrupt


def _worker(job: Job, conn: multiprocessing.connection.Connection, log: str) -> None:
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
def process_context() -> multiprocessing.context.BaseContext:
    """Where render processes come from: a forkserver that imported manim (else spawn)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # The server imports manim once; every job forks from it with a pristine config.
        context.set_forkserver_preload(["manim", "lowrank_anim.pipeline.workers"])
        return context
    return multiprocessing.get_context("spawn")


def finish(job: Job, outcome: Outcome, seconds: float) -> JobResult:
    """Record a finished render in the manifest and describe it."""
    facts = cache.RenderFacts(outcome.render_seconds, outcome.duration, job.encoder)
    entry = cache.record(job.request, job.output_dir, job.key, facts)
    # A log left by an earlier failure of this output no longer describes it.
    log_path(job.output_dir, job.request).unlink(missing_ok=True)
    return JobResult(job.request, "rendered", outcome.path, seconds, entry["size"])


def failed(job: Job, error: str, seconds: float, log: Path | None = None) -> JobResult:
    path = job.request.output_path(job.output_dir)
    return JobResult(job.request, "failed", path, seconds, error=error, log=log)


def run_here(job: Job, reporter: Reporter, debug: bool) -> JobResult:
    reporter.started(job.request)
    start = time.perf_counter()
    try:
        outcome = run_job(job.request, job.output_dir, job.settings, job.render_fn)
        result = finish(job, outcome, time.perf_counter() - start)
    except Exception as exc:
        # A broken environment (no LaTeX, a full or read-only disk, wrong-CPU binaries) is not
        # this scene's failure: it would fail every scene, so stop and let the CLI explain it.
        if debug or explain(exc) is not None:
            raise
        result = failed(job, one_line_error(exc), time.perf_counter() - start)
    reporter.finished(result)
    return result


@dataclass
class _Running:
    index: int
    job: Job
    process: multiprocessing.process.BaseProcess
    conn: multiprocessing.connection.Connection
    log: Path
    start: float


def run_in_processes(
    todo: Sequence[tuple[int, Job]], workers: int, reporter: Reporter
) -> dict[int, JobResult]:
    context = process_context()
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
                    results[index] = failed(job, one_line_error(exc), 0.0)
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


def _start(context: Any, index: int, job: Job) -> _Running:
    final_log = log_path(job.output_dir, job.request)
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
    final_log = log_path(run.job.output_dir, run.job.request)
    if message is not None and message[0] == "ok":
        run.log.unlink(missing_ok=True)
        try:
            return finish(run.job, message[1], seconds)
        except Exception as exc:
            return failed(run.job, one_line_error(exc), seconds)
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
    return failed(run.job, error, seconds, log=final_log)
