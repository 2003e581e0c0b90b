"""The one way a benchmark measures, repeats, judges the machine and writes its figures.

Every script in ``bench/`` uses it, so every figure in BENCHMARKS.md is taken alike:

* **a command's cost** (:func:`measure`): wall seconds, and user + system CPU seconds of the
  command *and every process it started* — the command runs under a small wrapper that adopts
  orphaned descendants (``PR_SET_CHILD_SUBREAPER``: render.py's forkserver outlives render.py),
  reaps them all and reports ``RUSAGE_CHILDREN``; the peak memory of the largest process
  (``ru_maxrss``) and of the whole process tree (sampled from /proc); the 1-minute load
  average before and after it;
* **sides interleaved** (:func:`interleave`): at least :data:`MIN_ROUNDS` rounds, each side
  once per round, the order rotated each round so that no side always goes first; figures are
  medians (:class:`Series`);
* **the machine's conditions** (:class:`Session`, :class:`Conditions`): the load average before
  the first measurement and after the last, and how many cores *other* work kept busy meanwhile
  (the machine's busy CPU time from /proc/stat minus this benchmark's own);
* **the busy rule** (:data:`BUSY_LOAD_PER_CORE`): the machine was busy if, per core, the load
  average before the benchmark started, or the other work's CPU during it, was above 0.5 — a
  load of 1 on 2 cores, 2 on 4. The load average *after* is recorded but is not the rule: it
  counts the benchmark's own processes (a ``-j 2`` render on 2 cores makes it 2 by itself);
* **one writer** (:func:`publish`): prints the section and rewrites only its own block of
  BENCHMARKS.md (between its markers); on a busy machine it refuses (exit 3, one line naming
  the fix) unless ``--busy-ok``, and then the section's heading says it was taken under load.

Run a benchmark from the checkout's root as a module: ``python -m bench.batch --help``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import platform
import resource
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from lowrank_anim.docblocks import write_block
from lowrank_anim.paths import PROJECT_ROOT

#: The rule: busy when load (or other work's CPU) per core is above this (1 on 2 cores).
BUSY_LOAD_PER_CORE = 0.5
#: A figure is a median of at least this many rounds.
MIN_ROUNDS = 3
#: Where the figures go.
BENCHMARKS = PROJECT_ROOT / "BENCHMARKS.md"
#: Exit status of a benchmark that measured but would not write (the machine was busy).
BUSY_EXIT = 3

PYTHON = sys.executable
RENDER = [PYTHON, str(PROJECT_ROOT / "render.py")]
MANIM = str(Path(PYTHON).with_name("manim"))

T = TypeVar("T")

# The wrapper every measured command runs under: it adopts orphans, waits for every
# descendant, and writes user, system CPU seconds and the largest RSS (kB) of all of them.
_WRAPPER = r"""
import ctypes, os, resource, subprocess, sys
try:
    ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
except (OSError, AttributeError):
    pass
report, command = sys.argv[1], sys.argv[2:]
try:
    code = subprocess.Popen(command).wait()
except OSError as error:
    print(f"cannot run {command[0]}: {error}", file=sys.stderr)
    code = 127
while True:
    try:
        os.wait()
    except ChildProcessError:
        break
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(report, "w") as f:
    f.write(f"{usage.ru_utime} {usage.ru_stime} {usage.ru_maxrss}")
sys.exit(code)
"""


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def cores() -> int:
    """The machine's cores: the load average and /proc/stat count all of them."""
    return os.cpu_count() or 1


def load1() -> float:
    """The 1-minute load average."""
    return os.getloadavg()[0]


def machine_busy_seconds() -> float | None:
    """CPU seconds the whole machine has spent busy since boot (all cores; /proc/stat's user,
    nice, system, irq, softirq and steal), or None where there is no /proc/stat."""
    try:
        with open("/proc/stat", encoding="ascii") as f:
            fields = f.readline().split()
    except OSError:
        return None
    if not fields or fields[0] != "cpu":
        return None
    ticks = [int(x) for x in fields[1:9]] + [0] * 8
    user, nice, system, _idle, _iowait, irq, softirq, steal = ticks[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    """User + system CPU seconds of this process and every child it has reaped."""
    total = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        usage = resource.getrusage(who)
        total += usage.ru_utime + usage.ru_stime
    return total


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a running process and its reaped children (/proc), for a
    long-lived process measured from outside (a ``preview --watch`` rebuild); 0 where unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # After the name: state, ppid, ... utime is field 14 of stat, i.e. index 11 here.
    utime, stime, cutime, cstime = (int(x) for x in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """:func:`process_cpu_seconds` summed over ``pid`` and its living descendants: a long-lived
    process tree measured from outside (a Dask worker and its renders)."""
    children, total, todo = _children_map(), 0.0, [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        total += process_cpu_seconds(current)
    return total


# One command ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One measured command (or call)."""

    wall: float
    #: User + system CPU seconds of the command and all its descendants.
    cpu: float
    #: The 1-minute load average when it started and when it ended.
    load_before: float
    load_after: float
    #: Peak resident memory of the largest single process, and of the whole tree, in kB.
    peak_process_kb: int = 0
    peak_tree_kb: int = 0
    #: Its standard output, when asked for (``capture=True``).
    output: str = ""


class CommandFailedError(RuntimeError):
    """A measured command failed: a benchmark of a failure is no figure."""


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="utf-8") as f:
                stat = f.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses: fields start after the last ")".
        ppid = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def _tree_rss_kb(root: int) -> int:
    children, total, todo = _children_map(), 0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/status", encoding="utf-8") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Kill a measured command's whole process group and wait for its wrapper."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def measure(
    cmd: Sequence[str],
    *,
    cwd: Path = PROJECT_ROOT,
    env: Mapping[str, str] | None = None,
    timeout: float = 3600,
    capture: bool = False,
    sample_memory: bool = True,
) -> Run:
    """Run ``cmd`` to completion and measure it; raise :class:`CommandFailedError` if it fails."""
    with tempfile.TemporaryDirectory(prefix="bench-run-") as tmp:
        report = Path(tmp) / "usage"
        err = Path(tmp) / "stderr"
        peak = [0]
        done = threading.Event()
        load_before = load1()
        start = time.perf_counter()
        with err.open("wb") as stderr:
            proc = subprocess.Popen(
                [PYTHON, "-c", _WRAPPER, str(report), *cmd],
                cwd=cwd,
                env=None if env is None else {**os.environ, **env},
                stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
            )

            def sample() -> None:
                while not done.is_set():
                    peak[0] = max(peak[0], _tree_rss_kb(proc.pid))
                    done.wait(0.1)

            sampler = threading.Thread(target=sample, daemon=True)
            if sample_memory and os.path.isdir("/proc"):
                sampler.start()
            try:
                out, _ = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                _stop(proc)
                raise CommandFailedError(f"{' '.join(cmd)} took over {timeout:.0f} s") from None
            except BaseException:  # Ctrl-C: the command is in its own session, stop it too
                _stop(proc)
                raise
            finally:
                wall = time.perf_counter() - start
                done.set()
                if sampler.is_alive():
                    sampler.join()
        load_after = load1()
        if proc.returncode != 0:
            tail = "\n".join(err.read_text(errors="replace").strip().splitlines()[-15:])
            raise CommandFailedError(f"{' '.join(cmd)} failed with code {proc.returncode}:\n{tail}")
        user, system, maxrss = report.read_text().split()
    return Run(
        wall=wall,
        cpu=float(user) + float(system),
        load_before=load_before,
        load_after=load_after,
        peak_process_kb=int(maxrss),
        peak_tree_kb=max(peak[0], int(maxrss)),
        output=out.decode(errors="replace") if capture and out else "",
    )


# Repeated runs ----------------------------------------------------------------------------------


@dataclass
class Series:
    """Repeated runs of one side; its figures are medians."""

    runs: list[Run] = field(default_factory=list)

    def add(self, run: Run) -> Run:
        self.runs.append(run)
        return run

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(r.cpu for r in self.runs)

    @property
    def peak_process_mb(self) -> float:
        return max(r.peak_process_kb for r in self.runs) / 1024

    @property
    def peak_tree_mb(self) -> float:
        return max(r.peak_tree_kb for r in self.runs) / 1024

    @property
    def max_load(self) -> float:
        return max(max(r.load_before, r.load_after) for r in self.runs)

    def every_run(self) -> str:
        """Each run's wall (CPU) seconds and load before→after, for the record."""
        return "; ".join(
            f"{r.wall:.2f} s (CPU {r.cpu:.2f}, load {r.load_before:.1f}→{r.load_after:.1f})"
            for r in self.runs
        )


def summed(series: Iterable[Series]) -> Series:
    """Several things run one after another in each round, as one series: round i's run is the
    sum of their round-i runs (wall and CPU added, peaks the largest, loads the extremes)."""
    total = Series()
    for runs in zip(*(s.runs for s in series), strict=True):
        total.add(
            Run(
                wall=sum(r.wall for r in runs),
                cpu=sum(r.cpu for r in runs),
                load_before=runs[0].load_before,
                load_after=runs[-1].load_after,
                peak_process_kb=max(r.peak_process_kb for r in runs),
                peak_tree_kb=max(r.peak_tree_kb for r in runs),
            )
        )
    return total


def rotated(items: Sequence[T], by: int) -> list[T]:
    """``items`` rotated left by ``by``: round r of an interleaved benchmark starts at side r."""
    if not items:
        return []
    by %= len(items)
    return [*items[by:], *items[:by]]


def interleave(
    sides: Mapping[str, Callable[[], Run]], rounds: int, *, rotate: bool = True, what: str = ""
) -> dict[str, Series]:
    """Run every side once per round, for ``rounds`` rounds (at least :data:`MIN_ROUNDS`), the
    order rotated each round (unless ``rotate`` is false: a side that needs the one before it);
    returns each side's series."""
    if rounds < MIN_ROUNDS:
        raise ValueError(f"at least {MIN_ROUNDS} rounds, not {rounds}: a median needs them")
    series = {name: Series() for name in sides}
    names = list(sides)
    for round_ in range(rounds):
        for name in rotated(names, round_) if rotate else names:
            log(f"{what + ': ' if what else ''}round {round_ + 1}/{rounds}: {name}")
            series[name].add(sides[name]())
    return series


# The machine -----------------------------------------------------------------------------------


def _commit() -> str:
    done = subprocess.run(
        ["git", "describe", "--always", "--dirty"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout.strip() or "unknown"


def _machine() -> str:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        from importlib.metadata import version

        manim = f", manim {version('manim')}"
    except Exception:  # manim not installed: the figure still says what it can
        manim = ""
    return (
        f"{cores()} cores ({model or platform.machine()}), {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}{manim}"
    )


@dataclass(frozen=True)
class Conditions:
    """What the machine was doing while a benchmark ran, and whether that makes it busy."""

    cores: int
    #: The load averages (1, 5, 15 min) before the first measurement and after the last.
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    #: Cores other work kept busy on average meanwhile (None: not measurable here).
    others: float | None
    #: The benchmark's own CPU seconds (all its processes) and its wall seconds.
    own_cpu: float
    wall: float
    when: str = ""
    commit: str = ""
    machine: str = ""
    limit: float = BUSY_LOAD_PER_CORE

    @property
    def load_per_core(self) -> float:
        """What the busy rule compares with :attr:`limit`: the larger of the load average
        before the start and the other work's CPU during the run, per core."""
        others = self.others or 0.0
        return max(self.load_before[0], others) / self.cores

    @property
    def busy(self) -> bool:
        return self.load_per_core > self.limit

    def rule(self) -> str:
        limit = self.limit * self.cores
        return (
            f"busy means load above {limit:g} on {self.cores} cores "
            f"({self.limit:g} per core) before the start or from other work during the run"
        )

    def lines(self) -> list[str]:
        """The conditions, as Markdown list items."""
        others = (
            "not measurable here (no /proc/stat)"
            if self.others is None
            else f"{self.others:.2f} cores busy with other work on average during the run"
        )
        verdict = "BUSY" if self.busy else "idle enough"
        return [
            f"{self.when}, commit {self.commit}; {self.machine}",
            f"load average before: {self.load_before[0]:.2f} (1 min), "
            f"{self.load_before[1]:.2f} (5 min); after: {self.load_after[0]:.2f} (1 min), "
            f"{self.load_after[1]:.2f} (5 min) — the load after counts this benchmark's own "
            "processes",
            f"{others}; this benchmark: {self.own_cpu:.0f} CPU s in {self.wall:.0f} s wall",
            f"verdict: {verdict} ({self.load_per_core:.2f} per core; {self.rule()})",
        ]


def _become_subreaper() -> None:
    """Adopt this process's orphaned descendants (Linux), so that their CPU time is counted
    when they are reaped."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass


def _reap_exited() -> None:
    """Reap every child of this process that has exited (adopted orphans included)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


class Session:
    """One benchmark's run: measures commands and calls, and the conditions around them.

    Create it before anything is measured (warm-ups included): its "load before" must be the
    machine's, not the benchmark's own.
    """

    def __init__(
        self, args: argparse.Namespace | None = None, *, limit: float = BUSY_LOAD_PER_CORE
    ) -> None:
        self.limit = limit
        self.when = f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}"
        self.load_before = os.getloadavg()
        if (
            args is not None
            and not getattr(args, "no_write", True)
            and not args.busy_ok
            and self.load_before[0] / cores() > limit
        ):
            # It would be refused at the end: say so now, not after hours of measuring.
            print(
                f"[bench] not started: the machine is busy (load {self.load_before[0]:.2f} on "
                f"{cores()} cores, above {limit * cores():g}); wait until it is idle, or pass "
                "--busy-ok (the section is marked as taken under load) or --no-write",
                file=sys.stderr,
            )
            raise SystemExit(BUSY_EXIT)
        self._busy = machine_busy_seconds()
        self._own = own_cpu_seconds()
        self._start = time.perf_counter()

    def measure(self, cmd: Sequence[str], **options: object) -> Run:
        """:func:`measure`, within this session."""
        return measure(cmd, **options)  # type: ignore[arg-type]

    def call(self, func: Callable[..., T], *args: object, **kwargs: object) -> tuple[T, Run]:
        """Call ``func`` in this process and measure it: wall, CPU of this process and of the
        processes it started meanwhile (this process adopts their orphans and reaps them once
        they have exited; one still running when ``func`` returns is counted when it ends)."""
        _become_subreaper()
        load_before, cpu = load1(), own_cpu_seconds()
        start = time.perf_counter()
        result = func(*args, **kwargs)
        wall = time.perf_counter() - start
        _reap_exited()
        run = Run(wall, own_cpu_seconds() - cpu, load_before, load1())
        return result, run

    def finish(self) -> Conditions:
        """The conditions from the session's start to now."""
        wall = time.perf_counter() - self._start
        own = own_cpu_seconds() - self._own
        busy_now = machine_busy_seconds()
        others = None
        if self._busy is not None and busy_now is not None and wall > 0:
            others = max(0.0, (busy_now - self._busy) - own) / wall
        return Conditions(
            cores=cores(),
            load_before=self.load_before,
            load_after=os.getloadavg(),
            others=others,
            own_cpu=own,
            wall=wall,
            when=self.when,
            commit=_commit(),
            machine=_machine(),
            limit=self.limit,
        )


def conditions() -> list[str]:
    """The machine and its load now, as lines (for scripts that time in-process)."""
    load = os.getloadavg()
    return [
        f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z}, commit {_commit()}",
        _machine(),
        f"load average now: {load[0]:.2f} (1 min), {load[1]:.2f} (5 min)",
    ]


# The figures ------------------------------------------------------------------------------------


class BusyMachineError(Exception):
    """The machine was busy: the section is not written (see :func:`write_section`)."""


def heading(title: str, found: Conditions, command: str) -> str:
    """The section's heading; on a busy machine it says so, and how to re-take it."""
    if not found.busy:
        return f"## {title}"
    load = found.load_per_core * found.cores
    return (
        f"## {title} — taken under load {load:.1f} on {found.cores} cores: not a result; "
        f"re-take with `{command}` on an idle machine"
    )


def render_section(title: str, command: str, found: Conditions, body: Sequence[str]) -> str:
    """A whole section: heading, how it was taken, the conditions, then ``body``'s lines."""
    return (
        "\n".join(
            [
                heading(title, found, command),
                "",
                f"Generated by `{command}`; conditions:",
                "",
                *(f"- {line}" for line in found.lines()),
                "",
                *body,
            ]
        ).rstrip("\n")
        + "\n"
    )


def markers(script: str, part: str = "") -> tuple[str, str]:
    """The BEGIN and END markers of ``script``'s section (``script`` like ``bench/batch.py``;
    ``part`` names one of several sections a script writes)."""
    name = f"{script}: {part}" if part else script
    return (
        f"<!-- BEGIN {name}: generated by `python -m {module_name(script)}`, "
        "do not edit by hand -->",
        f"<!-- END {name} -->",
    )


def module_name(script: str) -> str:
    """``bench/batch.py`` → ``bench.batch``."""
    return script.removesuffix(".py").replace("/", ".")


def write_section(
    path: Path,
    section: str,
    begin: str,
    end: str,
    *,
    found: Conditions | None = None,
    busy_ok: bool = False,
) -> None:
    """Replace one tool's section of ``path`` (between its markers), keeping the rest: other
    sections belong to other tools. With ``found`` (timed figures), refuse on a busy machine
    unless ``busy_ok``: raise :class:`BusyMachineError` and leave the file as it was."""
    if found is not None and found.busy and not busy_ok:
        raise BusyMachineError(
            f"{path.name} not written: the machine was busy ({found.load_per_core:.2f} load per "
            f"core, above {found.limit:g}: {found.rule()}); re-run on an idle machine, or pass "
            "--busy-ok to write the section marked as taken under load"
        )
    write_block(path, begin, end, section.rstrip("\n") + "\n", append=True, title="# Benchmarks\n")


# The command line ------------------------------------------------------------------------------


def rounds_type(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of rounds") from None
    if value < MIN_ROUNDS:
        raise argparse.ArgumentTypeError(
            f"at least {MIN_ROUNDS} rounds (a median of fewer is no figure): use --rounds "
            f"{MIN_ROUNDS} or more"
        )
    return value


def add_arguments(parser: argparse.ArgumentParser, *, writes: bool = True) -> None:
    """The options every benchmark takes: rounds, the busy rule, where to write."""
    parser.add_argument(
        "--rounds",
        "--runs",
        dest="rounds",
        type=rounds_type,
        default=MIN_ROUNDS,
        help=f"rounds of every side, interleaved; figures are medians (at least {MIN_ROUNDS})",
    )
    parser.add_argument(
        "--busy-ok",
        action="store_true",
        help=f"write even if the machine was busy (load per core above {BUSY_LOAD_PER_CORE:g}); "
        "the section's heading then says it was taken under load",
    )
    if writes:
        parser.add_argument(
            "--output", type=Path, default=BENCHMARKS, help="the file to write the section into"
        )
        parser.add_argument("--no-write", action="store_true", help="print only")


def publish(
    args: argparse.Namespace, script: str, section: str, found: Conditions, part: str = ""
) -> None:
    """Print ``section``, then write it into ``args.output`` unless ``--no-write``; on a busy
    machine without ``--busy-ok`` print why it is not written and exit with :data:`BUSY_EXIT`."""
    print(section)
    if getattr(args, "no_write", False):
        return
    begin, end = markers(script, part)
    try:
        write_section(args.output, section, begin, end, found=found, busy_ok=args.busy_ok)
    except BusyMachineError as error:
        print(f"[bench] {error}", file=sys.stderr)
        raise SystemExit(BUSY_EXIT) from None
    log(f"wrote its section of {args.output}")
