"""Benchmark: what a ``show()`` cell costs in a notebook — the first run, an unchanged re-run
(the cache hit), and the bytes its self-contained player adds to the ``.ipynb``.

Runs ``show()`` in this process as a kernel would (manim stays imported between calls), measured
by bench/harness.py (wall, CPU of this process and the processes it starts, load before and
after): ``--rounds`` rounds (at least 3), each into a fresh output folder so the first call
renders, the scenes' order rotated each round; medians. Prints a Markdown table and rewrites its
section of BENCHMARKS.md unless ``--no-write`` or the machine was busy (then only with
``--busy-ok``, marked so). Not a test: it measures, it does not assert.

    python -m bench.notebook [--scene RankOneUpdate ...] [-q low] [--hits 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import harness
from bench.harness import Series, Session
from lowrank_anim.core.outputs import human_size
from lowrank_anim.notebook import show

SCRIPT = "bench/notebook.py"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scene", action="append", dest="scenes")
    parser.add_argument("-q", "--quality", default="low")
    parser.add_argument("--theme", default="light")
    parser.add_argument("--hits", type=int, default=5, help="cache hits to time per first run")
    harness.add_arguments(parser)
    args = parser.parse_args(argv)
    scenes = args.scenes or ["RankOneUpdate"]
    session = Session(args)
    first = {scene: Series() for scene in scenes}
    hits = {scene: Series() for scene in scenes}
    sizes: dict[str, tuple[int, int]] = {}
    status: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-notebook-") as tmp:
        for round_ in range(args.rounds):
            for scene in harness.rotated(scenes, round_):
                harness.log(f"round {round_ + 1}/{args.rounds}: {scene}")
                options = {
                    "quality": args.quality,
                    "theme": args.theme,
                    "output_dir": str(Path(tmp) / f"round-{round_}"),
                }
                clip, run = session.call(show, scene, **options)
                first[scene].add(run)
                status[scene] = clip.status
                for _ in range(args.hits):
                    again, run = session.call(show, scene, **options)
                    if again.status != "cached":
                        raise SystemExit(f"{scene}: an unchanged re-run was {again.status}")
                    hits[scene].add(run)
                data, metadata = clip._repr_mimebundle_()
                # What nbformat stores: the output's data and metadata as JSON.
                stored = len(json.dumps({"data": data, "metadata": metadata}))
                sizes[scene] = (clip.path.stat().st_size, stored)
    found = session.finish()
    body = [
        f"- `show()` in one process as a kernel runs it, `-q {args.quality}`, {args.theme} theme; "
        f"{args.rounds} rounds, each into a fresh folder, scenes rotated; {args.hits} re-runs "
        "per round; medians",
        "",
        "| scene | first show() | CPU s | unchanged re-run (median) | clip "
        "| output in the .ipynb |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        *(
            f"| {scene} | {first[scene].wall:.1f} s ({status[scene]}) | {first[scene].cpu:.1f} | "
            f"{statistics.median(r.wall for r in hits[scene].runs) * 1000:.0f} ms | "
            f"{human_size(sizes[scene][0])} | {human_size(sizes[scene][1])} |"
            for scene in scenes
        ),
    ]
    title = "Notebook: a show() cell"
    command = "python -m bench.notebook" + "".join(f" --scene {s}" for s in scenes)
    harness.publish(args, SCRIPT, harness.render_section(title, command, found, body), found)


if __name__ == "__main__":
    main()
