"""Fitting any valid picture on screen: the pure functions behind every scene's view."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lowrank_anim.maths.layout import (
    FRAME,
    GEOMETRY_BOX,
    LABEL_MARGIN,
    MAX_SCALE,
    Box,
    View,
    camera_angles,
    fit_view,
    fit_view_3d,
    grid_cover,
    grid_range,
    nice_step,
)

points_2d = arrays(
    np.float64,
    st.tuples(st.integers(1, 12), st.just(2)),
    elements=st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
)


@given(points_2d)
def test_every_point_fits_inside_the_box_with_room_for_labels(points: np.ndarray) -> None:
    view = fit_view(points)
    inner = Box(
        GEOMETRY_BOX.left + LABEL_MARGIN,
        GEOMETRY_BOX.right - LABEL_MARGIN,
        GEOMETRY_BOX.bottom + LABEL_MARGIN,
        GEOMETRY_BOX.top - LABEL_MARGIN,
    )
    for p in [*points, np.zeros(2)]:
        assert inner.contains(view.to_scene(p), tol=1e-6), p
    assert view.scale > 0
    assert math.isfinite(view.scale)


@given(points_2d)
def test_the_view_is_as_large_as_fits(points: np.ndarray) -> None:
    view = fit_view(points)
    pts = np.vstack([points, np.zeros((1, 2))])
    extent = pts.max(axis=0) - pts.min(axis=0)
    room = np.array([GEOMETRY_BOX.width, GEOMETRY_BOX.height]) - 2 * LABEL_MARGIN
    if view.scale < MAX_SCALE and extent.max() > 0:
        # One direction is filled exactly: no smaller zoom than needed.
        used = extent * view.scale / room
        assert used.max() == pytest.approx(1.0)


def test_view_round_trips_and_zooms_tiny_and_huge_pictures() -> None:
    tiny = fit_view([[0.001, 0.002]])
    huge = fit_view([[900.0, -700.0]])
    assert tiny.scale > 1000
    assert huge.scale < 0.01
    for view in (tiny, huge, View(2.0, (1.0, -1.0, 0.0))):
        p = np.array([0.3, -0.2])
        np.testing.assert_allclose(view.to_model(view.to_scene(p)), p, atol=1e-12)


def test_degenerate_pictures_still_fit() -> None:
    assert fit_view([[0.0, 0.0]]).scale == 1.0
    flat = fit_view([[3.0, 0.0]])  # no height: fitted by its width
    assert GEOMETRY_BOX.contains(flat.to_scene([3.0, 0.0]))
    with pytest.raises(ValueError, match="non-finite"):
        fit_view([[np.inf, 0.0]])


@given(arrays(np.float64, (5, 3), elements=st.floats(-1e3, 1e3, allow_nan=False)))
def test_3d_points_stay_in_frame_from_any_angle(points: np.ndarray) -> None:
    view = fit_view_3d(points)
    for p in points:
        # The farthest a point can appear from the centre, whatever the camera does.
        assert np.linalg.norm(view.to_scene(p)) <= FRAME.top - LABEL_MARGIN * 0.7 + 1e-9


@pytest.mark.parametrize(
    ("scale", "step"),
    [(1.0, 1.0), (1.6, 1.0), (0.7, 2.0), (0.3, 5.0), (0.007, 200.0), (300, 0.005)],
)
def test_grid_steps_are_round_and_about_a_unit_apart(scale: float, step: float) -> None:
    assert nice_step(scale) == pytest.approx(step)
    assert nice_step(scale) * scale >= 1.0 - 1e-9


def test_grid_range_covers_on_multiples() -> None:
    assert grid_range(-1.2, 3.1, 0.5) == (-1.5, 3.5, 0.5)


def test_camera_angles_match_manims_convention() -> None:
    assert camera_angles([0, 0, 1]) == pytest.approx((0.0, 0.0))
    phi, theta = camera_angles([0, -1, 0])
    assert phi == pytest.approx(math.pi / 2)
    assert theta == pytest.approx(-math.pi / 2)


def test_grid_cover_grows_for_matrices_that_shrink_the_plane() -> None:
    assert grid_cover(np.eye(2)) == 1.5
    assert grid_cover(np.diag([1.0, 0.5])) == 2.0
    assert grid_cover([[1.0, 1.0], [1.0, 1.0]]) == 4.0  # rank 1: as far as we go
