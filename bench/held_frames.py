#!/usr/bin/env python3
"""Benchmark the held-frame patch: a leaner frame path for a draft render (issue 13, item 6).

A draft 1080p60 render took 2.9× the time of drawing its frames alone (target 1.5×). Much of a
scene is held frames (waits while a caption is read): manim converts each copy from RGBA to
the encoder's format again. ``manim_patches.write_held_frame`` converts it once. For each scene,
in one run, interleaved:

* drawing only: every frame drawn, nothing encoded (``bench/rasterise_only.py``);
* a draft render with manim's own ``write_frame`` (the patch removed);
* the same draft render with the patch, as ``render.py`` runs it;

with wall time and CPU time of every process, the ratios to drawing only and patched ÷ manim's,
and a check that the two mp4s are byte-identical (bench/harness.py: at least 3 rounds, medians).
Prints a Markdown table and rewrites its section of BENCHMARKS.md unless the machine was busy.

    python -m bench.held_frames [--scenes RankOneUpdate InputSweep] [--rounds 3] [--busy-ok]
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import harness
from bench.harness import PYTHON, Session, log

SCRIPT = "bench/held_frames.py"
TARGET = 1.5


def render_one(mode: str, scene: str, quality: str, out: str, store: str) -> None:
    """One draft render in this process, with (``held-frame``) or without (``manim``) the patch."""
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    from lowrank_anim.pipeline import encoding, manim_patches
    from lowrank_anim.pipeline.rendering import render
    from lowrank_anim.pipeline.request import RenderRequest
    from lowrank_anim.registry import get_scene

    request = RenderRequest(get_scene(scene), quality=quality)
    manim_patches.install()
    if mode == "manim":
        original = manim_patches.write_held_frame.__wrapped__  # type: ignore[attr-defined]
        manim_patches.write_held_frame = original  # install() puts it back otherwise
        VideoSegmentEncoder.write_frame = original  # type: ignore[method-assign]
    render(request, Path(out), store=Path(store), encoder=encoding.request_overrides(request, True))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenes", nargs="+", default=["RankOneUpdate", "InputSweep"])
    parser.add_argument("--quality", default="high")
    parser.add_argument("--one", nargs=5, metavar=("MODE", "SCENE", "Q", "OUT", "STORE"))
    harness.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.one:
        render_one(*args.one)
        return
    session = Session(args)
    rows: list[str] = []
    raw: list[str] = []
    me = [PYTHON, "-m", "bench.held_frames"]
    with tempfile.TemporaryDirectory(prefix="bench-held-") as work_dir:
        work = Path(work_dir)
        for scene in args.scenes:
            store, media = work / "store", work / "media"
            drawing = [PYTHON, "-m", "bench.rasterise_only", scene]
            commands = {
                "drawing only": [*drawing, args.quality, str(work / "tex"), str(media)],
                "manim's writer": [
                    *me, "--one", "manim", scene, args.quality, str(work / "manim"), str(store)
                ],
                "held-frame patch": [
                    *me, "--one", "held-frame", scene, args.quality, str(work / "patched"),
                    str(store),
                ],
            }  # fmt: skip
            log(f"{scene}: warming the LaTeX caches")
            session.measure(
                [*me, "--one", "held-frame", scene, "low", str(work / "warm"), str(store)]
            )
            session.measure([*drawing, "low", str(work / "tex"), str(media)])
            series = harness.interleave(
                {
                    label: functools.partial(session.measure, command)
                    for label, command in commands.items()
                },
                args.rounds,
                what=scene,
            )
            made = {
                label: next((work / folder).rglob(f"{scene}.mp4"))
                for label, folder in (("manim", "manim"), ("patched", "patched"))
            }
            same = len({hashlib.sha256(p.read_bytes()).hexdigest() for p in made.values()}) == 1
            drawn = series["drawing only"].wall
            writer = series["manim's writer"].wall
            for label, s in series.items():
                ratio = s.wall / drawn
                mark = ""
                if label != "drawing only":
                    mark = " ✓" if ratio <= TARGET else f" ✗ (target ≤ {TARGET}×)"
                rows.append(
                    f"| {scene} | {label} | {s.wall:.1f} | {s.cpu:.1f} | "
                    f"{ratio:.2f}×{mark} | {s.wall / writer:.2f}× |"
                )
                raw.append(f"- {scene}, {label}: {s.every_run()}")
            rows.append(
                f"| {scene} | patched = manim's? | {'byte-identical' if same else 'DIFFERENT'} "
                "| | | |"
            )
    found = session.finish()
    body = [
        f"- {args.rounds} rounds of each, interleaved; LaTeX caches warm; medians; times in s, "
        "CPU of every process",
        "",
        "| scene | how | wall s | CPU s | ÷ drawing only | ÷ manim's writer |",
        "| --- | --- | --- | --- | --- | --- |",
        *rows,
        "",
        "<details><summary>Every run</summary>",
        "",
        *raw,
        "",
        "</details>",
    ]
    title = f"Held frames: a leaner frame path for draft renders (`-q {args.quality} --draft`)"
    command = (
        f"python -m bench.held_frames --scenes {' '.join(args.scenes)} --quality {args.quality}"
    )
    harness.publish(args, SCRIPT, harness.render_section(title, command, found, body), found)


if __name__ == "__main__":
    main()
