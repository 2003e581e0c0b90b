"""Benchmark a whole batch on two cores: ``render --all -j 2`` against ``-j 1``, side by side.

    python -m bench.batch [--scenes TitleCard LinearMap] [--rounds 3] [--busy-ok] [--no-write]

Issue 13's target: ``render --all -q low -j 2`` ≤ 0.55× of ``-j 1`` on 2 cores. FullStory is about
half of the work, so the batch can only meet it if FullStory starts first (the batch orders its
renders by the times the manifest recorded: :func:`lowrank_anim.pipeline.batch.longest_first`).

In one run: a warm-up batch (LaTeX store warm, render times recorded), then ``--rounds`` rounds
of ``-j 1`` and ``-j 2`` (``--force``), interleaved (bench/harness.py); the ratio of the medians
is the figure. Prints a Markdown table and rewrites its own section of BENCHMARKS.md — unless the
machine was busy (then only with ``--busy-ok``, and the heading says so).
"""

from __future__ import annotations

import argparse
import functools
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bench import harness
from bench.harness import RENDER, Session, log

SCRIPT = "bench/batch.py"
TARGET = 0.55


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quality", default="low")
    parser.add_argument(
        "--scenes", nargs="+", default=["--all"], help="scenes of the batch (default: --all)"
    )
    harness.add_arguments(parser)
    args = parser.parse_args(argv)
    session = Session(args)
    scenes = " ".join(args.scenes)
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as work:
        out = str(Path(work) / "media")
        log(f"warm-up: {scenes} once (LaTeX store, render times in the manifest)")
        session.measure([*RENDER, "render", *args.scenes, "-q", args.quality, "-j", "2", "-o", out])

        def batch(jobs: str) -> harness.Run:
            command = ["render", *args.scenes, "-q", args.quality, "-j", jobs, "--force"]
            return session.measure([*RENDER, *command, "-o", out])

        series = harness.interleave(
            {"-j 1": functools.partial(batch, "1"), "-j 2": functools.partial(batch, "2")},
            args.rounds,
            what=scenes,
        )
    found = session.finish()
    one, two = series["-j 1"], series["-j 2"]
    ratio = two.wall / one.wall
    mark = "✓" if ratio <= TARGET else f"✗ (target ≤ {TARGET}×)"
    body = [
        f"- {args.rounds} rounds of each, interleaved, after one warm-up batch (LaTeX store warm; "
        "the manifest has every scene's render time, so `-j 2` starts the longest first); "
        "`--force` re-renders everything; medians",
        "",
        "| how | wall s | CPU s | ÷ `-j 1` | peak tree MB |",
        "| --- | --- | --- | --- | --- |",
        f"| `{scenes} -j 1` | {one.wall:.1f} | {one.cpu:.1f} | 1.00× | {one.peak_tree_mb:.0f} |",
        f"| `{scenes} -j 2` | {two.wall:.1f} | {two.cpu:.1f} | {ratio:.2f}× {mark} | "
        f"{two.peak_tree_mb:.0f} |",
        "",
        "<details><summary>Every run</summary>",
        "",
        *(f"- {label}: {s.every_run()}" for label, s in series.items()),
        "",
        "</details>",
    ]
    title = f"A whole batch on two cores (`render {scenes} -q {args.quality}`)"
    command = f"python -m bench.batch{'' if args.scenes == ['--all'] else ' --scenes ' + scenes}"
    section = harness.render_section(title, command, found, body)
    harness.publish(args, SCRIPT, section, found)


if __name__ == "__main__":
    main()
