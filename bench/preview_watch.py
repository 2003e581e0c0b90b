#!/usr/bin/env python3
"""Benchmark: save → new preview PNG in watch mode vs a cold ``manim -s -ql`` of the same scene.

Runs side by side in one process tree so both see the same machine: a watch process on a
temporary copy of the project, and between its rebuilds, cold manim runs, interleaved, at least
3 rounds (bench/harness.py: CPU of every process, load before and after).  Prints a Markdown
table of medians and the ratio and rewrites its section of BENCHMARKS.md unless ``--no-write``
or the machine was busy (then only with ``--busy-ok``, marked so).  Not a test: it measures, it
does not assert.

    python -m bench.preview_watch [--scene RankOneUpdate] [--rounds 5] [--busy-ok] [--no-write]

"Cold" comes in two flavours, both new processes: with manim's LaTeX cache (``media/Tex``) kept
from an earlier run — what an author re-running manim really pays — and with an empty media
directory (first run ever).
"""

from __future__ import annotations

import argparse
import functools
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from bench import harness
from bench.harness import MANIM, Run, Series, Session
from lowrank_anim.paths import copy_project
from lowrank_anim.registry import get_scene

SCRIPT = "bench/preview_watch.py"


def cold_manim(session: Session, project: Path, scene_file: str, scene: str, media: Path) -> Run:
    return session.measure(
        [MANIM, "render", "-s", "-ql", "--media_dir", str(media), "-v", "ERROR",
         "--disable_caching", scene_file, scene],
        cwd=project,
    )  # fmt: skip


def one_shot_preview(session: Session, project: Path, scene: str, media: Path) -> Run:
    return session.measure(
        [sys.executable, "render.py", "preview", scene, "-o", str(media)], cwd=project
    )


class Watch:
    def __init__(self, project: Path, scene: str, media: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "render.py", "preview", scene, "--watch", "-o", str(media)],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self.pump, daemon=True).start()

    def pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())

    def next_rebuild(self, timeout: float = 300) -> tuple[Path, float]:
        line = self.lines.get(timeout=timeout)
        if "rebuilt" not in line:
            raise RuntimeError(f"watch said: {line}")
        seconds = float(line.split(" in ", 1)[1].split(" s ", 1)[0])
        return Path(line.rsplit(" -> ", 1)[1]), seconds

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


def wait_for_new_file(path: Path, old: os.stat_result, timeout: float = 300) -> float:
    """Poll until ``path`` is replaced (publish renames a new file into place)."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            now = path.stat()
        except FileNotFoundError:
            now = None
        if now is not None and (now.st_ino, now.st_mtime_ns) != (old.st_ino, old.st_mtime_ns):
            return time.perf_counter()
        time.sleep(0.002)
    raise TimeoutError(f"{path} was not replaced")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scene", default="RankOneUpdate")
    harness.add_arguments(parser)
    parser.set_defaults(rounds=5)
    args = parser.parse_args(argv)
    spec = get_scene(args.scene)
    scene_file = spec.module.replace(".", "/") + ".py"
    session = Session(args)
    rows = {
        "watch: save → new PNG": Series(),
        "watch: rebuild alone (its status line)": Series(),
        "`render.py preview` (new process, LaTeX cached)": Series(),
        "cold `manim -s -ql`, manim's LaTeX cache kept": Series(),
        "cold `manim -s -ql`, empty media dir": Series(),
    }
    saves, renders, one_shot, warm_cold, first_cold = rows.values()

    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        work = Path(tmp)
        project = copy_project(work / "project")
        source = project / scene_file
        original = source.read_text(encoding="utf-8")
        kept_tex = work / "manim-kept"
        cold_manim(session, project, scene_file, spec.name, kept_tex)  # fills manim's media/Tex

        watch = Watch(project, spec.name, work / "media")
        png, _ = watch.next_rebuild()
        try:
            for round_number in range(args.rounds):
                harness.log(f"round {round_number + 1}/{args.rounds}")
                # A real edit (a comment that changes each round), saved the way editors do.
                before = png.stat()
                load, cpu = harness.load1(), harness.process_cpu_seconds(watch.proc.pid)
                started = time.perf_counter()
                source.write_text(original + f"\n# bench edit {round_number}\n", encoding="utf-8")
                saved = wait_for_new_file(png, before) - started
                rebuild = watch.next_rebuild()[1]
                cpu = harness.process_cpu_seconds(watch.proc.pid) - cpu
                saves.add(Run(saved, cpu, load, harness.load1()))
                renders.add(Run(rebuild, cpu, load, harness.load1()))
                # The same scene cold, in between (the watch process is idle meanwhile), the
                # order rotated each round.
                fresh = work / f"fresh-{round_number}"
                cold: dict[str, tuple[Series, Callable[[], Run]]] = {
                    "kept": (
                        warm_cold,
                        functools.partial(
                            cold_manim, session, project, scene_file, spec.name, kept_tex
                        ),
                    ),
                    "fresh": (
                        first_cold,
                        functools.partial(
                            cold_manim, session, project, scene_file, spec.name, fresh
                        ),
                    ),
                    "one shot": (
                        one_shot,
                        functools.partial(
                            one_shot_preview, session, project, spec.name, work / "media"
                        ),
                    ),
                }
                for name in harness.rotated(list(cold), round_number):
                    series, measure = cold[name]
                    series.add(measure())
        finally:
            watch.stop()
    found = session.finish()

    def spread(series: Series) -> str:
        walls = [r.wall for r in series.runs]
        return f"{min(walls):.2f}–{max(walls):.2f}"

    body = [
        f"Scene `{spec.name}`, {args.rounds} rounds, interleaved; seconds (median, min–max); CPU "
        "of the watch process for its rebuild, of every process for the cold runs.",
        "",
        "| what | median s | min–max s | CPU s | cold (LaTeX kept) ÷ this |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(
            f"| {name} | {s.wall:.2f} | {spread(s)} | {s.cpu:.2f} | "
            f"{warm_cold.wall / s.wall:.1f}× |"
            for name, s in rows.items()
        ),
        "",
        f"save → PNG is {warm_cold.wall / saves.wall:.1f}× faster than a cold `manim -s -ql` "
        f"with LaTeX kept, {first_cold.wall / saves.wall:.1f}× faster than one from scratch "
        "(target ≥ 3×).",
    ]
    title = "Watch mode: save → new PNG"
    command = f"python -m bench.preview_watch --scene {spec.name} --rounds {args.rounds}"
    harness.publish(args, SCRIPT, harness.render_section(title, command, found, body), found)


if __name__ == "__main__":
    main()
