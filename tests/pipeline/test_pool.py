"""The local Dask pool: order, memory admission, and stopping everything on the first error."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from lowrank_anim.pipeline import pool
from lowrank_anim.pipeline.pool import process_context
from tests.snapshots import BOOKKEEPING, leftovers, snapshot

ROOT = Path(__file__).resolve().parents[2]


def sleeper(child: pool.Child, seconds: float) -> tuple[float, float]:
    """A task that only sleeps, in this thread: when it ran."""
    child.started()
    start = time.monotonic()
    time.sleep(seconds)
    return start, time.monotonic()


def overlapped(spans: list[tuple[float, float]]) -> bool:
    first, second = sorted(spans)
    return second[0] < first[1]


def run_sleepers(memory_each: int, memory: int) -> list[tuple[float, float]]:
    spans: dict[int, tuple[float, float]] = {}
    pool.run(
        [pool.Task(1.0, memory_each), pool.Task(1.0, memory_each)],
        sleeper,
        workers=2,
        memory=memory,
        on_result=spans.__setitem__,
    )
    return [spans[0], spans[1]]


def test_two_tasks_run_at_once_when_the_memory_holds_both() -> None:
    assert overlapped(run_sleepers(memory_each=2 * 2**30, memory=5 * 2**30))


def test_a_task_waits_while_the_memory_is_taken() -> None:
    """Eight 4K renders on a 16 GB laptop must not all start: Dask admits by memory too."""
    assert not overlapped(run_sleepers(memory_each=3 * 2**30, memory=5 * 2**30))


def test_a_task_larger_than_all_the_memory_still_runs_alone() -> None:
    """A lone render is never refused: its need is capped at what the pool has."""
    spans = run_sleepers(memory_each=64 * 2**30, memory=2**30)
    assert not overlapped(spans)


def test_tasks_start_in_the_order_given() -> None:
    started: list[int] = []
    pool.run(
        [pool.Task(0.2) for _ in range(5)],
        sleeper,
        workers=2,
        memory=2**30,
        on_start=started.append,
        on_result=lambda index, span: None,
    )
    assert started[:2] == [0, 1] or started[:2] == [1, 0]
    assert sorted(started) == [0, 1, 2, 3, 4]
    assert started[2:] == [2, 3, 4]


def sleeping_child(child: pool.Child, seconds: float) -> int:
    """A task whose work is a real process that sleeps: its pid once it ended."""
    context: Any = process_context()
    process = context.Process(target=time.sleep, args=(seconds,))
    child.start(process)
    child.started()
    child.wait(process)
    return int(process.pid)


def test_an_error_from_a_result_stops_the_running_processes_and_starts_no_more() -> None:
    pids: list[int] = []

    def on_result(index: int, pid: int) -> None:
        pids.append(pid)
        raise RuntimeError("the caller refuses this result")

    start = time.monotonic()
    with pytest.raises(RuntimeError, match="refuses"):
        pool.run(
            [pool.Task(0.5), pool.Task(60.0), pool.Task(60.0)],
            sleeping_child,
            workers=2,
            memory=2**30,
            on_result=on_result,
        )
    assert time.monotonic() - start < 30, "the 60 s process was stopped, the third never ran"
    assert len(pids) == 1


@pytest.mark.render
def test_a_signal_mid_parallel_batch_stops_every_render_and_leaves_nothing(tmp_path: Path) -> None:
    """SIGTERM to `render -j 2` while two renders run on the pool: exit 143, one line, every
    render process gone, no scratch folder, no temporary log, the output dir as before."""
    out = tmp_path / "out"
    out.mkdir()
    before = snapshot(out, skip=BOOKKEEPING)
    command = [sys.executable, str(ROOT / "render.py"), "render", "RankOneUpdate", "InputSweep"]
    proc = subprocess.Popen(
        [*command, "-q", "low", "-j", "2", "--chunks", "1", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 300
        pattern = ".render-*/**/partial_movie_files/**/*.mp4"
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()[1]
            started = {p.relative_to(out).parts[0] for p in out.rglob(pattern)}
            if len(started) >= 2:
                break
            time.sleep(0.1)
        children = _descendants(proc.pid)
        assert children, "the renders run in processes of their own"
        proc.send_signal(signal.SIGTERM)
        _stdout, stderr = proc.communicate(timeout=120)
    finally:
        proc.kill()
    assert proc.returncode == 143, stderr
    lines = stderr.strip().splitlines()
    assert lines[-1].startswith("Error: terminated"), stderr
    assert "Traceback" not in stderr
    # The renders end before the batch does; the forkserver and multiprocessing's resource
    # tracker end when they read that their parent has gone, a moment later.
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    alive = {pid: _command(pid) for pid in children if _alive(pid)}
    assert alive == {}, "every process of the batch ended with it"
    assert leftovers(out) == []
    assert snapshot(out, skip=BOOKKEEPING) == before


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path("/proc").glob("[0-9]*"):
        try:
            stat = (task / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(task.name))
    return found + [d for child in found for d in _descendants(child)]


def _command(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def listening(child: pool.Child, _: None) -> list[str]:
    """A task that lists the addresses this process listens on while the pool runs."""
    import psutil

    child.started()
    sockets = psutil.Process().net_connections(kind="inet")
    return sorted({s.laddr.ip for s in sockets if s.status == psutil.CONN_LISTEN})


def test_the_pool_listens_on_loopback_only() -> None:
    """Dask's scheduler and worker start HTTP servers whatever we ask; left alone they listen on
    every interface (the scheduler on 8787). A render must open nothing to the network."""
    found: dict[int, list[str]] = {}
    pool.run(
        [pool.Task(None), pool.Task(None)],
        listening,
        workers=2,
        memory=2**30,
        on_result=found.__setitem__,
    )
    assert found[0], "the pool's servers were not seen"
    assert set(found[0]) <= {"127.0.0.1", "::1"}, found[0]
