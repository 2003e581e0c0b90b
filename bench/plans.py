#!/usr/bin/env python3
"""Benchmark RankTwoUpdate's planning: the camera and fitted view chosen before it renders.

``make_plan`` fits the 3-D picture to several candidate views (``view3d.fit_picture``), and
each fit searches for a place clear of the panel: 441 shifts, tried at shrinking scales. For
the same random valid parameter sets (the frame audit's), in one run, interleaved:

* **one by one**: every shift tested on its own with ``polygon_meets_box`` (how it was done,
  with the same separating-axis test the search now runs on all shifts);
* **at once**: every shift of a scale in one array operation (``polygons_meet_box``, as now);

printing the CPU time of each, their ratio, and a check that both chose the same camera and
view for every set (the faster search must find the very same picture).
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench.harness import conditions


def one_by_one(
    hull: Any, low: Any, high: Any, scale: float, inner: Any, blocked: Any
) -> Any:  # pragma: no cover - the reference, timed here only
    """``view3d._free_spot`` as it was: the same room, each shift tested on its own."""
    from lowrank_anim.maths.view3d import polygon_meets_box, room_shifts

    room = room_shifts(low, high, scale, inner)
    if room is None:
        return None
    middle, shifts = room
    if not blocked:
        return middle
    for shift in shifts:
        if not any(polygon_meets_box(hull * scale + shift, box) for box in blocked):
            return shift
    return None


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sets", type=int, default=20, help="random parameter sets")
    parser.add_argument("--seed", type=int, default=10)
    args = parser.parse_args(argv)

    from bench.audit import random_sets
    from lowrank_anim.maths import view3d
    from lowrank_anim.maths.params import build_example, parse_assignments
    from lowrank_anim.registry import SCENES
    from scenes import rank_two

    rng = random.Random(args.seed)
    spec = SCENES["RankTwoUpdate"]
    examples = [spec.load().default_example()] + [
        build_example("RankTwoUpdate", spec.model, parse_assignments(random_sets("rank2", rng)))
        for _ in range(args.sets)
    ]
    at_once = view3d._free_spot
    seconds = {"one by one": 0.0, "at once": 0.0}
    same = 0
    for example in examples:
        plans = {}
        for name, search in (("one by one", one_by_one), ("at once", at_once)):
            view3d._free_spot = search
            started = time.process_time()
            plans[name] = rank_two.make_plan(example)
            seconds[name] += time.process_time() - started
        view3d._free_spot = at_once
        old, new = plans["one by one"], plans["at once"]
        same += old.camera == new.camera and old.view == new.view
    print(f"{len(examples)} plans (the defaults and {args.sets} random sets, seed {args.seed})")
    for name, value in seconds.items():
        print(f"  {name:>10}: {value:6.1f} s CPU, {value / len(examples):.2f} s a plan")
    print(f"  ratio at once / one by one: {seconds['at once'] / seconds['one by one']:.2f}")
    print(f"  same camera and view: {same} of {len(examples)}")
    print("Conditions: " + "; ".join(conditions()))
    if same != len(examples):
        sys.exit("the two searches chose different pictures")


if __name__ == "__main__":
    main()
