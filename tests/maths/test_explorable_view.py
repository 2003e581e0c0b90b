"""The explorable figure's view: every arrow a reader can make, for every x in the drag
square, stays inside the figure with room for its label (pure numpy, no browser)."""

from __future__ import annotations

import numpy as np
import pytest

from lowrank_anim.maths.explorable_view import (
    MARGIN_PX,
    MAX_ASPECT,
    MIN_ASPECT,
    WIDTH_PX,
    domain_corners,
    drag_half_width,
    explorable_view,
    fit_figure,
    grid_step,
    nice_ceil,
)
from lowrank_anim.maths.model import Example, LowRankUpdate, default_rank_one


def arrow_ends(example: Example, x: np.ndarray) -> list[np.ndarray]:
    """Every point the figure draws for input x, computed here from the definitions."""
    W, u, v = example.update.W, example.update.u, example.update.v
    y = W @ x
    alpha = float(v @ x)
    z = y + alpha * u
    shadow = (alpha / float(v @ v)) * v
    return [np.zeros(2), u, v, x, y, z, shadow]


def random_examples(count: int, seed: int = 7) -> list[Example]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        scale = 10.0 ** rng.uniform(-2, 2.5)
        W, u, v, x = (rng.normal(size=s) * scale for s in ((2, 2), 2, 2, 2))
        out.append(Example(LowRankUpdate(W=W, U=u[:, None], V=v[:, None]), x=x))
    return [default_rank_one(), *out]


@pytest.mark.parametrize("example", random_examples(40), ids=lambda e: f"x={e.x.round(2)}")
def test_every_arrow_for_every_x_in_the_square_fits_with_its_margin(example: Example) -> None:
    half_width, view = explorable_view(example)
    rng = np.random.default_rng(1)
    inputs = [*domain_corners(half_width), *rng.uniform(-half_width, half_width, size=(200, 2))]
    for x in inputs:
        for point in arrow_ends(example, np.asarray(x)):
            assert view.contains(point, MARGIN_PX - 1e-6), (x, point, view)


@pytest.mark.parametrize("example", random_examples(40), ids=lambda e: f"x={e.x.round(2)}")
def test_the_square_holds_the_starting_x_and_v_and_the_view_has_one_scale(
    example: Example,
) -> None:
    half_width, view = explorable_view(example)
    assert np.abs(example.x).max() <= half_width
    assert np.abs(example.update.v).max() <= half_width
    assert view.width == WIDTH_PX
    assert MIN_ASPECT * WIDTH_PX - 1e-6 <= view.height <= MAX_ASPECT * WIDTH_PX + 1e-6
    # One scale for both axes: a circle stays a circle.
    assert view.height / (view.ymax - view.ymin) == pytest.approx(view.scale, rel=1e-9)


def test_a_view_fitted_to_the_starting_arrows_only_loses_z_at_a_corner() -> None:
    """Why the corners are fitted: the naive view (the first x's arrows) cuts z off."""
    example = default_rank_one()
    naive = fit_figure(np.array(arrow_ends(example, example.x)))
    half_width, exact = explorable_view(example)
    corner = np.array([half_width, -half_width])
    z = arrow_ends(example, corner)[5]
    assert not naive.contains(z)
    assert exact.contains(z, MARGIN_PX)


def test_default_figure_numbers() -> None:
    half_width, view = explorable_view(default_rank_one())
    assert half_width == 4.0  # 1.25 × |x₁| = 3.75, rounded up to a nice number
    assert grid_step(view) == 1.0
    assert view.to_pixels(np.array([view.xmin, view.ymax])) == pytest.approx([0, 0])
    assert view.to_pixels(np.array([view.xmax, view.ymin])) == pytest.approx(
        [view.width, view.height]
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [(3.75, 4.0), (1.0, 1.0), (1.01, 1.5), (0.0123, 0.015), (700.0, 800.0), (8.5, 10.0)],
)
def test_nice_ceil(value: float, expected: float) -> None:
    assert nice_ceil(value) == pytest.approx(expected)


def test_drag_square_grows_with_a_long_v() -> None:
    example = Example(LowRankUpdate(W=np.eye(2), U=[[1.0], [0.0]], V=[[0.0], [9.0]]), x=[1, 0])
    assert drag_half_width(example) == 15.0  # 1.25 × 9 = 11.25 → 15


@pytest.mark.parametrize("example", random_examples(30, seed=11), ids=lambda e: f"x={e.x.round(2)}")
def test_every_arrow_for_x_on_its_circle_fits_with_its_margin(example: Example) -> None:
    """InputSweep's figure: x turns on the circle through the starting x."""
    radius, view = explorable_view(example, circle=True)
    assert radius == pytest.approx(float(np.linalg.norm(example.x)))
    for angle in np.linspace(0, 2 * np.pi, 360, endpoint=False):
        x = radius * np.array([np.cos(angle), np.sin(angle)])
        for point in arrow_ends(example, x):
            assert view.contains(point, MARGIN_PX - 1e-6), (angle, point, view)


def test_the_circles_view_is_tight() -> None:
    """The ellipses' extents are exact: some arrow end touches the margin's edge."""
    example = default_rank_one()
    radius, view = explorable_view(example, circle=True)
    angles = np.linspace(0, 2 * np.pi, 5000, endpoint=False)
    ends = np.array(
        [p for a in angles for p in arrow_ends(example, radius * np.array([np.cos(a), np.sin(a)]))]
    )
    pixels = np.array([view.to_pixels(p) for p in ends])
    closest = min(pixels[:, 0].min(), view.width - pixels[:, 0].max())
    closest = min(closest, pixels[:, 1].min(), view.height - pixels[:, 1].max())
    assert closest == pytest.approx(MARGIN_PX, abs=0.2)
