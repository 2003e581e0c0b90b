"""Render tasks on Dask: an embedded ``LocalCluster`` by default, or a cluster's scheduler.

Scenes go to the cluster whole, one task each (:func:`run_jobs`); a lone scene cut into chunks
(a chunked render) sends one task per chunk instead and joins the segments here
(:func:`farm_segments`), with the same code that joins a local chunked render.

A :class:`Task` carries the work itself, pickled: a render job
(:class:`lowrank_anim.pipeline.workers.Job`) or a chunk of one
(:class:`lowrank_anim.pipeline.chunks.ChunkTask`), exactly what the local pool runs.  A worker
runs it through the same child entry point as the local pool
(:func:`lowrank_anim.pipeline.workers.child_main`), in a fresh Python
(:func:`lowrank_anim.pipeline.workers.run_fresh`) with a scratch folder of its own.  A fresh
process gets a fresh manim ``config`` and a crash fails one attempt, not the worker; a job's
task returns the *bytes* of its files and a chunk's its segments, so workers need no
filesystem shared with the client.

What Dask gives us, and we rely on: a task whose worker dies mid-run is rescheduled on another
worker; a task that raises is retried ``retries`` times; ``Client.run`` asks every worker a
question (here: :func:`fingerprint`, the versions that change pixels), so a cluster that would
make different frames is refused before any work starts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.metadata
import logging
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lowrank_anim.core.outputs import publish_together, scratch_dir
from lowrank_anim.paths import PROJECT_ROOT
from lowrank_anim.pipeline import pool
from lowrank_anim.pipeline.chunks import ChunkTask, render_segments
from lowrank_anim.pipeline.manim_patches import PlayFrames
from lowrank_anim.pipeline.progress import JobResult, Reporter
from lowrank_anim.pipeline.rendering import SegmentRenderer, Segments
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.pipeline.texstore import CACHE_DIRNAME
from lowrank_anim.pipeline.workers import Job, Outcome, finish, media_duration, run_fresh

#: The environment variable that names a scheduler when the command line names none.
SCHEDULER_ENV = "LOWRANK_SCHEDULER"
#: Distributions whose versions change the pixels or the bytes of a render.
PIXEL_DISTRIBUTIONS = ("manim", "av", "pycairo", "ManimPango", "numpy", "Pillow", "lowrank-anim")
#: How long to wait for a scheduler to answer and for its first worker to join.
CONNECT_SECONDS = 20.0


class FarmError(Exception):
    """A one-line reason the farm cannot do the work (the CLI prints it as ``Error: …``)."""


class TaskError(Exception):
    """A task's command failed on a worker; the message is its last line of stderr."""


@dataclass(frozen=True)
class Task:
    """One unit of work for a worker: ``work`` (a job or a chunk, pickled as it is) under the
    name ``key``."""

    key: str
    work: Job | ChunkTask


def run_task(task: Task) -> Any:
    """Run ``task`` on this machine (on a worker) in a fresh process: a job's files' bytes by
    name under its output folder, or a chunk's segments
    (:class:`~lowrank_anim.pipeline.rendering.Segments`)."""
    with tempfile.TemporaryDirectory(prefix="lowrank-task-") as scratch:
        # The compiled-LaTeX store (OUTPUT_DIR/.cache, safe for concurrent processes) outlives
        # the task, shared by the tasks of every worker on this machine: a fresh store per task
        # would compile every formula of every scene again.
        store = Path(tempfile.gettempdir(), f"lowrank-farm-store-{os.getuid()}")
        store.mkdir(mode=0o700, exist_ok=True)
        os.symlink(store, Path(scratch, CACHE_DIRNAME), target_is_directory=True)
        # The client's folders mean nothing here: the job renders into the scratch folder, and
        # both take their LaTeX from this machine's store.
        work: Job | ChunkTask
        if isinstance(task.work, Job):
            work = dataclasses.replace(task.work, output_dir=Path(scratch))
        else:
            work = dataclasses.replace(task.work, store=Path(scratch))
        message, code = run_fresh(work)
        if message is None:
            raise TaskError(f"{task.key}: its process ended with code {code} before reporting")
        if message[0] != "ok":
            raise TaskError(f"{task.key}: {message[1]}")
        if not isinstance(work, Job):
            return message[1]
        folder = Path(scratch, work.request.scene.name)
        return {
            path.relative_to(scratch).as_posix(): path.read_bytes()
            for path in sorted(folder.rglob("*"))
            if path.is_file()
        }


def _source_digest(root: Path = PROJECT_ROOT) -> str:
    """One digest of the project's code and assets: what a worker renders with."""
    digest = hashlib.sha256()
    for folder in ("lowrank_anim", "scenes", "assets"):
        base = root / folder
        if not base.is_dir():
            continue
        for path in sorted(base.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(path.relative_to(root).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def fingerprint() -> dict[str, str]:
    """The versions that change a render's pixels or bytes, as this process sees them."""
    found: dict[str, str] = {}
    for name in PIXEL_DISTRIBUTIONS:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = "absent"
    try:
        import cairo

        found["cairo library"] = cairo.cairo_version_string()
    except Exception as exc:  # a broken cairo is a difference too, named rather than raised
        found["cairo library"] = f"unloadable ({type(exc).__name__})"
    try:
        import manimpango

        found["pango library"] = str(manimpango.pango_version())
    except Exception as exc:
        found["pango library"] = f"unloadable ({type(exc).__name__})"
    try:
        import av

        found["ffmpeg libraries"] = " ".join(
            f"{lib}={'.'.join(map(str, version))}"
            for lib, version in sorted(av.library_versions.items())
        )
    except Exception as exc:
        found["ffmpeg libraries"] = f"unloadable ({type(exc).__name__})"
    found["project source"] = _source_digest()
    return found


def differences(mine: dict[str, str], theirs: dict[str, str]) -> list[str]:
    """``name A here, B there`` for every version that differs."""
    return [
        f"{name} {mine.get(name, 'absent')} here, {theirs.get(name, 'absent')} there"
        for name in sorted(set(mine) | set(theirs))
        if mine.get(name) != theirs.get(name)
    ]


def scheduler_address(given: str | None) -> str | None:
    """The address the command line gave, else ``$LOWRANK_SCHEDULER``, else None (the
    embedded cluster)."""
    address = given or os.environ.get(SCHEDULER_ENV, "").strip() or None
    if address is not None and "://" not in address:
        raise FarmError(
            f"{address!r} is not a scheduler address: give tcp://HOST:PORT "
            "(what `dask scheduler` prints as 'Scheduler at:')"
        )
    return address


def refused(address: str) -> OSError | None:
    """The error if nothing listens at a ``tcp://HOST:PORT`` address (a refused connection
    is an answer: no need to wait the connect timeout for it), else ``None``."""
    host, _, port = address.partition("://")[2].rpartition(":")
    if not host or not port.isdigit():
        return None  # (another protocol or form: Dask's own connect decides)
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout=1.0).close()
    except (ConnectionRefusedError, socket.gaierror) as exc:
        return exc
    except OSError:
        return None  # (slow or filtered: Dask waits its timeout)
    return None


class Farm:
    """A Dask client and, unless it connects to a scheduler, the local cluster it owns."""

    def __init__(self, client: Any, cluster: Any | None, address: str | None) -> None:
        self.client = client
        self.cluster = cluster
        self.address = address

    @property
    def where(self) -> str:
        return f"the Dask scheduler at {self.address}" if self.address else "the local workers"

    def check_versions(self) -> int:
        """Refuse workers that would render different pixels; return how many agree."""
        mine = fingerprint()
        theirs: dict[str, dict[str, str]] = self.client.run(fingerprint)
        if not theirs:
            where = self.address or "ADDRESS"
            raise FarmError(
                f"{self.where} has no workers: start one with `render.py worker {where}`"
            )
        for worker, versions in sorted(theirs.items()):
            differ = differences(mine, versions)
            if differ:
                raise FarmError(
                    f"worker {worker} would render different frames ({'; '.join(differ)}): "
                    "run every worker from the same image or lock as this machine"
                )
        return len(theirs)

    def run(
        self,
        tasks: Sequence[Task],
        *,
        retries: int = 2,
        on_done: Callable[[Task, Any], None] | None = None,
    ) -> dict[str, Any]:
        """Run every task; return key → what it returned (:func:`run_task`). The first task
        that cannot be done ends the run with a :class:`FarmError`, and the tasks still queued
        are cancelled."""
        from distributed import as_completed
        from distributed.scheduler import KilledWorker

        by_future = {
            self.client.submit(
                run_task, task, key=f"lowrank-{task.key}", retries=retries, pure=False
            ): task
            for task in tasks
        }
        results: dict[str, Any] = {}
        try:
            for future in as_completed(by_future):
                task = by_future[future]
                try:
                    found = future.result()
                except TaskError as exc:
                    raise FarmError(f"{exc} (after {retries + 1} attempts)") from exc
                except KilledWorker as exc:
                    raise FarmError(
                        f"{task.key}: its worker died on every attempt ({exc}); "
                        "see the workers' logs (out of memory?)"
                    ) from exc
                results[task.key] = found
                if on_done is not None:
                    on_done(task, found)
        finally:
            pending = [f for f in by_future if not f.done()]
            if pending:
                self.client.cancel(pending)
        return results


@contextlib.contextmanager
def farm(
    scheduler: str | None = None,
    *,
    workers: int = 2,
    memory_limit: int | str = "auto",
    connect_seconds: float = CONNECT_SECONDS,
) -> Iterator[Farm]:
    """A :class:`Farm` on ``scheduler`` (checked), or on a private ``LocalCluster`` of
    ``workers`` single-threaded processes; everything is closed on the way out."""
    from distributed import Client, LocalCluster

    address = scheduler_address(scheduler)
    with contextlib.ExitStack() as stack:
        stack.enter_context(pool.quiet_dask())
        cluster = None
        if address is None:
            cluster = stack.enter_context(
                LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    memory_limit=memory_limit,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
            )
            client = stack.enter_context(Client(cluster))
        else:
            try:
                failed = refused(address)
                if failed is not None:
                    raise failed
                client = stack.enter_context(Client(address, timeout=connect_seconds))
            except OSError as exc:
                raise FarmError(
                    f"no Dask scheduler answers at {address} ({exc}): start one with "
                    f"`dask scheduler`, or leave the scheduler out (and ${SCHEDULER_ENV} "
                    "unset) to render here"
                ) from None
            try:
                client.wait_for_workers(1, timeout=connect_seconds)
            except TimeoutError:
                raise FarmError(
                    f"the Dask scheduler at {address} has no workers: start one with "
                    f"`render.py worker {address}`"
                ) from None
        farm_ = Farm(client, cluster, address)
        farm_.check_versions()
        yield farm_


# Batch renders on the farm ----------------------------------------------------------------------


def job_task(job: Job) -> Task:
    """The task that renders ``job`` on a worker and brings back its scene folder's files."""
    return Task(key=f"{job.request.scene.name}-{job.key[:12]}", work=job)


def place(files: dict[str, bytes], job: Job) -> Path:
    """Publish a task's files into the job's output directory, as one clip (main file last)."""
    final = job.request.output_path(job.output_dir)
    main = final.relative_to(job.output_dir).as_posix()
    wanted = {
        name: data
        for name, data in files.items()
        if not any(p.startswith(".") for p in name.split("/"))
    }
    if main not in wanted:
        raise FarmError(f"{job.request.scene.name}: the worker sent back no {main}")
    with scratch_dir(final) as scratch:
        produced: dict[Path, Path | None] = {}
        for name in sorted(wanted, key=lambda n: n == main):
            target = job.output_dir / name
            target.parent.mkdir(parents=True, exist_ok=True)
            staged = scratch / name
            staged.parent.mkdir(parents=True, exist_ok=True)
            staged.write_bytes(wanted[name])
            produced[target] = staged
        publish_together(produced)
    return final


def run_jobs(
    todo: Sequence[tuple[int, Job]],
    address: str | None,
    reporter: Reporter,
    *,
    workers: int,
) -> dict[int, JobResult]:
    """Render batch jobs as farm tasks; each result is published and recorded as it arrives."""
    by_key = {job_task(job).key: (index, job) for index, job in todo}
    results: dict[int, JobResult] = {}
    start = time.perf_counter()

    def arrived(task: Task, files: Any) -> None:
        index, job = by_key[task.key]
        path = place(files, job)
        seconds = time.perf_counter() - start
        outcome = Outcome(path, seconds, media_duration(path))
        results[index] = finish(job, outcome, seconds)
        reporter.finished(results[index])

    with farm(address, workers=workers) as running:
        for _, job in todo:
            reporter.started(job.request)
        running.run([job_task(job) for _, job in todo], on_done=arrived)
    return results


# One scene's chunks on the farm ------------------------------------------------------------------


def total_threads(running: Farm) -> int:
    """How many tasks the cluster runs at once (its workers' threads)."""
    threads: dict[str, int] = running.client.nthreads()
    return max(1, sum(threads.values()))


def farm_segments(running: Farm, job: Job, parts: int | None) -> SegmentRenderer:
    """A segment renderer for :func:`lowrank_anim.pipeline.rendering.render` that renders the
    plays as ``parts`` chunks on ``running``'s workers (None: one per worker thread), cut and
    joined as a local chunked render's (:func:`lowrank_anim.pipeline.chunks.render_segments`)."""

    def run(tasks: Sequence[ChunkTask], workers: int) -> list[Segments]:
        keyed = [
            Task(f"chunk-{t.request.scene.name}-{t.first}-{t.last}-{job.key[:12]}", t)
            for t in tasks
        ]
        made = running.run(keyed)
        return [made[task.key] for task in keyed]

    def segments(
        request: RenderRequest,
        played: list[PlayFrames],
        settings: dict[str, Any],
        store: Path,
    ) -> Segments:
        count = parts if parts is not None else total_threads(running)
        return render_segments(
            request, played, settings, store, parts=count, workers=count, run=run
        )

    return segments
