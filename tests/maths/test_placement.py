"""The placement model: boxes, obstacles and the search for a free spot for a label."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lowrank_anim.maths.layout import BOTTOM_BAND, EDGE_MARGIN, FRAME, Box
from lowrank_anim.maths.placement import (
    MIN_VISIBLE,
    RINGS,
    SAFE,
    Board,
    Spot,
    arrow_segments,
    box_around,
    boxes_overlap,
    clamp_into,
    is_visible_arrow,
    label_spots,
    path_segments,
    segment_hits_box,
    segments_hit_box,
)


def test_safe_area_keeps_margins_and_the_bottom_band() -> None:
    assert 0.03 * FRAME.height - 1e-12 <= EDGE_MARGIN
    assert 0.15 * FRAME.height - 1e-12 <= BOTTOM_BAND
    assert SAFE.bottom == FRAME.bottom + BOTTOM_BAND
    assert SAFE.top == FRAME.top - EDGE_MARGIN
    assert SAFE.left == FRAME.left + EDGE_MARGIN
    assert SAFE.right == FRAME.right - EDGE_MARGIN


def test_segment_box_intersection() -> None:
    box = Box(0, 1, 0, 1)
    assert segment_hits_box((-1, 0.5), (2, 0.5), box)  # straight through
    assert segment_hits_box((0.5, 0.5), (0.6, 0.6), box)  # inside
    assert not segment_hits_box((-1, 2), (2, 2), box)  # above
    assert not segment_hits_box((-1, 1.5), (1.5, 4), box)  # passes the corner
    assert segment_hits_box((-1, 1.05), (2, 1.05), box, half_width=0.1)  # thick enough to touch
    assert not segment_hits_box((2, 2), (2, 2), box)  # a point outside


def test_a_short_arrow_is_not_an_obstacle_nor_visible() -> None:
    assert arrow_segments((0, 0), (MIN_VISIBLE / 2, 0)) == []
    assert not is_visible_arrow((0, 0), (0, MIN_VISIBLE / 2))
    shaft, tip, point = arrow_segments((0, 0), (2, 0))
    assert tip.half_width > shaft.half_width
    assert point.end == (2.0, 0.0)
    assert shaft.start == (0.0, 0.0)


def test_label_goes_beyond_the_tip_when_free() -> None:
    board = Board()
    board.add_segments("x", arrow_segments((0, 0), (2, 0)))
    spot = board.place("x label", label_spots((0, 0), (2, 0), 0.4, 0.4), 0.4, 0.4)
    assert spot.center[0] > 2
    assert abs(spot.center[1]) < 1e-9
    assert spot.leader_to is None


def test_label_avoids_another_arrow_on_its_tip() -> None:
    # u and x parallel, x longer: x's label must not sit on x's own shaft, nor u's label on x.
    board = Board()
    board.add_segments("x", arrow_segments((0, 0), (3, 0)))
    board.add_segments("u", arrow_segments((0, 0), (1.5, 0)))
    size = (0.4, 0.4)
    spot = board.place("u label", label_spots((0, 0), (1.5, 0), *size), *size)
    label = box_around(spot.center, *size)
    assert not any(s.hits(label) for s in board.segments["x"])
    assert not any(s.hits(label) for s in board.segments["u"])


def test_label_keeps_clear_of_other_labels_and_lines() -> None:
    board = Board()
    board.add_segments("span", path_segments(np.array([[-7.0, 0.0], [7.0, 0.0]])))
    board.add_box("y label", box_around((2.45, 0.3), 0.5, 0.4))
    spot = board.place("z label", label_spots((0, 1), (2, 0.3), 0.4, 0.4), 0.4, 0.4)
    mine = box_around(spot.center, 0.4, 0.4)
    assert board.crowding(mine, ignore={"z label"}) == 0
    assert not boxes_overlap(mine, board.boxes["y label"])


def test_crowded_tip_uses_a_leader_line() -> None:
    board = Board()
    tip = np.array([1.0, 1.0])
    # Every spot next to the arrow and its tip is taken by a big box around them.
    board.add_box("crowd", Box(-0.8, 1.8, -0.8, 1.8))
    spot = board.place("x", label_spots((0, 0), tip, 0.3, 0.3), 0.3, 0.3)
    assert spot.leader_to == (1.0, 1.0)
    assert not boxes_overlap(box_around(spot.center, 0.3, 0.3), board.boxes["crowd"])


def test_further_rings_free_a_label_from_a_wide_crowd() -> None:
    # A crowd wider than the first three rings (1.2 out): no free spot, unless rings reach
    # past it, as the default ones do.
    board = Board()
    tip = np.array([1.0, 1.0])
    crowd = Box(-1.5, 3.4, -1.5, 3.4)
    board.add_box("crowd", crowd)
    near = board.place("x", label_spots((0, 0), tip, 0.3, 0.3, rings=RINGS[:3]), 0.3, 0.3)
    assert boxes_overlap(box_around(near.center, 0.3, 0.3), crowd)
    spot = board.place("x", label_spots((0, 0), tip, 0.3, 0.3), 0.3, 0.3)
    assert spot.leader_to == (1.0, 1.0)
    assert not boxes_overlap(box_around(spot.center, 0.3, 0.3), crowd)


def test_a_leader_line_goes_where_it_crosses_nothing() -> None:
    # Two free spots joined to the tip (1, 0) by a leader line; the first one's line crosses
    # a wall and a label on the way, the second's nothing: the board takes the second.
    board = Board()
    tip = (1.0, 0.0)
    board.add_segments("wall", path_segments(np.array([[2.0, -3.0], [2.0, 0.2]])))
    board.add_box("other label", Box(1.3, 1.6, 0.3, 0.6))
    across = Spot((2.6, 0.0), leader_to=tip)
    through = Spot((2.6, 1.0), leader_to=tip)
    clear = Spot((1.0, -1.0), leader_to=tip)
    assert board.crossings(across, box_around(across.center, 0.3, 0.3)) == 1
    assert board.crossings(through, box_around(through.center, 0.3, 0.3)) == 1
    assert board.crossings(clear, box_around(clear.center, 0.3, 0.3)) == 0
    for spot in (across, through, clear):
        assert board.crowding(box_around(spot.center, 0.3, 0.3), ignore={"x"}) == 0
    assert board.place("x", [across, through, clear], 0.3, 0.3) == clear
    # With no clean way out, the line crossing least is taken, not a spot on something.
    board.add_box("below", Box(0.8, 1.2, -1.2, -0.8))
    assert board.place("x", [across, clear], 0.3, 0.3) == across


def test_nothing_is_placed_outside_the_safe_area_if_a_free_spot_exists() -> None:
    # An arrow pointing into the bottom-right corner: its label turns back inside.
    end = (SAFE.right - 0.05, SAFE.bottom + 0.05)
    board = Board()
    board.add_segments("a", arrow_segments((0, 0), end))
    spot = board.place("a label", label_spots((0, 0), end, 0.6, 0.4), 0.6, 0.4)
    assert board.crowding(box_around(spot.center, 0.6, 0.4), ignore={"a label"}) == 0


@given(
    st.floats(-6, 6),
    st.floats(-2.5, 3.5),
    st.floats(0.2, 1.5),
    st.floats(0.2, 0.6),
)
def test_the_chosen_spot_is_recorded_and_never_worse_than_the_first(
    x: float, y: float, w: float, h: float
) -> None:
    board = Board()
    board.add_segments("a", arrow_segments((0, 0), (x, y)))
    spots = label_spots((0, 0), (x, y), w, h)
    first_cost = board.crowding(box_around(spots[0].center, w, h), ignore={"l"})
    spot = board.place("l", spots, w, h)
    assert board.boxes["l"] == box_around(spot.center, w, h)
    assert board.crowding(board.boxes["l"], ignore={"l"}) <= first_cost


def test_clamp_moves_a_box_back_inside() -> None:
    box = Box(SAFE.right - 0.2, SAFE.right + 0.3, 0.0, 0.5)
    dx, dy = clamp_into(box)
    assert dx == pytest.approx(-0.3)
    assert dy == 0.0
    assert clamp_into(Box(0, 1, SAFE.bottom - 1, SAFE.bottom)) == (0.0, 1.0)


def test_spot_is_hashable_value() -> None:
    assert Spot((1.0, 2.0)) == Spot((1.0, 2.0))


@given(
    st.lists(st.tuples(*[st.floats(-5, 5)] * 4, st.floats(0, 0.3)), min_size=1, max_size=20),
    st.floats(-3, 3),
    st.floats(-3, 3),
)
def test_many_segments_at_once_agree_with_one_at_a_time(
    rows: list[tuple[float, ...]], x: float, y: float
) -> None:
    box = box_around((x, y), 0.8, 0.5)
    table = np.array(rows, dtype=float)
    one_by_one = [segment_hits_box(r[:2], r[2:4], box, r[4]) for r in rows]
    assert list(segments_hit_box(table, box)) == one_by_one
