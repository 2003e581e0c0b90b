#!/usr/bin/env python3
"""Measure the constants of ``--chunks auto``'s cost model (``lowrank_anim/pipeline/chunks.py``).

Two per-frame costs decide whether cutting a render into chunks pays, both in CPU seconds (CPU
time, so a loaded machine measures them too):

* **a skipped frame**: a chunk steps every play before its own through its frame times without
  drawing (frame-exact skipping), running the updaters. For each scene, the planning pass of a
  chunked render (every play skipped) is run once with each play's stepping timed, split into
  plays with updaters and plays without: ms per stepped frame (``chunks.STEP_SECONDS``), and
  the same figure as :func:`lowrank_anim.pipeline.chunks.plan` estimates it from one step.
* **a drawn frame**, by quality: the scene rendered whole in this process, minus building the
  scene (the plan's setup) and stepping its updaters, per animated frame drawn (a held frame
  counted at ``chunks.HELD_FRAME_COST``) (``chunks.DRAW_SECONDS``).

Each measure runs in a fresh process (manim's configuration is global), ``--rounds`` times (at
least 3), the measures interleaved (bench/harness.py); every figure is the median. Prints a
Markdown table and rewrites its section of BENCHMARKS.md unless ``--no-write`` or the machine
was busy (then only with ``--busy-ok``, marked so).

    python -m bench.chunk_costs [--step-scenes RankOneUpdate FullStory] [--rounds 3]
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import harness
from bench.harness import PYTHON, Session

SCRIPT = "bench/chunk_costs.py"


def steps(scene: str, store: str) -> dict[str, float]:
    """The planning pass of ``scene`` (-q low), every skipped play's stepping timed."""
    from lowrank_anim.pipeline import chunks, manim_patches, rendering
    from lowrank_anim.pipeline.request import RenderRequest
    from lowrank_anim.registry import get_scene

    timed: list[tuple[int, bool, float]] = []
    step = manim_patches._step_without_drawing

    def timing(scene: Any) -> int:
        updaters = manim_patches.has_updaters(scene)
        start = time.process_time()
        frames = step(scene)
        timed.append((frames, updaters, time.process_time() - start))
        return frames

    manim_patches._step_without_drawing = timing

    class PlannedError(Exception):
        """The planning pass is over: stop before anything renders."""

    def stop(*args: object) -> rendering.Segments:
        raise PlannedError

    request = RenderRequest(get_scene(scene), quality="low")
    with tempfile.TemporaryDirectory() as out, contextlib.suppress(PlannedError):
        rendering.render(request, Path(out), store=Path(store), segments=stop)
    manim_patches._step_without_drawing = step
    plan, setup = chunks.plan(request, Path(store))
    found: dict[str, float] = {"setup": setup}
    for label, flag in (("updaters", True), ("plain", False)):
        frames = sum(f for f, u, _ in timed if u == flag)
        seconds = sum(s for _, u, s in timed if u == flag)
        planned = [p for p in plan if p.updaters == flag and not p.held]
        found[f"{label} frames"] = frames
        found[f"{label} ms"] = 1000 * seconds / max(frames, 1)
        found[f"{label} plan ms"] = (1000 * sum(p.frames * (p.step or 0.0) for p in planned)) / max(
            sum(p.frames for p in planned), 1
        )
    return found


def draw(scene: str, quality: str, store: str) -> dict[str, float]:
    """``scene`` rendered whole at ``quality``: CPU seconds per drawn frame."""
    from lowrank_anim.pipeline import chunks, encoding, rendering
    from lowrank_anim.pipeline.request import RenderRequest
    from lowrank_anim.registry import get_scene

    request = RenderRequest(get_scene(scene), quality=quality)
    plan, setup = chunks.plan(request, Path(store))  # also warms the LaTeX store
    with tempfile.TemporaryDirectory() as out:
        start = time.process_time()
        rendering.render(
            request, Path(out), store=Path(store), encoder=encoding.request_overrides(request)
        )
        cpu = time.process_time() - start
    stepped = sum(p.frames * chunks.step_seconds(p) for p in plan if not p.held)
    drawn = sum(p.frames * (chunks.HELD_FRAME_COST if p.held else 1.0) for p in plan)
    return {
        "cpu": cpu,
        "setup": setup,
        "stepped": stepped,
        "per frame": (cpu - setup - stepped) / drawn,
    }


def run_child(
    session: Session, found: dict[str, list[dict[str, float]]], *args: str
) -> harness.Run:
    """One measure in a fresh process; its figures are appended to ``found[key]``."""
    run = session.measure([PYTHON, "-m", "bench.chunk_costs", "--child", *args], capture=True)
    key = " ".join(args[:-1])
    found.setdefault(key, []).append(json.loads(run.output.strip().splitlines()[-1]))
    return run


def median(results: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the rounds."""
    return {key: statistics.median(r[key] for r in results) for key in results[0]}


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--step-scenes", nargs="+", default=["RankOneUpdate", "FullStory"])
    parser.add_argument("--draw-scene", default="RankOneUpdate")
    parser.add_argument("--qualities", nargs="+", default=["low", "medium", "high"])
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    harness.add_arguments(parser)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        print(json.dumps(steps(*rest) if kind == "steps" else draw(*rest)))
        return
    session = Session(args)
    found: dict[str, list[dict[str, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-chunk-costs-") as store:
        # One untimed pass fills the LaTeX store, so no round pays for LaTeX.
        session.measure(
            [PYTHON, "-m", "bench.chunk_costs", "--child", "steps", args.draw_scene, store]
        )
        sides = {
            f"steps {scene}": functools.partial(run_child, session, found, "steps", scene, store)
            for scene in args.step_scenes
        } | {
            f"draw {args.draw_scene} {quality}": functools.partial(
                run_child, session, found, "draw", args.draw_scene, quality, store
            )
            for quality in args.qualities
        }
        harness.interleave(sides, args.rounds, what="chunk costs")
    conditions = session.finish()
    body = [
        f"- CPU seconds (process time, encoder threads included), median of {args.rounds} "
        "rounds, interleaved, each in a fresh process; LaTeX store warm",
        "",
        "| scene | stepped frame, updaters (ms) | one-step estimate (ms) | "
        "stepped frame, none (ms) | one-step estimate (ms) | scene build (s) |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for scene in args.step_scenes:
        s = median(found[f"steps {scene}"])
        body.append(
            f"| {scene} | {s['updaters ms']:.1f} ({s['updaters frames']:.0f} frames) | "
            f"{s['updaters plan ms']:.1f} | {s['plain ms']:.2f} ({s['plain frames']:.0f} "
            f"frames) | {s['plain plan ms']:.2f} | {s['setup']:.2f} |"
        )
    body += [
        "",
        f"| {args.draw_scene} rendered whole | CPU s | scene build s | stepping s | "
        "drawn frame (ms) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for quality in args.qualities:
        d = median(found[f"draw {args.draw_scene} {quality}"])
        body.append(
            f"| -q {quality} | {d['cpu']:.1f} | {d['setup']:.1f} | {d['stepped']:.1f} | "
            f"{1000 * d['per frame']:.1f} |"
        )
    title = "What a frame costs: the constants of `--chunks auto`"
    section = harness.render_section(title, "python -m bench.chunk_costs", conditions, body)
    harness.publish(args, SCRIPT, section, conditions)


if __name__ == "__main__":
    main()
