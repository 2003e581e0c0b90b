#!/usr/bin/env python3
"""What rendering through Dask costs: the same renders through the local process pool
(``render -j N``) and through a loopback Dask cluster (``dask scheduler`` + N ``render.py worker``
processes on 127.0.0.1, ``render --scheduler``), side by side in one run, repeated ``--runs``
times in alternation so the shared machine's noise falls on both.

Every render is forced (``--force``) into a fresh output directory. Prints a table of wall times
and the ratio, and rewrites its section of BENCHMARKS.md (``--no-write`` to skip).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lowrank_anim.docblocks import write_block  # noqa: E402
from tests.dask_harness import Cluster, wait_for_workers  # noqa: E402

BEGIN = "<!-- begin: bench/farm.py -->"
END = "<!-- end: bench/farm.py -->"


def timed(args: list[str], env: dict[str, str] | None = None) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, str(ROOT / "render.py"), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        check=False,
    )
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"render failed: {done.stderr.strip().splitlines()[-1:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenes", nargs="+", default=["--all"], help="scenes (default --all)")
    parser.add_argument("-q", "--quality", default="low")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="processes / workers")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help="do not touch BENCHMARKS.md")
    opts = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="bench-farm-"))
    cluster = Cluster(tmp)
    times: dict[str, list[float]] = {"local processes (-j)": [], "loopback Dask cluster": []}
    try:
        for i in range(opts.jobs):
            cluster.start(
                f"w{i}",
                [sys.executable, str(ROOT / "render.py"), "worker", cluster.address,
                 "--name", f"w{i}", "--no-dashboard"],
            )  # fmt: skip
        wait_for_workers(cluster.address, opts.jobs)
        common = [*opts.scenes, "-q", opts.quality, "-j", str(opts.jobs), "--force"]
        for run in range(opts.runs):
            for label, extra in (
                ("local processes (-j)", []),
                ("loopback Dask cluster", ["--scheduler", cluster.address]),
            ):
                out = tmp / f"out-{run}-{len(extra)}"
                seconds = timed(["render", *common, "-o", str(out), *extra])
                times[label].append(seconds)
                print(f"run {run + 1}: {label}: {seconds:.1f} s", flush=True)
    finally:
        cluster.close()
        shutil.rmtree(tmp, ignore_errors=True)

    local = statistics.median(times["local processes (-j)"])
    rows = [
        f"| {label} | {statistics.median(values):.1f} s | "
        f"{statistics.median(values) / local:.2f}× |"
        for label, values in times.items()
    ]
    scenes = " ".join(opts.scenes)
    table = "\n".join(
        [
            f"`render {scenes} -q {opts.quality} -j {opts.jobs} --force`, median of {opts.runs} "
            f"run(s), alternating; {os.cpu_count()} cores, {platform.machine()}, load "
            f"{os.getloadavg()[0]:.1f} at the end (shared machine: the ratio is the figure).",
            "",
            "| pool | wall time | vs local |",
            "| --- | --- | --- |",
            *rows,
        ]
    )
    print(table)
    if not opts.no_write:
        write_block(
            ROOT / "BENCHMARKS.md",
            BEGIN,
            END,
            "## Rendering through Dask (`bench/farm.py`)\n\n" + table,
            append=True,
        )


if __name__ == "__main__":
    main()
