"""The explorable figure's geometry: the square a reader may drag x in, and the view that shows
every arrow for every x in it.

``z = (W + u vᵀ) x`` is linear in x, and so are ``y = W x``, ``α u`` and the shadow of x on v.
A linear map sends the square's corners to the corners of a parallelogram that holds the
images of every point of the square, so a view that holds the images of the four corners
(and 0, u, v) holds every arrow the reader can make: x is clamped to the square in the page,
and no arrow ever leaves the figure.  InputSweep's figure keeps x on a circle instead, whose
images are ellipses with exactly known extents (:func:`circle_points`).  Pure numpy, tested
on its own (``tests/maths/test_explorable_view.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from lowrank_anim.maths.layout import nice_step
from lowrank_anim.maths.model import Example

#: The figure's width in SVG user units (CSS pixels at 100 %); its height follows the view.
WIDTH_PX = 640.0
#: The flattest and the tallest the figure may be (height / width).
MIN_ASPECT, MAX_ASPECT = 9 / 16, 1.0
#: Room around the fitted points, in pixels, for the labels beyond the tips.
MARGIN_PX = 36.0
#: The square the reader drags x in is this much wider than the starting x and v.
DOMAIN_ROOM = 1.25
#: Steps of the range inputs and arrow keys across the square (a side has this many).
STEPS_PER_SIDE = 80
#: Grid lines at least this many pixels apart.
GRID_SPACING_PX = 40.0


@dataclass(frozen=True)
class FigureView:
    """Model coordinates shown in a ``width × height`` pixel figure, one scale for both axes."""

    xmin: float
    xmax: float
    ymin: float
    ymax: float
    width: float
    height: float

    @property
    def scale(self) -> float:
        """Pixels per model unit."""
        return self.width / (self.xmax - self.xmin)

    def to_pixels(self, point: NDArray[np.float64]) -> NDArray[np.float64]:
        """A model point in the figure's pixels (y grows downwards, as in SVG)."""
        p = np.asarray(point, dtype=float)
        return np.array([(p[0] - self.xmin) * self.scale, (self.ymax - p[1]) * self.scale])

    def contains(self, point: NDArray[np.float64], margin_px: float = 0.0) -> bool:
        """Whether ``point`` lies at least ``margin_px`` pixels inside the figure."""
        px = self.to_pixels(point)
        return bool(
            margin_px - 1e-9 <= px[0] <= self.width - margin_px + 1e-9
            and margin_px - 1e-9 <= px[1] <= self.height - margin_px + 1e-9
        )

    def as_json(self) -> dict[str, float]:
        return {
            "xmin": self.xmin,
            "xmax": self.xmax,
            "ymin": self.ymin,
            "ymax": self.ymax,
            "width": self.width,
            "height": self.height,
        }


def nice_ceil(value: float) -> float:
    """The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10ᵏ at least ``value`` (> 0): a domain
    edge a reader reads at a glance on the range inputs."""
    if value <= 0 or not math.isfinite(value):
        raise ValueError(f"value must be positive and finite, got {value}")
    power = 10.0 ** math.floor(math.log10(value))
    for factor in (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if factor * power >= value * (1 - 1e-12):
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def drag_half_width(example: Example) -> float:
    """Half the side of the square ``[-h, h]²`` x may be dragged in: room around the starting
    x and around v (so x can be laid along v), rounded up to a nice number."""
    reach = max(float(np.abs(example.x).max()), float(np.abs(example.update.v).max()))
    return nice_ceil(DOMAIN_ROOM * reach)


def domain_corners(half_width: float) -> NDArray[np.float64]:
    """The four corners of ``[-h, h]²`` (rows)."""
    h = half_width
    return np.array([[-h, -h], [h, -h], [h, h], [-h, h]], dtype=float)


def reachable_points(example: Example, half_width: float) -> NDArray[np.float64]:
    """Every arrow end the figure can show, for every x in the square, as the few points whose
    bounding box holds them all: 0, u, v, and the corners' x, y, z and shadow on v."""
    update = example.update
    v = update.v
    corners = domain_corners(half_width)
    shadow = np.outer(corners @ v, v) / float(v @ v)
    images = [corners, corners @ update.W.T, corners @ update.W_prime.T, shadow]
    fixed = np.array([[0.0, 0.0], update.u, v])
    return np.vstack([fixed, *images])


def circle_points(example: Example, radius: float) -> NDArray[np.float64]:
    """Like :func:`reachable_points` for x on the circle of ``radius`` (InputSweep's inputs):
    a linear map M sends the circle to an ellipse whose extent along axis i is
    ``radius · |row i of M|``, so the corners of those extents hold it exactly."""
    update = example.update
    v = update.v
    maps = [np.eye(2), update.W, update.W_prime, np.outer(v, v) / float(v @ v)]
    signs = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]], dtype=float)
    boxes = [signs * (radius * np.linalg.norm(m, axis=1)) for m in maps]
    fixed = np.array([[0.0, 0.0], update.u, v])
    return np.vstack([fixed, *boxes])


def fit_figure(points: NDArray[np.float64], width: float = WIDTH_PX) -> FigureView:
    """The view that holds ``points`` with :data:`MARGIN_PX` to spare on every side, at a
    height between :data:`MIN_ASPECT` and :data:`MAX_ASPECT` of ``width`` (the shorter
    direction is widened about its middle, never cut)."""
    pts = np.asarray(points, dtype=float)
    if not np.all(np.isfinite(pts)):
        raise ValueError("cannot fit non-finite points in the figure")
    low, high = pts.min(axis=0), pts.max(axis=0)
    extent = np.maximum(high - low, 1e-9 * max(1.0, float(np.abs(pts).max())))
    room_w = width - 2 * MARGIN_PX
    # The scale that fits the width, and the one that fits the tallest figure allowed.
    scale = min(room_w / extent[0], (width * MAX_ASPECT - 2 * MARGIN_PX) / extent[1])
    height = min(max(extent[1] * scale + 2 * MARGIN_PX, width * MIN_ASPECT), width * MAX_ASPECT)
    half_w, half_h = width / scale / 2, height / scale / 2
    centre = (low + high) / 2
    return FigureView(
        xmin=float(centre[0] - half_w),
        xmax=float(centre[0] + half_w),
        ymin=float(centre[1] - half_h),
        ymax=float(centre[1] + half_h),
        width=float(width),
        height=float(height),
    )


def explorable_view(example: Example, circle: bool = False) -> tuple[float, FigureView]:
    """The drag square's half-width and the view that shows every x in it; with ``circle``,
    x stays on the circle through the starting x (InputSweep), and the view fits that."""
    if circle:
        radius = float(np.linalg.norm(example.x))
        return radius, fit_figure(circle_points(example, radius))
    half_width = drag_half_width(example)
    return half_width, fit_figure(reachable_points(example, half_width))


def grid_step(view: FigureView) -> float:
    """The grid step (1, 2, 5 × 10ᵏ model units) whose lines are at least
    :data:`GRID_SPACING_PX` apart."""
    return nice_step(view.scale, GRID_SPACING_PX)
