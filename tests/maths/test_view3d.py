"""The 3-D view maths: manim's camera rotation, the camera chosen from the data, the picture
fitted to the frame, label placement, and the rank-2 scene's turning axis."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lowrank_anim.maths.layout import Box
from lowrank_anim.maths.model import (
    TURN_SPREAD_KEPT,
    LowRankUpdate,
    change,
    default_rank_two,
    span_normal,
    turned_inputs,
    turning_axis,
)
from lowrank_anim.maths.view3d import (
    MIN_OPENNESS,
    CameraAngle,
    camera_choices,
    choose_camera,
    covered_shares,
    fill_fraction,
    fit_picture,
    grow,
    hidden_count,
    hidden_pairs,
    openness,
    polygon_meets_box,
    rotation,
)

ANGLES = st.floats(-math.pi, math.pi, allow_nan=False)
VECTORS = arrays(np.float64, 3, elements=st.floats(-10, 10, allow_nan=False))
BOX = Box(-6.9, 6.9, -2.8, 3.76)
PANEL = Box(-6.8, -1.6, 1.0, 3.7)


@settings(max_examples=20, deadline=None)
@given(phi=st.floats(0, math.pi, allow_nan=False), theta=ANGLES)
def test_rotation_is_manims(phi: float, theta: float) -> None:
    from manim.camera.three_d_camera import ThreeDCamera

    camera = ThreeDCamera()
    camera.set_phi(phi)
    camera.set_theta(theta)
    np.testing.assert_allclose(rotation(phi, theta), camera.generate_rotation_matrix(), atol=1e-12)
    # Its third row points at the camera.
    np.testing.assert_allclose(
        rotation(phi, theta)[2], CameraAngle(phi, theta).direction, atol=1e-12
    )


@settings(max_examples=10, deadline=None)
@given(normal=VECTORS, points=arrays(np.float64, (6, 3), elements=st.floats(-5, 5)))
def test_the_plane_is_never_seen_edge_on(normal: np.ndarray, points: np.ndarray) -> None:
    if np.linalg.norm(normal) < 1e-3:
        return
    camera = choose_camera(points, normal, BOX, 0.4)
    assert openness(camera, normal) >= MIN_OPENNESS
    # ... i.e. the viewing direction is at least ~33° away from lying in the plane.
    unit = normal / np.linalg.norm(normal)
    assert math.degrees(math.asin(abs(float(camera.direction @ unit)))) > 33
    assert math.radians(50) - 1e-9 <= camera.phi <= math.radians(80) + 1e-9, "from above"


def test_the_camera_prefers_the_view_that_shows_the_picture_largest() -> None:
    # A flat, wide picture in the horizontal plane: seen from well above it is tall enough
    # to be height-limited least, so the chosen view is the one with the largest fit.
    points = np.array([[3.0, 0, 0], [-3.0, 0, 0], [0, 1.0, 0], [0, -1.0, 0], [0, 0, 0.5]])
    camera = choose_camera(points, [0, 0, 1], BOX, 0.4)
    picked = fit_picture(points, camera, BOX, 0.4).scale
    for phi in (50, 65, 80):
        for theta in (-90, -45, 0, 30):
            other = CameraAngle(math.radians(phi), math.radians(theta))
            if openness(other, [0, 0, 1]) >= MIN_OPENNESS:
                assert picked >= 0.97 * fit_picture(points, other, BOX, 0.4).scale - 1e-9


@settings(max_examples=15, deadline=None)
@given(points=arrays(np.float64, (8, 3), elements=st.floats(-1e3, 1e3, allow_nan=False)))
def test_the_fitted_picture_stays_in_its_box_and_clear_of_the_panel(points: np.ndarray) -> None:
    camera = CameraAngle(math.radians(60), math.radians(-50))
    view = fit_picture(points, camera, BOX, 0.4, avoid=PANEL)
    screen = camera.project(np.array([view.to_scene(p) for p in points]))
    inner = grow(BOX, -0.4 + 1e-6)
    assert np.all(screen[:, 0] >= inner.left)
    assert np.all(screen[:, 0] <= inner.right)
    assert np.all(screen[:, 1] >= inner.bottom)
    assert np.all(screen[:, 1] <= inner.top)
    # No point of the picture (nor any segment between two, its hull) under the panel.
    for a in screen:
        for b in screen:
            assert not polygon_meets_box(np.array([a, b]), grow(PANEL, 0.4 - 1e-6))


def test_the_default_rank_two_picture_fills_most_of_the_frame_height() -> None:
    from scenes.rank_two import PANEL_BOX, PICTURE_BOX, patch_corners, plan

    steps = plan(default_rank_two())
    o = np.zeros(3)
    # What the last frame draws: axes, the plane through the origin, and every arrow.
    points = [*np.diag(steps.axes_low), *np.diag(steps.axes_high)]
    points += patch_corners(steps.sides, o, steps.span_reach)
    points += [o, steps.u1, steps.u2, *(p for r in steps.results for p in (r.x, r.y, r.z))]
    screen = steps.camera.project(np.array([steps.view.to_scene(p) for p in points]))
    assert fill_fraction(screen) >= 0.6
    assert all(PICTURE_BOX.contains(p) and not PANEL_BOX.contains(p) for p in screen)


def test_polygon_meets_box() -> None:
    box = Box(0, 1, 0, 1)
    assert polygon_meets_box(np.array([[0.5, 0.5], [2, 2], [2, 0.5]]), box)
    assert not polygon_meets_box(np.array([[1.2, 0], [2, 0], [2, 1]]), box)
    # The bounding boxes overlap but the triangle passes beside the corner.
    assert not polygon_meets_box(np.array([[0.9, 1.5], [1.5, 0.9], [2, 2]]), box)
    assert polygon_meets_box(np.array([[-1, 0.5], [2, 0.5]]), box), "a segment through the box"


def old_axis_changes(update: LowRankUpdate, x: np.ndarray) -> np.ndarray:
    return change(update, turned_inputs(x, 3))


@pytest.mark.parametrize("x", [[0, 0, 1], [0, 0, -2.5], [1.5, 1, 1], [0.001, 0, 0]])
def test_the_turning_axis_gives_distinct_inputs_and_changes(x: list[float]) -> None:
    update = default_rank_two().update
    axis = turning_axis(update, x)
    assert abs(float(axis @ np.asarray(x))) < 1e-9 * max(1, float(np.linalg.norm(x)))
    inputs = turned_inputs(x, 3, axis)
    changes = change(update, inputs)
    np.testing.assert_allclose(inputs[0], x, atol=1e-12)
    length = float(np.linalg.norm(x))
    for i, j in ((0, 1), (0, 2), (1, 2)):
        # Inputs a third of a turn apart on a great circle: √3·|x| from one another.
        assert np.linalg.norm(inputs[i] - inputs[j]) == pytest.approx(math.sqrt(3) * length)
        assert np.linalg.norm(changes[i] - changes[j]) > 0.1 * length
    gap = min(np.linalg.norm(changes[i] - changes[j]) for i, j in ((0, 1), (0, 2), (1, 2)))
    old = old_axis_changes(update, np.asarray(x, dtype=float))
    old_gap = min(np.linalg.norm(old[i] - old[j]) for i, j in ((0, 1), (0, 2), (1, 2)))
    # The axis gives up a little of the spread so each turn's z shows apart from its y.
    assert gap >= TURN_SPREAD_KEPT * old_gap - 1e-12, "nearly as good as the vertical axis"


def test_each_turned_input_shows_its_change_beside_its_output() -> None:
    """With W near the identity, x, y = Wx and z point almost the same way; the turns are
    chosen so that each turn's z = y + Δ still points well away from its y and x (the axis
    of greatest spread alone left z₂ 1.8° from y₂, drawn over it from every side)."""
    update = default_rank_two().update
    x = np.array([1.5, 1.0, 1.0])
    for inp in turned_inputs(x, 3, turning_axis(update, x))[1:]:
        result = update.apply(inp)
        for other in (result.y, result.x):
            sine = np.linalg.norm(np.cross(result.z, other))
            sine /= np.linalg.norm(result.z) * np.linalg.norm(other)
            assert math.degrees(math.asin(sine)) > 8


@settings(max_examples=15, deadline=None)
@given(
    U=arrays(np.float64, (3, 2), elements=st.floats(-3, 3, allow_nan=False)),
    V=arrays(np.float64, (3, 2), elements=st.floats(-3, 3, allow_nan=False)),
    x=VECTORS,
)
def test_turned_inputs_never_alike(U: np.ndarray, V: np.ndarray, x: np.ndarray) -> None:
    if min(np.linalg.norm(x), *np.linalg.norm(V, axis=0)) < 1e-2:
        return
    if np.linalg.norm(np.cross(U[:, 0], U[:, 1])) <= 1e-2 * np.prod(np.linalg.norm(U, axis=0)):
        return  # the params refuse u₁ ∥ u₂ (or zero): there is no plane
    update = LowRankUpdate(np.eye(3), U, V)
    span_normal(update)  # a plane, as the params require
    changes = change(update, turned_inputs(x, 3, turning_axis(update, x)))
    scale = float(np.linalg.norm(U @ V.T, 2)) * float(np.linalg.norm(x))
    flat = np.linalg.norm(np.cross(V[:, 0], V[:, 1])) <= 1e-2 * np.prod(np.linalg.norm(V, axis=0))
    if flat and np.linalg.norm(np.cross(V[:, 0], x)) <= 1e-2 * np.linalg.norm(
        V[:, 0]
    ) * np.linalg.norm(x):
        return  # (nearly) v₁ ∥ v₂ with x along them: refused when exact (test_params)
    gaps = [np.linalg.norm(changes[i] - changes[j]) for i, j in ((0, 1), (0, 2), (1, 2))]
    assert min(gaps) > 1e-3 * scale


def test_covered_shares_measure_how_much_of_an_arrow_lies_under_another() -> None:
    # Two arrows from the origin 90° apart meet only near it; one drawn along another is
    # under it for as far as the other reaches.
    apart = np.array([[[[0, 0], [2, 0]], [[0, 0], [0, 2]]]], dtype=float)
    along = np.array([[[[0, 0], [2, 0]], [[0, 0], [1, 0.01]]]], dtype=float)
    assert covered_shares(apart).max() < 0.1
    shares = covered_shares(along)[0]
    assert shares[0, 1] == 1.0  # the short one lies wholly under the long one
    assert 0.4 < shares[1, 0] < 0.7  # the long one, as far as the short one goes
    assert shares[0, 0] == shares[1, 1] == 0.0


def test_the_default_camera_shows_x_y_and_z_apart() -> None:
    """W is near the identity, so x, y = Wx and z point within 13° of one another: the camera
    is chosen so that none lies mostly under another, where the view showing the picture
    largest alone drew x wholly under y."""
    from scenes.rank_two import plan

    steps = plan(default_rank_two())
    first = steps.results[0]
    o = np.zeros(3)
    arrows = np.array([(o, first.x), (o, first.y), (o, first.z)])
    shown = steps.camera.project(arrows.reshape(-1, 3)).reshape(1, 3, 2, 2) * steps.view.scale
    assert covered_shares(shown, 0.06).max() <= 0.5
    largest = CameraAngle(math.radians(80), math.radians(-95))  # the choice before
    shown = largest.project(arrows.reshape(-1, 3)).reshape(1, 3, 2, 2) * steps.view.scale
    assert covered_shares(shown, 0.06)[0, 1, 0] == 1.0, "x wholly under y"


def test_hidden_pairs_count_an_arrow_the_view_puts_under_another() -> None:
    """One arrow drawn along another on screen is hidden under it when the two lie apart in
    space (the camera's doing), not when they lie on each other there too (the maths'), nor
    when its tip stands clear, nor when it is too short to be drawn."""
    long = [[0, 0], [2, 0]]
    along = [[0, 0], [1.5, 0.01]]
    shown = np.array([long, along], dtype=float)
    flat = np.concatenate([shown, np.zeros((2, 2, 1))], axis=-1)
    deep = flat.copy()
    deep[1, :, 2] = 3.0  # the same on screen, three units nearer the camera
    hidden, shares = hidden_pairs(shown, deep)
    assert hidden[1, 0], "the short one under the long one"
    assert not hidden[0, 1], "not the long one under the short one"
    assert shares[1, 0] == 1.0
    assert shares[0, 0] == 0.0
    assert not hidden_pairs(shown, flat)[0].any(), "lying on each other in space: the maths"
    clear = np.array([long, [[0, 0], [2.0, 0.6]]], dtype=float)  # its tip 0.6 above
    clear_deep = np.concatenate([clear, [[[0], [0]], [[3], [3]]]], axis=-1)
    assert not hidden_pairs(clear, clear_deep)[0].any(), "a tip standing clear reads"
    short = np.array([long, [[1, 0], [1.05, 0.0]]], dtype=float)
    short_deep = np.concatenate([short, [[[0], [0]], [[3], [3]]]], axis=-1)
    assert not hidden_pairs(short, short_deep)[0].any(), "too short to draw: not counted"


def test_the_audit_counts_arrows_by_the_cameras_measure() -> None:
    """The frame audit's arrow/arrow check finds exactly the pairs :func:`hidden_pairs` does
    (the camera is chosen by what the audit counts), for random arrows seen from random
    angles, some drawn nearly along others."""
    from bench.audit.frames import Inventory, hidden_arrows
    from lowrank_anim.maths import placement

    rng = np.random.default_rng(7)
    found_any = 0
    for _ in range(60):
        count = int(rng.integers(2, 6))
        space = rng.normal(size=(count, 2, 3))
        space[int(rng.integers(1, count)), 1] = space[0, 1] + rng.normal(scale=0.05, size=3)
        camera = CameraAngle(rng.uniform(0.8, 1.4), rng.uniform(-3, 3))
        shown = camera.project(space.reshape(-1, 3)).reshape(-1, 2, 2)
        found = Inventory()  # as the audit takes stock: arrows long enough to be drawn
        for index, (start, end) in enumerate(shown):
            segments = placement.arrow_segments(start, end)
            if segments:
                found.arrows.append((f"a{index}", segments, BOX))
                found.arrow_ends.append((space[index, 0], space[index, 1]))
                found.arrow_strength.append(1.0)
        hidden = hidden_pairs(shown, space)[0]
        expected = {(f"a{i}", f"a{j}") for i, j in np.argwhere(hidden)}
        counted = {tuple(d.what.split(" under ")) for d in hidden_arrows(found, "beat")}
        assert counted == expected
        found_any += len(expected)
    assert found_any, "no hidden arrow among the random pictures: the test shows nothing"


def test_the_choices_come_best_first_and_never_twice() -> None:
    points = np.array([[0, 0, 0], [3, 1, 0], [0, 2, 1], [1, -1, 2]], dtype=float)
    groups = [np.array([[[0, 0, 0], [3, 1, 0]], [[0, 0, 0], [2.9, 1.1, 0.2]]])]
    choices = list(camera_choices(points, [0, 0, 1], BOX, 0.4, apart=groups))
    assert choices[0] == choose_camera(points, [0, 0, 1], BOX, 0.4, apart=groups)
    assert len(set(choices)) == len(choices) > 100
    assert all(openness(c, [0, 0, 1]) >= MIN_OPENNESS for c in choices)


#: Numbers for which the camera chosen at the estimated size hid an arrow at the size the
#: picture is drawn (``bench.audit --seed 10``, 500 sets: sets 1, 5 and 16).
HIDING_BEFORE = [
    "W=-3.99,-3.57,-1.04;-2.14,-1.69,-0.16;-0.6,2.67,-3.74 U=0.75,1.03,-3.63;1.46,24.9,-3.55 "
    "V=0.84,2.61,3.74;-3.86,-3.14,-0.0267 x=0.00263,0.9,0.0737",
    "W=-0.00227,0.453,3.71;-0.04,-1.17,-1.65;-0.0497,3.6,1.72 U=-1.05,-1.57,1.1;-0.105,2.7,18.7 "
    "V=-1.27,-2.74,0.79;0.121,-5.36,3.41 x=1.29,0.0826,-1.76",
]


@pytest.mark.parametrize("numbers", HIDING_BEFORE)
def test_the_plan_hides_no_arrow_at_the_size_it_draws(numbers: str) -> None:
    from lowrank_anim.maths.params import build_example, parse_assignments
    from lowrank_anim.registry import SCENES
    from scenes.rank_two import make_plan, shown_together

    spec = SCENES["RankTwoUpdate"]
    example = build_example(spec.name, spec.model, parse_assignments(numbers.split()))
    assert example is not None
    steps = make_plan(example)
    groups = shown_together(steps.u1, steps.u2, steps.results)
    assert hidden_count(steps.camera, steps.view.scale, groups) == 0
