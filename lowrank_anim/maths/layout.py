"""Where the model's numbers go on screen: fit any valid input into the frame.

A scene draws model coordinates through a :class:`View`, a uniform scale and a shift, chosen
by :func:`fit_view` so that every point a scene will draw (arrows' ends, paths, samples) lands
inside the part of the frame kept for geometry, with a margin for the labels beyond the tips.
Panels (equations, readouts, plots) live outside that box, so they never cover an arrow.

Pure numpy, no manim: the fitting is tested on its own (``tests/maths/test_layout.py``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

#: manim's default frame (16:9, 8 units high), whatever the pixel resolution.
FRAME_HALF_WIDTH = 8.0 * 16 / 9 / 2
FRAME_HALF_HEIGHT = 4.0

#: Room kept between a fitted point and the edge of its box: a label beyond an arrow's tip
#: (about 0.45 units of text after a 0.15 buff) must still be inside the frame.
LABEL_MARGIN = 0.7

#: The most a view zooms in (scene units per model unit): the shortest input allowed
#: (``params.MIN_LENGTH`` = 0.001) then still spans several units; anything smaller is a point.
MAX_SCALE = 1e4

#: Aim for grid lines about this far apart on screen (scene units), whatever the zoom.
GRID_SPACING = 1.0


@dataclass(frozen=True)
class Box:
    """An axis-aligned rectangle in scene units (the frame is ±7.11 × ±4)."""

    left: float
    right: float
    bottom: float
    top: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.top - self.bottom

    @property
    def center(self) -> NDArray[np.float64]:
        return np.array([(self.left + self.right) / 2, (self.bottom + self.top) / 2])

    def contains(self, point: ArrayLike, tol: float = 1e-9) -> bool:
        x, y = np.asarray(point, dtype=float)[:2]
        return bool(
            self.left - tol <= x <= self.right + tol and self.bottom - tol <= y <= self.top + tol
        )


#: The whole frame.
FRAME = Box(-FRAME_HALF_WIDTH, FRAME_HALF_WIDTH, -FRAME_HALF_HEIGHT, FRAME_HALF_HEIGHT)

#: Kept free at every edge of the frame: 3 % of its height (a player's frame is cropped by eye).
EDGE_MARGIN = 0.03 * FRAME.height
#: The strip at the bottom that web players cover with controls and captions: 15 % of the
#: height, kept free of panels, labels and key numbers.
BOTTOM_BAND = 0.15 * FRAME.height

#: Width of the left column kept for panels (equations, readouts, the α plot).
PANEL_COLUMN = 5.6

#: The frame right of the panel column, less room on the right for wide labels such as
#: "y = Wx" beyond a tip, and above the bottom band: where 2-D geometry goes.
GEOMETRY_BOX = Box(
    -FRAME_HALF_WIDTH + PANEL_COLUMN,
    FRAME_HALF_WIDTH - 0.5,
    FRAME.bottom + BOTTOM_BAND,
    FRAME.top - EDGE_MARGIN,
)


@dataclass(frozen=True)
class View:
    """Model coordinates → scene points: ``scene = origin + scale · model`` (2-D or 3-D)."""

    scale: float
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def to_scene(self, coords: ArrayLike) -> NDArray[np.float64]:
        """A model point (2 or 3 numbers) as a 3-number scene point."""
        values = np.asarray(coords, dtype=float)
        point = np.zeros(3)
        point[: values.shape[0]] = values
        return np.asarray(self.origin) + self.scale * point

    def to_model(self, point: ArrayLike, dim: int = 2) -> NDArray[np.float64]:
        """A scene point back in model coordinates (the inverse of :meth:`to_scene`)."""
        model: NDArray[np.float64] = (
            np.asarray(point, dtype=float)[:3] - np.asarray(self.origin)
        ) / self.scale
        return model[:dim]

    def visible_range(self, box: Box = FRAME) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """The model coordinates at ``box``'s lower-left and upper-right corners."""
        low = self.to_model([box.left, box.bottom, 0.0])
        high = self.to_model([box.right, box.top, 0.0])
        return low, high


def fit_view(points: ArrayLike, box: Box = GEOMETRY_BOX, margin: float = LABEL_MARGIN) -> View:
    """The largest view that puts every model point (and the origin) inside ``box`` shrunk
    by ``margin`` on each side, centred in it.

    Any finite set of points fits: a tiny picture is zoomed in, a huge one zoomed out, so an
    arrow and its label are on screen for every valid parameter.
    """
    pts = np.asarray(points, dtype=float).reshape(-1, np.shape(points)[-1])[:, :2]
    pts = np.vstack([pts, np.zeros((1, 2))])
    if not np.all(np.isfinite(pts)):
        raise ValueError("cannot fit non-finite points on screen")
    low, high = pts.min(axis=0), pts.max(axis=0)
    extent = high - low
    room = np.array([box.width, box.height]) - 2 * margin
    if np.any(room <= 0):
        raise ValueError(f"the box {box} is smaller than twice the margin {margin}")
    # A picture with no extent in one direction (all points on one axis) is fitted by the
    # other; one with (almost) none at all is zoomed in as far as we go.
    ratios = [room[i] / extent[i] for i in range(2) if extent[i] * MAX_SCALE > room[i]]
    scale = min([*ratios, MAX_SCALE]) if extent.max() > 0 else 1.0
    centre = (low + high) / 2
    origin = box.center - scale * centre
    return View(scale=float(scale), origin=(float(origin[0]), float(origin[1]), 0.0))


def fit_view_3d(points: ArrayLike, half_height: float = FRAME_HALF_HEIGHT) -> View:
    """A view for a 3-D scene whose camera turns: every point (2 or 3 numbers) is kept within
    a ball that stays inside the frame's height from any viewing angle (origin at the centre),
    as long as the camera is far (no perspective enlarging the points nearest to it)."""
    pts = np.asarray(points, dtype=float)
    pts = pts.reshape(-1, pts.shape[-1]) if pts.size else np.zeros((0, 3))
    radius = float(np.max(np.linalg.norm(pts, axis=1))) if len(pts) else 0.0
    if not math.isfinite(radius):
        raise ValueError("cannot fit non-finite points on screen")
    room = half_height - LABEL_MARGIN * 0.7
    return View(scale=min(room / radius, MAX_SCALE) if radius > 0 else 1.0)


def grid_cover(matrix: ArrayLike, most: float = 4.0) -> float:
    """How many frames wide a grid must be so that, once ``matrix`` has moved it, it still
    covers the frame: 1 / (the matrix's smallest stretch), between 1.5 and ``most``.

    A matrix that squashes the plane (rank 1) would need an infinite grid; ``most`` keeps the
    line count sane, and the lines it squashes pile up on one line anyway."""
    singular = np.linalg.svd(np.asarray(matrix, dtype=float), compute_uv=False)
    smallest = float(singular.min())
    if smallest <= 1.0 / most:
        return most
    return max(1.5, min(most, 1.0 / smallest))


def nice_step(scale: float, spacing: float = GRID_SPACING) -> float:
    """The grid step in model units, from 1, 2, 5 × 10ᵏ, whose lines are at least
    ``spacing`` scene units apart at this ``scale``."""
    if scale <= 0 or not math.isfinite(scale):
        raise ValueError(f"scale must be positive and finite, got {scale}")
    target = spacing / scale
    power = 10.0 ** math.floor(math.log10(target))
    for factor in (1, 2, 5, 10):
        step = factor * power
        if step >= target * (1 - 1e-9):
            return step
    return 10 * power  # pragma: no cover - the loop always returns


def grid_range(low: float, high: float, step: float) -> tuple[float, float, float]:
    """A (start, stop, step) range on multiples of ``step`` that covers [low, high]."""
    return (math.floor(low / step) * step, math.ceil(high / step) * step, step)


def camera_angles(direction: ArrayLike) -> tuple[float, float]:
    """manim's (phi, theta) for a camera looking at the origin from ``direction``.

    phi is the angle from the third axis, theta the azimuth measured as manim's ThreeDCamera
    does (its default theta = -π/2 looks from below the second axis onto the plane).
    """
    d = np.asarray(direction, dtype=float)
    d = d / np.linalg.norm(d)
    phi = math.acos(max(-1.0, min(1.0, float(d[2]))))
    theta = math.atan2(float(d[1]), float(d[0]))
    return phi, theta
