"""What each scene must show at the end of every beat, computed from the model alone.

One checker per registered scene takes the beat records a constructed scene kept
(``scene.records``) and the example it drew, and asserts every arrow's start and end (within
:data:`TOL`, relative to the picture's size), every readout (to its displayed precision) and
every probe against the model.  ``FullStory`` is checked by running each chapter's checker on
that chapter's beats.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from lowrank_anim.maths.model import (
    Example,
    change,
    default_rank_two,
    direction_angle,
    full_update_params,
    low_rank_params,
    on_circle,
    span_normal,
    sweep_events,
    turned_inputs,
    turning_axis,
)

TOL = 1e-6
#: A readout of 2 decimals may differ from the exact value by half the last digit.
DISPLAYED = 0.5e-2 + 1e-9

Records = list[Any]


def close(got: Any, want: Any, size: float, what: str) -> None:
    np.testing.assert_allclose(
        np.asarray(got, dtype=float),
        np.asarray(want, dtype=float),
        atol=TOL * max(1, size),
        rtol=0,
        err_msg=what,
    )


def check_arrow(record: Any, name: str, start: Any, end: Any, size: float) -> None:
    assert name in record.arrows, f"{record.name}: no arrow {name!r}"
    got_start, got_end = record.arrows[name]
    close(got_start, start, size, f"{record.name}: {name} start")
    close(got_end, end, size, f"{record.name}: {name} end")


def check_readout(record: Any, name: str, value: float) -> None:
    """The readout shows the model's value to its displayed precision (half its last digit,
    2 decimals unless the readout says otherwise)."""
    shown = record.numbers[name]
    allowed = record.precision.get(name, DISPLAYED) + 1e-9
    assert abs(shown - value) <= allowed + 1e-12 * abs(value), (
        f"{record.name}: {name} shows {shown}, the model says {value}"
    )


def size_of(ex: Example) -> float:
    res = ex.result
    return float(max(np.abs(np.concatenate([res.x, res.y, res.z, ex.update.U.ravel()]))))


def names(records: Records) -> list[str]:
    return [r.name for r in records]


# One checker per scene --------------------------------------------------------------------


def check_title(records: Records, ex: Example) -> None:
    assert names(records) == ["Title"]


def check_linear_map(records: Records, ex: Example) -> None:
    assert names(records) == ["Input", "Apply W", "Frozen"]
    res, W, s = ex.result, ex.update.W, size_of(ex)
    o = np.zeros(2)
    for record in records:
        check_arrow(record, "x", o, res.x, s)
    for record in records[1:]:
        check_arrow(record, "y", o, res.y, s)
        close(record.values["grid e1"], W[:, 0], s, "the grid's first axis went to W e₁")
        close(record.values["grid e2"], W[:, 1], s, "the grid's second axis went to W e₂")


#: RankOneUpdate's beats, in order: its sections and its subcaptions.
RANK_ONE_BEATS = [
    "Input",
    "Frozen W",
    "Learned u and v",
    "Alpha is v dot x",
    "Scale u by alpha",
    "New output z",
]


def check_rank_one(records: Records, ex: Example) -> None:
    assert names(records) == RANK_ONE_BEATS
    res, upd, s = ex.result, ex.update, size_of(ex)
    o = np.zeros(2)
    expected = {
        "x": (o, res.x),
        "y": (o, res.y),
        "u": (o, upd.u),
        "v": (o, upd.v),
        "alpha_u": (res.y, res.y + res.alpha1 * upd.u),
        "z": (o, res.z),
    }
    for record in records:
        for key in record.arrows:
            check_arrow(record, key, *expected[key], s)
    assert set(records[-1].arrows) == set(expected)
    for record in records[3:]:
        check_readout(record, "alpha", res.alpha1)
    # Tip to tail: α u starts where y ends and ends where z ends.
    final = records[-1].arrows
    close(final["alpha_u"][0], final["y"][1], s, "α u starts at y")
    close(final["alpha_u"][1], final["z"][1], s, "α u ends at z")


def check_input_sweep(records: Records, ex: Example) -> None:
    upd, s = (
        ex.update,
        size_of(ex)
        + float(np.linalg.norm(ex.update.u))
        * float(np.linalg.norm(ex.x) * np.linalg.norm(ex.update.v)),
    )
    radius = float(np.linalg.norm(ex.x))
    start = direction_angle(ex.x)
    events = sweep_events(ex.x, upd.v)
    titles = {
        "along": "Along v",
        "perpendicular": "Perpendicular",
        "against": "Against v",
        "perpendicular again": "Perpendicular again",
    }
    assert names(records) == [
        "Circle of inputs",
        *(titles[e.name] for e in events),
        "Full turn",
    ]
    angles = [start, *(e.angle for e in events), start + 2 * np.pi]
    o = np.zeros(2)
    for record, angle in zip(records, angles, strict=True):
        assert abs(record.values["angle"] - angle) < 1e-9, record.name
        res = upd.apply(on_circle(radius, angle))
        check_arrow(record, "x", o, res.x, s)
        check_arrow(record, "y", o, res.y, s)
        check_arrow(record, "z", o, res.z, s)
        check_arrow(record, "alpha_u", res.y, res.z, s)
        check_arrow(record, "u", o, upd.u, s)
        check_arrow(record, "v", o, upd.v, s)
        check_readout(record, "alpha", res.alpha1)
        extreme = radius * float(np.linalg.norm(upd.v))
        if record.name == "Along v":
            assert abs(res.alpha1 - extreme) < 1e-9 * max(1, extreme)
        if record.name == "Against v":
            assert abs(res.alpha1 + extreme) < 1e-9 * max(1, extreme)
        if record.name.startswith("Perpendicular"):
            assert record.numbers["alpha"] == 0.0, "x ⟂ v must show α = 0.00 exactly"
            close(record.arrows["z"][1], record.arrows["y"][1], s, "z = y when x ⟂ v")


def check_update_line(records: Records, ex: Example) -> None:
    from scenes.update_line import samples

    assert names(records) == [
        "The update alone",
        "Points and the line v-perp",
        "Squash",
        "One direction",
    ]
    upd = ex.update
    grid, null = samples(ex)
    s = size_of(ex) * (1 + float(np.linalg.norm(upd.v)) * float(np.abs(grid).max()))
    o = np.zeros(2)
    for record in records:
        check_arrow(record, "u", o, upd.u, s)
        check_arrow(record, "v", o, upd.v, s)
    close(records[1].values["dots"], grid, s, "dots start on the lattice")
    close(records[1].values["null dots"], null, s, "dots start on v⊥")
    for record in records[2:]:
        moved = np.array(record.values["dots"])
        close(moved, change(upd, grid), s, "every dot p lands on (vᵀp) u")
        # ... which is on the line span(u): its cross product with u is 0.
        cross = moved[:, 0] * upd.u[1] - moved[:, 1] * upd.u[0]
        close(cross, np.zeros(len(moved)), s * s, "every image lies on span(u)")
        close(record.values["null dots"], np.zeros_like(null), s, "the line v⊥ goes to 0")


def rank_two_results(ex: Example) -> list[Any]:
    """The inputs RankTwoUpdate shows, from the model: x and two turns of it about the axis
    the data choose."""
    inputs = turned_inputs(ex.x, 3, turning_axis(ex.update, ex.x, 3))
    return [ex.update.apply(x) for x in inputs]


def check_rank_two(records: Records, ex: Example) -> None:
    assert names(records) == ["Two pairs", "One input", "Input 2", "Input 3", "One plane"]
    upd = ex.update
    u1, u2 = upd.U.T
    results = rank_two_results(ex)
    s = max(size_of(ex), *(float(np.abs(r.z).max()) for r in results))
    np.testing.assert_allclose(results[0].x, ex.x, err_msg="the first input is the given x")
    # The other inputs differ from x and from one another, and so do their changes.
    for i in range(3):
        for j in range(i + 1, 3):
            gap = float(np.linalg.norm(results[i].x - results[j].x))
            assert gap > 0.5 * float(np.linalg.norm(ex.x)), f"inputs {i + 1}, {j + 1} alike"
            assert not np.allclose(results[i].delta, results[j].delta, atol=TOL * max(1, s))
    normal = span_normal(upd)
    o = np.zeros(3)
    for record in records:
        check_arrow(record, "u1", o, u1, s)
        check_arrow(record, "u2", o, u2, s)
        for index, res in enumerate(results, start=1):
            if f"x{index}" not in record.arrows:
                continue
            check_arrow(record, f"x{index}", o, res.x, s)
            check_arrow(record, f"y{index}", o, res.y, s)
            check_arrow(record, f"z{index}", o, res.z, s)
            if index == 1:
                step = res.y + res.alpha[0] * u1
                check_arrow(record, "alpha1_u1_1", res.y, step, s)
                check_arrow(record, "alpha2_u2_1", step, res.z, s)
            else:
                check_arrow(record, f"delta{index}", res.y, res.z, s)
        if "input" in record.values:
            res = results[record.values["input"] - 1]
            check_readout(record, "alpha1", float(res.alpha[0]))
            check_readout(record, "alpha2", float(res.alpha[1]))
    assert [r.values.get("input") for r in records] == [None, 1, 2, 3, 1], (
        "each input's beat reads its own α, and the last frame (the poster) reads x's"
    )
    final = records[-1]
    for index, res in enumerate(results, start=1):
        check_arrow(final, f"change{index}", o, res.delta, s)
        start, end = final.arrows[f"change{index}"]
        # The change z − y lies in span(u₁, u₂): no component along the plane's normal.
        assert abs(float((end - start) @ normal)) < TOL * max(1, s), f"change{index} leaves span"


def check_why_low_rank(records: Records, ex: Example) -> None:
    from scenes.why_low_rank import RANKS, N

    assert names(records) == ["Full update", *(f"Rank {r}" for r in RANKS)]
    full = full_update_params(N)
    assert records[0].numbers["full"] == full == 16_777_216
    final = records[-1]
    for r in RANKS:
        count = low_rank_params(N, r)
        assert final.numbers[f"rank {r}"] == count
        # Areas to scale: the block of rank r is count / full of the square.
        ratio = final.values[f"area rank {r}"] / final.values["area full"]
        assert abs(ratio - count / full) < 1e-9, f"rank {r} block is not to scale"
    assert final.numbers["rank 1"] == 8192
    # The grid that tiles the square has one cell per rank-1 update's worth of numbers.
    assert final.values["grid cells"] == full // low_rank_params(N, 1) == 2048


def check_full_story(records: Records, ex: Example) -> None:
    from scenes.full_story import FullStory

    for chapter in FullStory.chapters:
        prefix = f"{chapter.__name__}: "
        mine = [r for r in records if r.name.startswith(prefix)]
        assert mine, f"FullStory played no beat of {chapter.__name__}"
        stripped = [type(r)(**{**vars(r), "name": r.name[len(prefix) :]}) for r in mine]
        drawn = ex if chapter.__name__ != "RankTwoUpdate" else default_rank_two()
        CHECKS[chapter.__name__](stripped, drawn)
    chapter_order = [r.name.partition(":")[0] for r in records]
    assert chapter_order == sorted(
        chapter_order, key=[c.__name__ for c in FullStory.chapters].index
    ), "chapters play in order"


CHECKS: dict[str, Callable[[Records, Example], None]] = {
    "TitleCard": check_title,
    "LinearMap": check_linear_map,
    "RankOneUpdate": check_rank_one,
    "InputSweep": check_input_sweep,
    "UpdateIsALine": check_update_line,
    "RankTwoUpdate": check_rank_two,
    "WhyLowRank": check_why_low_rank,
    "FullStory": check_full_story,
}
