#!/usr/bin/env python3
"""Benchmark: what a ``show()`` cell costs in a notebook — the first run, an unchanged re-run
(the cache hit), and the bytes its self-contained player adds to the ``.ipynb``.

Runs ``show()`` in this process as a kernel would (manim stays imported between calls). Prints
a Markdown table. Not a test: it measures, it does not assert.

    .venv/bin/python bench/notebook.py [--scene RankOneUpdate ...] [-q low] [-o DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lowrank_anim.notebook import show  # noqa: E402
from lowrank_anim.pipeline.outputs import human_size  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scene", action="append", dest="scenes")
    parser.add_argument("-q", "--quality", default="low")
    parser.add_argument("--theme", default="light")
    parser.add_argument("-o", "--output-dir", default="media")
    parser.add_argument("--rounds", type=int, default=5, help="cache hits to time per scene")
    args = parser.parse_args()
    print("| scene | first show() | unchanged re-run (median) | clip | output in the .ipynb |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for scene in args.scenes or ["RankOneUpdate"]:
        options = {"quality": args.quality, "theme": args.theme, "output_dir": args.output_dir}
        start = time.perf_counter()
        first = show(scene, **options)
        first_seconds = time.perf_counter() - start
        hits = []
        for _ in range(args.rounds):
            start = time.perf_counter()
            again = show(scene, **options)
            hits.append(time.perf_counter() - start)
            assert again.status == "cached"
        data, metadata = first._repr_mimebundle_()
        # What nbformat stores: the output's data and metadata as JSON.
        stored = len(json.dumps({"data": data, "metadata": metadata}))
        print(
            f"| {scene} | {first_seconds:.1f} s ({first.status}) | "
            f"{statistics.median(hits) * 1000:.0f} ms | {human_size(first.path.stat().st_size)} | "
            f"{human_size(stored)} |"
        )


if __name__ == "__main__":
    main()
