"""Benchmark chunked rendering: one scene on every core, against plain manim, side by side.

    python -m bench.chunks [--scenes RankOneUpdate FullStory] [--quality high] [--rounds 3]
                           [--busy-ok] [--no-write]

For each scene (default: RankOneUpdate and FullStory) at ``--quality`` (default high), in one
run, interleaved so that a change in machine load hits all alike (bench/harness.py):

* plain ``manim -qh --disable_caching`` on our scene file (its LaTeX cache warm);
* ``render.py render SCENE --chunks 1`` (the render in one piece, LaTeX store warm);
* ``render.py render SCENE --chunks 2 -j 2`` (two chunks on two cores);
* ``render.py render SCENE`` (the default, ``--chunks auto``: whole or cut, as its cost model
  decides);

with wall time, CPU time of every process and peak memory (the largest process, and the whole
process tree at its peak), and the ratios to plain manim. It checks that the chunked mp4 is
byte-identical to the one-piece mp4, prints a Markdown table and rewrites its own section of
BENCHMARKS.md unless the machine was busy. Target (issue 13): one scene at ``-q high`` on 2
cores ≤ 0.6× plain manim.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import harness
from bench.harness import RENDER, Session, log
from bench.run import plain_manim
from lowrank_anim.registry import SCENES

SCRIPT = "bench/chunks.py"
FLAGS = {"low": "-ql", "medium": "-qm", "high": "-qh", "production": "-qp", "4k": "-qk"}
TARGET = 0.6


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def bench_scene(
    name: str, quality: str, rounds: int, work: Path, session: Session, raw: list[str]
) -> list[str]:
    """Table rows for one scene: plain manim, whole, chunked, auto."""
    spec = SCENES[name]
    plain_media = work / f"{name}-manim"
    out = work / f"{name}-ours"
    log(f"{name}: warming the LaTeX caches (-q low)")
    session.measure(plain_manim(spec, "-ql", plain_media, "--disable_caching"))
    session.measure([*RENDER, "render", name, "-q", "low", "-o", str(out)])
    ours = [*RENDER, "render", name, "-q", quality, "--force", "-o", str(out)]
    commands = {
        "manim": plain_manim(spec, FLAGS[quality], plain_media, "--disable_caching"),
        "whole": [*ours, "--chunks", "1"],
        "chunks 2": [*ours, "--chunks", "2", "-j", "2"],
        "auto (default)": ours,
    }
    digests: dict[str, str] = {}

    def side(label: str) -> harness.Run:
        run = session.measure(commands[label])
        if label != "manim":
            videos = sorted((out / name).glob(f"*/{name}.mp4"), key=lambda p: p.stat().st_mtime)
            digests[label] = digest(videos[-1])
        return run

    series = harness.interleave(
        {label: functools.partial(side, label) for label in commands}, rounds, what=name
    )
    same = len({digests.get(label) for label in commands if label != "manim"}) == 1
    base = series["manim"].wall
    rows = []
    for label, s in series.items():
        ratio = s.wall / base
        mark = ""
        if label == "chunks 2":
            mark = " ✓" if ratio <= TARGET else f" ✗ (target ≤ {TARGET}×)"
        rows.append(
            f"| {name} | {label} | {s.wall:.1f} | {s.cpu:.1f} | {ratio:.2f}×{mark} "
            f"| {s.peak_process_mb:.0f} | {s.peak_tree_mb:.0f} |"
        )
    log(f"{name}: chunked and auto mp4 {'byte-identical to' if same else 'DIFFER from'} the whole")
    rows.append(
        f"| {name} | chunked = auto = whole? | {'byte-identical' if same else 'DIFFERENT'} "
        "| | | | |"
    )
    raw.extend(f"- {name}, {label}: {s.every_run()}" for label, s in series.items())
    return rows


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenes", nargs="+", default=["RankOneUpdate", "FullStory"])
    parser.add_argument("--quality", default="high", choices=list(FLAGS))
    harness.add_arguments(parser)
    args = parser.parse_args(argv)
    session = Session(args)
    rows: list[str] = []
    raw: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-chunks-") as work:
        for name in args.scenes:
            rows += bench_scene(name, args.quality, args.rounds, Path(work), session, raw)
    found = session.finish()
    body = [
        f"- {args.rounds} rounds of each, interleaved; LaTeX caches warm for all; medians; times "
        "in s, CPU of every process, memory in MB (largest process; whole process tree at its "
        "peak)",
        "",
        "| scene | how | wall s | CPU s | ÷ manim | peak process MB | peak tree MB |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "<details><summary>Every run</summary>",
        "",
        *raw,
        "",
        "</details>",
    ]
    title = f"Chunked rendering: one scene on every core (`-q {args.quality}`)"
    command = f"python -m bench.chunks --scenes {' '.join(args.scenes)} --quality {args.quality}"
    harness.publish(args, SCRIPT, harness.render_section(title, command, found, body), found)


if __name__ == "__main__":
    main()
