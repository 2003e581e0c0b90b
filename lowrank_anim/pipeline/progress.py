"""What a batch shows people: one progress line or bar (job k of N, elapsed, ETA), then a
summary table and the one-line error of a batch with failures.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol, TextIO

from lowrank_anim.core.outputs import human_size
from lowrank_anim.pipeline.request import RenderRequest

Status = Literal["rendered", "cached", "failed"]


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
