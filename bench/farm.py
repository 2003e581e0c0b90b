"""What rendering through Dask costs: the same renders through the local process pool
(``render -j N``) and through a loopback Dask cluster (``dask scheduler`` + N ``render.py worker``
processes on 127.0.0.1, ``render --scheduler``), side by side in one run, ``--rounds`` rounds
(at least 3) interleaved so the shared machine's noise falls on both (bench/harness.py).

    python -m bench.farm [--scenes TitleCard LinearMap] [-q low] [-j 2] [--rounds 3] [--busy-ok]

Every render is forced (``--force``) into a fresh output directory. The cluster's CPU counts:
for the Dask side, the CPU seconds are the command's plus what the scheduler and the workers
(and the processes they run) spent meanwhile. Prints a table of medians and the ratio, and
rewrites its section of BENCHMARKS.md unless ``--no-write`` or the machine was busy.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bench import harness
from bench.harness import PYTHON, RENDER, Run, Session, log
from lowrank_anim.paths import PROJECT_ROOT

SCRIPT = "bench/farm.py"
DASK = str(Path(PYTHON).with_name("dask"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """A ``dask scheduler`` and ``render.py worker`` processes, each in its own session."""

    def __init__(self, logs: Path) -> None:
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []
        port = self.address.rsplit(":", 1)[1]
        self.start("scheduler", [DASK, "scheduler", "--host", "127.0.0.1", "--no-dashboard",
                                 "--port", port])  # fmt: skip

    def start(self, name: str, argv: list[str]) -> None:
        with (self.logs / f"{name}.log").open("wb") as out:
            self.procs.append(
                subprocess.Popen(
                    argv,
                    cwd=PROJECT_ROOT,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )

    def workers(self, count: int) -> None:
        for i in range(count):
            self.start(f"w{i}", [*RENDER, "worker", self.address, "--name", f"w{i}",
                                 "--no-dashboard"])  # fmt: skip
        from distributed import Client

        # Connecting waits for the scheduler.
        with Client(self.address, timeout=60) as client:  # type: ignore[no-untyped-call]
            client.wait_for_workers(count, timeout=120)

    def cpu(self) -> float:
        """CPU seconds the scheduler, the workers and their processes have spent so far."""
        return sum(harness.tree_cpu_seconds(proc.pid) for proc in self.procs)

    def close(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=60)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", nargs="+", default=["--all"], help="scenes (default --all)")
    parser.add_argument("-q", "--quality", default="low")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="processes / workers")
    harness.add_arguments(parser)
    args = parser.parse_args(argv)
    session = Session(args)
    tmp = Path(tempfile.mkdtemp(prefix="bench-farm-"))
    cluster = Cluster(tmp)
    common = [*args.scenes, "-q", args.quality, "-j", str(args.jobs), "--force"]
    outs = iter(range(2 * args.rounds))
    try:
        log(f"starting a loopback cluster: a scheduler and {args.jobs} workers")
        cluster.workers(args.jobs)

        def local() -> Run:
            out = tmp / f"out-{next(outs)}"
            return session.measure([*RENDER, "render", *common, "-o", str(out)])

        def dask() -> Run:
            out = tmp / f"out-{next(outs)}"
            before = cluster.cpu()
            run = session.measure(
                [*RENDER, "render", *common, "-o", str(out), "--scheduler", cluster.address]
            )
            return replace(run, cpu=run.cpu + cluster.cpu() - before)

        series = harness.interleave(
            {"local processes (-j)": local, "loopback Dask cluster": dask},
            args.rounds,
            what="farm",
        )
    finally:
        cluster.close()
        shutil.rmtree(tmp, ignore_errors=True)
    found = session.finish()
    base = series["local processes (-j)"].wall
    scenes = " ".join(args.scenes)
    body = [
        f"- `render {scenes} -q {args.quality} -j {args.jobs} --force`, {args.rounds} rounds, "
        "interleaved; medians; the Dask side's CPU includes the scheduler's and the workers'",
        "",
        "| pool | wall s | CPU s | vs local |",
        "| --- | --- | --- | --- |",
        *(
            f"| {label} | {s.wall:.1f} | {s.cpu:.1f} | {s.wall / base:.2f}× |"
            for label, s in series.items()
        ),
        "",
        "<details><summary>Every run</summary>",
        "",
        *(f"- {label}: {s.every_run()}" for label, s in series.items()),
        "",
        "</details>",
    ]
    command = "python -m bench.farm" + ("" if args.scenes == ["--all"] else f" --scenes {scenes}")
    section = harness.render_section(
        "Rendering through Dask (`bench/farm.py`)", command, found, body
    )
    harness.publish(args, SCRIPT, section, found)


if __name__ == "__main__":
    main()
