"""Render jobs, in this process or each in a worker process of its own.

Processes come from the ``forkserver`` start method (``spawn`` where there is none): every job is
a fresh child of a server that has imported manim but never rendered, so manim's global
``config`` cannot leak from one job into the next, and no job pays for importing manim again.
A worker's stdout and stderr (manim's log, LaTeX, the traceback) go to a log file, kept in
``OUTPUT_DIR/.logs/`` only when the job failed.  A finished job is recorded in the manifest
(:mod:`lowrank_anim.pipeline.cache`) by the parent, never by the worker.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing
import multiprocessing.connection
import os
import pickle
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

from lowrank_anim.core.outputs import publish
from lowrank_anim.core.termination import sigterm_raises
from lowrank_anim.health.diagnosis import explain
from lowrank_anim.paths import PROJECT_ROOT
from lowrank_anim.pipeline import cache, encoding
from lowrank_anim.pipeline.progress import JobResult, Reporter
from lowrank_anim.pipeline.rendering import render
from lowrank_anim.pipeline.request import RenderRequest

#: What renders a job: called as ``render_fn(request, output_dir, encoder=settings)``, like
#: :func:`lowrank_anim.pipeline.rendering.render` (the default), and returns the file's path.
RenderFunction = Callable[..., Path]
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

    def run(self) -> Outcome:
        """Render the job in this process (:func:`run_job`)."""
        return run_job(self.request, self.output_dir, self.settings, self.render_fn)


def job_for(
    request: RenderRequest,
    output_dir: Path,
    *,
    draft: bool = False,
    render_fn: RenderFunction = render,
) -> Job:
    """The one job builder: ``request``'s encoder settings (``draft``: the fast encoder at any
    quality), the cache key they make with the request, and the purpose the manifest records."""
    settings = encoding.request_overrides(request, draft)
    key = cache.cache_key(request, settings)
    purpose = encoding.purpose_for(request.quality, draft)
    return Job(request, output_dir, key, settings, purpose, render_fn)


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
    process."""
    start = time.perf_counter()
    path = render_fn(request, output_dir, encoder=settings)
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


class Work(Protocol):
    """What a render process runs: a :class:`Job`, or a chunk of one
    (:class:`lowrank_anim.pipeline.chunks.ChunkTask`); pickled to the process."""

    def run(self) -> object:
        """Do the work here; what it returns goes back to the parent."""
        ...


def child_main(work: Work, log: str | None, conn: multiprocessing.connection.Connection) -> None:
    """The one entry point of a render process (a child of the local pool, or of a farm
    task, :func:`run_fresh`): run ``work``, send ``("ok", result)`` or ``("failed", one-line
    error)`` through ``conn``; stdout and stderr (manim's log, LaTeX, the traceback) go to
    ``log``, or nowhere without one.

    The first SIGTERM (the pool's stop) or SIGINT (a terminal's Ctrl-C reaches the whole
    process group) unwinds the render, so its scratch directories are removed; later ones are
    ignored until that is done."""
    status = 1
    with sigterm_raises(child=True), open(log or os.devnull, "ab", buffering=0) as sink:
        # Redirect the file descriptors, not just sys.stdout: LaTeX, ffmpeg and manim's logger
        # (bound to stderr when manim was imported) all write there.
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            message: tuple[str, object] = ("ok", work.run())
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
    # finalizers run (they release what manim's progress bars registered: tqdm's lock, a
    # semaphore the resource tracker would otherwise report as leaked).
    stuck = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if stuck:
        os._exit(status)
    if status:
        sys.exit(status)


def run_fresh(work: Work) -> tuple[tuple[str, object] | None, int]:
    """Run ``work`` through :func:`child_main` in a fresh Python (a subprocess: a Dask
    worker's process is a daemon, which multiprocessing lets have no children); its message
    (None if it sent none) and exit code."""
    read, write = os.pipe()
    try:
        process = subprocess.Popen(
            [sys.executable, "-c", _FRESH_MAIN, str(write)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=(write,),
            cwd=PROJECT_ROOT,
        )
    finally:
        os.close(write)
    reader = multiprocessing.connection.Connection(read, writable=False)
    try:
        assert process.stdin is not None
        with contextlib.suppress(BrokenPipeError):
            process.stdin.write(pickle.dumps(work))
            process.stdin.close()
        message: tuple[str, object] | None = None
        with contextlib.suppress(EOFError, OSError):
            message = reader.recv()
        return message, process.wait()
    finally:
        reader.close()
        if process.poll() is None:  # interrupted: the child unwinds its render and goes
            process.terminate()
            process.wait()


#: What :func:`run_fresh`'s process runs: the work from stdin, the message to the fd given.
_FRESH_MAIN = (
    "import pickle, sys\n"
    "from multiprocessing.connection import Connection\n"
    "from lowrank_anim.pipeline.workers import child_main\n"
    "child_main(pickle.load(sys.stdin.buffer), None, Connection(int(sys.argv[1]), readable=False))"
)


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


@dataclass(frozen=True)
class _Ended:
    """How a job's process ended, as its pool task reports it."""

    message: tuple[str, object] | None
    exitcode: int | None
    seconds: float
    log: Path | None  # the kept log of a failed job


def run_in_processes(
    todo: Sequence[tuple[int, Job]],
    workers: int,
    reporter: Reporter,
    *,
    memory: int | None = None,
) -> dict[int, JobResult]:
    """Render ``todo``, each job in a fresh process, at most ``workers`` at once and no more
    than ``memory`` bytes (default: four fifths of what is available) at once, on the local
    Dask pool (:mod:`lowrank_anim.pipeline.pool`); results keyed by the todo's indices."""
    from lowrank_anim.pipeline import pool
    from lowrank_anim.pipeline.encoding import job_peak_bytes

    results: dict[int, JobResult] = {}
    sendable: list[tuple[int, Job]] = []
    for index, job in todo:
        try:  # what cannot be sent to a process fails alone, before anything starts
            pickle.dumps(job)
        except Exception as exc:
            reporter.started(job.request)
            results[index] = failed(job, one_line_error(exc), 0.0)
            reporter.finished(results[index])
            continue
        sendable.append((index, job))

    def on_result(position: int, ended: _Ended) -> None:
        index, job = sendable[position]
        results[index] = _result(job, ended)
        reporter.finished(results[index])

    pool.run(
        [pool.Task(item, job_peak_bytes(item[1].request.quality)) for item in sendable],
        _pooled_job,
        workers=workers,
        memory=memory if memory is not None else memory_budget(),
        on_start=lambda position: reporter.started(sendable[position][1].request),
        on_result=on_result,
    )
    return results


def available_memory() -> int:
    """Bytes of memory new processes may use now (Linux: MemAvailable; else all of it)."""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return 2**62  # unknown: cores alone decide


def memory_budget() -> int:
    """Bytes the local pool lets its renders take at once: four fifths of what is available,
    a fifth kept for everything else (as ``encoding.jobs_within_memory`` counts it)."""
    return int(available_memory() * 0.8)


def _pooled_job(child: Any, item: tuple[int, Job]) -> _Ended:
    """A pool task (in a Dask thread): one job in a fresh process, its log kept if it failed."""
    from lowrank_anim.pipeline.pool import StoppedError

    index, job = item
    start = time.perf_counter()
    try:  # a job that cannot start (no room for its log, no process) fails alone
        final_log = log_path(job.output_dir, job.request)
        final_log.parent.mkdir(parents=True, exist_ok=True)
        log = final_log.with_name(f".{final_log.name}.{os.getpid()}-{index}.tmp")
        log.write_bytes(b"")
    except Exception as exc:
        child.started()
        return _Ended(("failed", one_line_error(exc)), None, time.perf_counter() - start, None)
    try:
        try:
            name = f"render-{job.request.scene.name}"
            message, code = child.run_process(child_main, (job, str(log)), name)
        except StoppedError:
            raise
        except Exception as exc:  # no process could start: this job fails alone
            child.started()
            return _Ended(("failed", one_line_error(exc)), None, time.perf_counter() - start, None)
        ended = _Ended(message, code, time.perf_counter() - start, None)
        if message is None or message[0] != "ok":
            publish(log, final_log)
            return dataclasses.replace(ended, log=final_log)
        return ended
    finally:
        log.unlink(missing_ok=True)


def _result(job: Job, ended: _Ended) -> JobResult:
    """Turn a finished job into a result (and a manifest entry if it rendered)."""
    message = ended.message
    if message is not None and message[0] == "ok":
        try:
            return finish(job, cast(Outcome, message[1]), ended.seconds)
        except Exception as exc:
            return failed(job, one_line_error(exc), ended.seconds)
    if message is not None:
        error = str(message[1])
    else:
        code = ended.exitcode
        error = (
            f"worker killed by signal {-code}"
            if code is not None and code < 0
            else f"worker exited with code {code} before reporting"
        )
    return failed(job, error, ended.seconds, log=ended.log)
