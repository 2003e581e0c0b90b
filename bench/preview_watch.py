#!/usr/bin/env python3
"""Benchmark: save → new preview PNG in watch mode vs a cold ``manim -s -ql`` of the same scene.

Runs side by side in one process tree so both see the same (noisy, shared) machine: a watch
process on a temporary copy of the project, and between its rebuilds, cold manim runs.  Prints a
Markdown table of medians and the ratio.  Not a test: it measures, it does not assert.

    .venv/bin/python bench/preview_watch.py [--scene RankOneUpdate] [--rounds 5]

"Cold" comes in two flavours, both new processes: with manim's LaTeX cache (``media/Tex``) kept
from an earlier run — what an author re-running manim really pays — and with an empty media
directory (first run ever).
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lowrank_anim.paths import copy_project  # noqa: E402
from lowrank_anim.registry import get_scene  # noqa: E402

MANIM = Path(sys.executable).with_name("manim")


def cold_manim(project: Path, scene_file: str, scene: str, media: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(MANIM), "render", "-s", "-ql", "--media_dir", str(media), "-v", "ERROR",
         "--disable_caching", scene_file, scene],
        cwd=project, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def one_shot_preview(project: Path, scene: str, media: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "render.py", "preview", scene, "-o", str(media)],
        cwd=project, check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scene", default="RankOneUpdate")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    spec = get_scene(args.scene)
    scene_file = spec.module.replace(".", "/") + ".py"

    with tempfile.TemporaryDirectory(prefix="bench-watch-") as tmp:
        work = Path(tmp)
        project = copy_project(work / "project")
        source = project / scene_file
        original = source.read_text(encoding="utf-8")
        kept_tex = work / "manim-kept"
        cold_manim(project, scene_file, spec.name, kept_tex)  # fills manim's media/Tex

        watch = Watch(project, spec.name, work / "media")
        png, _ = watch.next_rebuild()
        saves, renders, warm_cold, first_cold, one_shot = [], [], [], [], []
        try:
            for round_number in range(args.rounds):
                # A real edit (a comment that changes each round), saved the way editors do.
                before = png.stat()
                started = time.perf_counter()
                source.write_text(original + f"\n# bench edit {round_number}\n", encoding="utf-8")
                saves.append(wait_for_new_file(png, before) - started)
                renders.append(watch.next_rebuild()[1])
                # The same scene cold, in between (the watch process is idle meanwhile).
                warm_cold.append(cold_manim(project, scene_file, spec.name, kept_tex))
                first_cold.append(
                    cold_manim(project, scene_file, spec.name, work / f"fresh-{round_number}")
                )
                one_shot.append(one_shot_preview(project, spec.name, work / "media"))
        finally:
            watch.stop()

    med = statistics.median
    rows = [
        ("watch: save → new PNG", saves),
        ("watch: rebuild alone (its status line)", renders),
        ("`render.py preview` (new process, LaTeX cached)", one_shot),
        ("cold `manim -s -ql`, manim's LaTeX cache kept", warm_cold),
        ("cold `manim -s -ql`, empty media dir", first_cold),
    ]
    print(f"Scene `{spec.name}`, {args.rounds} rounds, interleaved; seconds (median, min–max).\n")
    print("| what | median s | min–max s | cold (LaTeX kept) ÷ this |")
    print("| --- | ---: | ---: | ---: |")
    for name, values in rows:
        print(
            f"| {name} | {med(values):.2f} | {min(values):.2f}–{max(values):.2f} | "
            f"{med(warm_cold) / med(values):.1f}× |"
        )
    print(
        f"\nsave → PNG is {med(warm_cold) / med(saves):.1f}× faster than a cold `manim -s -ql` "
        f"with LaTeX kept, {med(first_cold) / med(saves):.1f}× faster than one from scratch "
        f"(target ≥ 3×)."
    )


if __name__ == "__main__":
    main()
