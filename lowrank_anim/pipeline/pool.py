"""The one local worker pool: Dask's ``LocalCluster`` schedules, a fresh process renders.

Renders of a batch and chunks of a scene run here when no ``--scheduler`` is given. Dask decides
what runs when: at most ``workers`` tasks at once, in the order given (longest first), and no more
at once than the memory holds (each task declares the bytes it needs as a Dask *resource*, the
worker offers four fifths of the memory available). The cluster lives in this process (threads;
Dask's HTTP servers listen on 127.0.0.1 only); each of its tasks starts one child of the
forkserver that imported manim (:func:`process_context`), so every
render gets a pristine manim ``config`` without paying for the import, and a crash ends one
child, not the batch.

The promises of an interrupt hold as before: on Ctrl-C, SIGTERM or the first error the caller
does not accept, every child gets SIGTERM (it removes its scratch folders; SIGKILL after 10 s),
no new one starts, and the exception propagates. Reports (progress, results) are handed to the
caller in this thread, never from Dask's.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import multiprocessing.connection
import queue
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")

#: What a task's child may take, and what the pool may take at once, are declared as this
#: Dask resource (bytes).
MEMORY = "MEMORY"
_POLL_SECONDS = 0.1
_STOP_SECONDS = 10.0


class StoppedError(Exception):
    """The pool is stopping: no new child starts."""


@dataclass
class _Pool:
    """What a pool's tasks share with the thread that runs it (looked up by name: Dask pickles
    a task's arguments even for a cluster in this process)."""

    started: queue.SimpleQueue[int] = field(default_factory=queue.SimpleQueue)  # task indices
    # Two threads can start their tasks at one moment and announce them in either order; the
    # caller hears of starts in the tasks' order (the order Dask starts them, by priority).
    heard: set[int] = field(default_factory=set)
    next_start: int = 0
    children: set[multiprocessing.process.BaseProcess] = field(default_factory=set)
    stopping: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def stop(self) -> None:
        """No new child; SIGTERM to the running ones, SIGKILL to those still there in 10 s."""
        with self.lock:
            self.stopping = True
            running = list(self.children)
        for child in running:
            child.terminate()
        for child in running:
            child.join(timeout=_STOP_SECONDS)
            if child.is_alive():
                child.kill()
                child.join()


_POOLS: dict[str, _Pool] = {}
_NAMES = itertools.count()


@functools.cache
def process_context() -> multiprocessing.context.BaseContext:
    """Where render processes come from: a forkserver that imported manim (else spawn)."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # The server imports manim once; every job forks from it with a pristine config.
        context.set_forkserver_preload(["manim", "lowrank_anim.pipeline.workers"])
        return context
    return multiprocessing.get_context("spawn")


@dataclass(frozen=True)
class Child:
    """A task's handle on its pool: start processes the pool can stop, announce the start."""

    pool: str
    index: int

    def started(self) -> None:
        _POOLS[self.pool].started.put(self.index)

    def start(self, process: multiprocessing.process.BaseProcess) -> None:
        """Start ``process`` unless the pool is stopping (then :class:`StoppedError`)."""
        pool = _POOLS[self.pool]
        with pool.lock:
            if pool.stopping:
                raise StoppedError
            process.start()
            pool.children.add(process)

    def wait(self, process: multiprocessing.process.BaseProcess) -> bool:
        """Wait for ``process`` to end and forget it; False if the pool stopped it."""
        multiprocessing.connection.wait([process.sentinel])
        process.join()
        pool = _POOLS[self.pool]
        with pool.lock:
            pool.children.discard(process)
            return not pool.stopping

    def run_process(
        self, target: Callable[..., None], args: tuple[Any, ...], name: str
    ) -> tuple[Any, int | None]:
        """Run ``target(*args, connection)`` in a fresh process (of the forkserver that imported
        manim) and return what it sent through ``connection`` (None if nothing) and its exit
        code. The message is read before the process is waited for: a chunk's segments can be
        larger than the pipe's buffer, and its process cannot end before they are read.
        :class:`StoppedError` if the pool stopped it, or stops before it starts."""
        context: Any = process_context()
        reader, writer = context.Pipe(duplex=False)
        try:
            process = context.Process(target=target, args=(*args, writer), name=name)
            try:
                self.start(process)
            finally:
                writer.close()
            self.started()
            message: Any = None
            with contextlib.suppress(EOFError, OSError):
                message = reader.recv()
            if not self.wait(process):
                raise StoppedError
            return message, process.exitcode
        finally:
            reader.close()


@dataclass(frozen=True)
class Task(Generic[Item]):
    """One piece of work: ``item`` and the memory its process needs."""

    item: Item
    memory: int = 0


@contextlib.contextmanager
def quiet_dask() -> Iterator[None]:
    """Keep Dask's INFO chatter (scheduler start, workers, closing comms) out of a render's output.

    ``silence_logs`` only lowers Dask's own stream handlers; its records still propagate to the
    root logger, where ``import manim`` puts its rich handler, so without this a chunked render
    printed some 60 lines of Dask's life story, a logged traceback among them.
    """
    dask_logger = logging.getLogger("distributed")
    level = dask_logger.level
    dask_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        dask_logger.setLevel(level)


@contextlib.contextmanager
def _cluster(workers: int, memory: int) -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with (
        quiet_dask(),
        # Dask's worker keeps a scratch folder: ours, and gone with the pool.
        tempfile.TemporaryDirectory(prefix="lowrank-pool-") as scratch,
        LocalCluster(
            local_directory=scratch,
            n_workers=1,
            threads_per_worker=workers,
            processes=False,
            resources={MEMORY: memory},
            memory_limit=0,  # the children's memory is budgeted as a resource, not watched
            # The scheduler and the worker always start an HTTP server (health, metrics); left
            # to Dask, they listen on every interface, the scheduler on port 8787. A render opens
            # nothing to the network: loopback only, on ports the system picks.
            scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
            worker_dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run(
    tasks: Sequence[Task[Item]],
    work: Callable[[Child, Item], Result],
    *,
    workers: int,
    memory: int,
    on_start: Callable[[int], None] = lambda index: None,
    on_result: Callable[[int, Result], None],
) -> None:
    """Run ``work(child, item)`` for every task on a private ``LocalCluster``: at most
    ``workers`` at once, in order, and only while their memory fits in ``memory`` bytes.

    ``work`` runs in a Dask thread and must be importable by name (Dask pickles it); it starts
    its process with ``child.start`` and calls ``child.started()`` when it begins. ``on_start``
    and ``on_result`` run in this thread, in completion order; an exception from ``on_result``
    (or from ``work``) stops the rest and propagates.
    """
    if not tasks:
        return
    name = f"pool-{next(_NAMES)}"
    pool = _POOLS[name] = _Pool()
    try:
        if len(tasks) == 1 or workers <= 1:
            # One at a time needs no scheduler: the same work, in this thread, in order.
            try:
                for index, task in enumerate(tasks):
                    result = work(Child(name, index), task.item)
                    _drain(pool, on_start, wait=False)
                    on_result(index, result)
            finally:
                pool.stop()
            return
        with _cluster(workers, memory) as client:
            futures = {
                client.submit(
                    _unless_stopped,
                    work,
                    Child(name, index),
                    task.item,
                    key=f"lowrank-{name}-{index}",
                    # Dask runs the highest priority first: keep the caller's order.
                    priority=len(tasks) - index,
                    resources={MEMORY: min(max(task.memory, 0), memory)},
                    pure=False,
                ): index
                for index, task in enumerate(tasks)
            }
            try:
                while futures:
                    # A finished task announced its start before it finished: drain after
                    # looking, so that its start is always reported before its result.
                    done = [future for future in futures if future.done()]
                    _drain(pool, on_start, wait=not done)
                    for future in done:
                        index = futures.pop(future)
                        on_result(index, future.result())
            finally:
                pool.stop()
                client.cancel(list(futures))
    finally:
        _POOLS.pop(name, None)


def _unless_stopped(work: Callable[[Child, Item], Result], child: Child, item: Item) -> Any:
    """``work(child, item)``, or None once the pool stops it: nobody waits for its result
    then, and a task that raised would have Dask log it ("Compute Failed", a traceback) on
    the way out of an interrupted render."""
    try:
        return work(child, item)
    except StoppedError:
        return None


def _drain(pool: _Pool, on_start: Callable[[int], None], *, wait: bool = True) -> None:
    """Hand the tasks' starts to ``on_start`` in the tasks' order; wait a little for one if
    ``wait``."""
    with contextlib.suppress(queue.Empty):
        pool.heard.add(
            pool.started.get(timeout=_POLL_SECONDS) if wait else pool.started.get_nowait()
        )
        while True:
            pool.heard.add(pool.started.get_nowait())
    while pool.next_start in pool.heard:
        pool.heard.discard(pool.next_start)
        on_start(pool.next_start)
        pool.next_start += 1
