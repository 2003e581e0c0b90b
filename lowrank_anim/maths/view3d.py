"""How a 3-D picture is seen: the camera angle chosen from the data, and the picture fitted to
the frame for that angle.

manim's ``ThreeDCamera`` looks at the origin from the direction given by ``phi`` (from the third
axis) and ``theta`` (azimuth); with a far camera (no perspective) a scene point ``p`` lands on
the screen at the first two coordinates of ``R p`` (:func:`rotation`).  Everything here works on
those projected points, so where arrows, the span patch and labels will show is known before
anything renders:

- :func:`choose_camera` picks the angle: the plane span(u₁, u₂) is seen open (never edge-on),
  from a little above, and the projected picture is as large as the free part of the frame
  allows;
- :func:`fit_picture` scales and shifts the picture (a
  :class:`~lowrank_anim.maths.layout.View`) so its projection fills the free part of the frame
  and stays clear of a reserved box (the panel).

Labels are then placed on the projected picture by the 2-D placement board
(:mod:`lowrank_anim.maths.placement`), like every other scene's.

Pure numpy, no manim: tested on its own (``tests/maths/test_view3d.py``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lowrank_anim.maths.layout import FRAME, MAX_SCALE, Box, View
from lowrank_anim.maths.placement import MIN_VISIBLE, TIP_LENGTH

Array = NDArray[np.float64]

#: The plane span(u₁, u₂) must be seen at least this open: |cos| of the angle between the
#: viewing direction and its normal (0 is edge-on, 1 face-on).
MIN_OPENNESS = 0.55
#: CameraAngle elevations tried, radians from the vertical (third) axis: from a little above.
PHIS = np.radians(np.arange(50.0, 81.0, 5.0))
#: Azimuths tried, radians.
THETAS = np.radians(np.arange(-180.0, 180.0, 5.0))
#: How much of the picture's size (scale) a view may give up to show arrows apart.
SIZE_GIVEN = 0.75
#: Two arrows' shafts closer than this on screen (scene units; the strokes' widths and some
#: air, about 5 px at 480p) are drawn over each other ...
STROKE_REACH = 0.1
#: ... and an arrow with more than this share of its shaft under another is hidden.
HIDDEN_SHARE = 0.5
#: Arrows whose shafts run this close in space (scene units) along most of their length lie
#: on each other in the model itself (z on y when α = 0, short arrows from one point): no
#: view parts them, so they do not count against one.
SPACE_REACH = 0.1
#: Covered shares below this are plainly apart: less does not beat a larger picture.
PLAINLY_APART = 0.25
#: An arrow's strokes as a reader sees them (half-widths, scene units): the shaft, and the
#: tip at its widest; overlaps thinner than the slack (about 1 px at 480p) are anti-aliasing.
#: The frame audit measures with the same (:func:`hidden_pairs`).
SHAFT_STROKE, TIP_STROKE, SLACK = 0.03, 0.1, 0.02
#: Points along a shaft where :func:`hidden_pairs` measures its cover.
HIDDEN_SAMPLES = 24
#: Points along a shaft where its cover is measured, over this share of the arrow (its tip
#: beyond: arrows from one point all meet there).
SHAFT_SAMPLES, SHAFT_SHARE = 16, 0.8


@dataclass(frozen=True)
class CameraAngle:
    """manim's ``phi`` and ``theta`` (radians) for a camera far away looking at the origin."""

    phi: float
    theta: float

    @property
    def rotation(self) -> Array:
        return rotation(self.phi, self.theta)

    @property
    def direction(self) -> Array:
        """The unit vector from the origin towards the camera."""
        return viewing_direction(self.phi, self.theta)

    def project(self, points: ArrayLike) -> Array:
        """Scene points (rows of 3) → screen points (rows of 2), as the far camera draws them."""
        pts = np.asarray(points, dtype=float).reshape(-1, 3)
        out: Array = pts @ self.rotation[:2].T
        return out

    def lift(self, screen_offset: ArrayLike) -> Array:
        """The scene vector, parallel to the screen, that the camera shows as ``screen_offset``."""
        out: Array = np.asarray(screen_offset, dtype=float)[:2] @ self.rotation[:2]
        return out


def rotation(phi: float, theta: float) -> Array:
    """The rotation manim's ThreeDCamera applies (gamma = 0): about the third axis by
    −θ − 90°, then about the first by −φ.  Its first two rows are the screen's right and up
    directions in the scene, its third the direction towards the camera."""
    a = -theta - math.pi / 2
    about_z = np.array(
        [[math.cos(a), -math.sin(a), 0.0], [math.sin(a), math.cos(a), 0.0], [0, 0, 1]]
    )
    c, s = math.cos(-phi), math.sin(-phi)
    about_x = np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])
    out: Array = about_x @ about_z
    return out


def viewing_direction(phi: float, theta: float) -> Array:
    """The unit vector from the origin towards a camera at (``phi``, ``theta``)."""
    return np.array(
        [math.sin(phi) * math.cos(theta), math.sin(phi) * math.sin(theta), math.cos(phi)]
    )


def openness(camera: CameraAngle, normal: ArrayLike) -> float:
    """How open a plane with ``normal`` looks: |cos| of the angle between the viewing direction
    and the normal (0 edge-on, 1 face-on)."""
    n = np.asarray(normal, dtype=float)
    return abs(float(camera.direction @ n)) / float(np.linalg.norm(n))


def _fit_scales(screens: Array, room: Array) -> Array:
    """For projected pictures ``screens`` (cameras × points × 2), the scale at which each one's
    bounding box fits ``room`` (width, height)."""
    extent = screens.max(axis=1) - screens.min(axis=1)
    with np.errstate(divide="ignore"):
        ratios = np.where(extent > 0, room / np.maximum(extent, 1e-300), np.inf)
    out: Array = np.minimum(ratios.min(axis=1), MAX_SCALE)
    return out


def covered_shares(screens: Array, reach: float = STROKE_REACH) -> Array:
    """For arrows seen by many cameras (``screens``: cameras × arrows × 2 ends × 2, at the
    size each camera shows them; or × 3, in space), the share of each arrow's shaft that
    lies within ``reach`` of another arrow's: cameras × arrows (covering) × arrows
    (covered), 0 on the diagonal."""
    starts, ends = screens[:, :, 0], screens[:, :, 1]
    ts = (np.arange(SHAFT_SAMPLES) + 0.5) / SHAFT_SAMPLES * SHAFT_SHARE
    # Points along each shaft: cameras × arrows × samples × 2.
    points = starts[:, :, None] + ts[None, None, :, None] * (ends - starts)[:, :, None]
    d = (ends - starts)[:, :, None, None, :]  # cameras × covering × 1 × 1 × 2
    rel = points[:, None] - starts[:, :, None, None, :]  # cameras × covering × covered × samples
    length2 = np.maximum(np.sum(d * d, axis=-1), 1e-300)
    t = np.clip(np.sum(rel * d, axis=-1) / length2, 0.0, 1.0)
    gap = np.linalg.norm(rel - t[..., None] * d, axis=-1)
    shares: Array = np.mean(gap < reach, axis=-1)
    count = screens.shape[1]
    shares[:, np.arange(count), np.arange(count)] = 0.0
    return shares


def _within(
    points: Array, first: Array, last: Array, pieces: Sequence[tuple[Array, Array, float]]
) -> NDArray[np.bool_]:
    """Whether each of ``points`` (…, i, samples, d) lies within reach of the arrows from
    ``first`` to ``last`` (…, j, d): (…, i, samples, j).  Each of ``pieces`` is a stretch of
    every arrow, from and to shares of the way along it (…, j), and its reach.

    Distances come from dot products (matrix products over whole arrays): the plain way, a
    difference array per pair, took seconds for the 500 views :func:`choose_camera` tries."""
    along = last - first
    length2 = np.maximum(np.sum(along * along, axis=-1), 1e-300)[..., None, None, :]
    onto = np.swapaxes(along, -1, -2)[..., None, :, :]
    start_along = np.sum(first * along, axis=-1)[..., None, None, :]
    t = (points @ onto - start_along) / length2  # share of the way along j, unclipped
    square = np.sum(points * points, axis=-1)[..., None]
    offset = square - 2 * (points @ np.swapaxes(first, -1, -2)[..., None, :, :])
    offset += np.sum(first * first, axis=-1)[..., None, None, :]
    across = np.maximum(offset - t * t * length2, 0.0)  # squared distance off j's line
    out = np.zeros(t.shape, dtype=bool)
    for low, high, reach in pieces:
        low_, high_ = np.asarray(low)[..., None, None, :], np.asarray(high)[..., None, None, :]
        beyond = np.maximum(np.maximum(low_ - t, t - high_), 0.0)
        out |= across + beyond * beyond * length2 < reach * reach
    return out


def hidden_pairs(shown: ArrayLike, space: ArrayLike) -> tuple[NDArray[np.bool_], Array]:
    """Which arrows a picture hides under which: the one definition the camera is chosen by
    and the frame audit counts ("arrow/arrow").

    ``shown`` holds arrows' (start, end) on screen (…, arrows, 2, 2) and ``space`` the same
    arrows in the scene (…, arrows, 2, 3), at the size they are drawn.  Arrow ``i`` is hidden
    under ``j`` (``[…, i, j]``) when, both long enough to be drawn (:data:`MIN_VISIBLE`):

    - more than :data:`HIDDEN_SHARE` of i's shaft lies under j's strokes (shaft and tip, as
      wide as :data:`SHAFT_STROKE` and :data:`TIP_STROKE`, less :data:`SLACK`),
    - i's tip too (one whose tip stands clear still reads as its own arrow), and
    - the two lie apart in space: at most :data:`HIDDEN_SHARE` of i's shaft is within
      :data:`SPACE_REACH` of j in the scene (within j's tip as wide as on screen, if wider).
      Arrows that lie on each other in the model (z on y when α = 0, a short change beside
      a long output in a flat picture) are what the maths says, which no view can part; a
      flat picture (2-D) is its own space, so no arrow in it counts.

    Also returns the covered shares on screen (the same layout, 0 on the diagonal).
    """
    screen = np.asarray(shown, dtype=float)
    scene = np.asarray(space, dtype=float)
    start, end = screen[..., 0, :], screen[..., 1, :]
    length = np.linalg.norm(end - start, axis=-1)
    drawn = length >= MIN_VISIBLE
    # Where the tip begins and where it is widest, as shares of the way along the arrow (a
    # far camera keeps shares along a line, so they hold in the scene too).
    tip_share = np.minimum(TIP_LENGTH, 0.2 * length) / np.maximum(length, 1e-300)
    ts = ((np.arange(HIDDEN_SAMPLES) + 0.5) / HIDDEN_SAMPLES)[:, None]

    def under(ends: Array, shaft_reach: float, tip_reach: float) -> tuple[Array, NDArray[np.bool_]]:
        """For arrows with ``ends`` (…, arrows, 2, d): the share of each one's shaft within
        reach of each other arrow (covered i × covering j), and whether its tip is."""
        first, last = ends[..., 0, :], ends[..., 1, :]
        base = 1 - tip_share
        whole = np.zeros_like(base), np.ones_like(base)
        shaft = first[..., None, :] + ts * (base[..., None] * (last - first))[..., None, :]
        tip_extra = TIP_STROKE - SHAFT_STROKE  # a tip is wider than a shaft by this
        widest = (base, 1 - tip_share / 2)
        on_shaft = _within(shaft, first, last, [(*whole, shaft_reach), (*widest, tip_reach)])
        point = last[..., None, :]
        reach, wide = shaft_reach + tip_extra, tip_reach + tip_extra
        on_tip = _within(point, first, last, [(*whole, reach), (*widest, wide)])[..., 0, :]
        return on_shaft.mean(axis=-2), on_tip

    # On screen: strokes as drawn.  In the scene: at least SPACE_REACH, and never narrower
    # than on screen, so a flat picture's arrows always count as lying together.
    shaft_reach = SHAFT_STROKE + SHAFT_STROKE - SLACK
    tip_reach = SHAFT_STROKE + TIP_STROKE - SLACK
    shares, tip_under = under(screen, shaft_reach, tip_reach)
    together, _ = under(scene, max(SPACE_REACH, shaft_reach), max(SPACE_REACH, tip_reach))
    hidden = (
        drawn[..., :, None]
        & drawn[..., None, :]
        & (shares > HIDDEN_SHARE)
        & tip_under
        & (together <= HIDDEN_SHARE)
    )
    count = screen.shape[-3]
    hidden[..., np.arange(count), np.arange(count)] = False
    shares[..., np.arange(count), np.arange(count)] = 0.0
    return hidden, shares


def choose_camera(
    points: ArrayLike,
    normal: ArrayLike,
    box: Box,
    margin: float,
    apart: Sequence[ArrayLike] = (),
    shrink: float = 1.0,
) -> CameraAngle:
    """The camera that shows ``points`` (model coordinates, rows of 3) largest in ``box`` less
    ``margin``, among those that see the plane with ``normal`` at least :data:`MIN_OPENNESS`
    open, from a little above.

    ``apart`` lists groups of arrows a reader must tell apart (each group an array of
    arrows × (start, end) × 3 in model coordinates: what one beat shows at full strength).
    When W is near the identity, x, y = Wx and z point almost the same way and from most
    angles one hides under another.  So among the views that show the picture at least
    :data:`SIZE_GIVEN` as large as the largest, those that hide the fewest arrows
    (:func:`hidden_pairs`, what the frame audit counts) are kept, then those whose most
    covered arrow is least covered (:func:`covered_shares`, strokes a little wider), then
    the largest.

    A near tie (within 3%) goes to the view that shows the plane more open, then to the
    first angle tried, so the choice is stable for nearby numbers.

    When every view that large hides an arrow, size gives way (any size, fewest hidden).

    ``shrink`` is how much smaller than the largest that fits the picture will be drawn (a
    panel to keep clear of): arrows drawn smaller lie closer on screen, so they are
    measured at that size.
    """
    return next(camera_choices(points, normal, box, margin, apart, shrink))


def camera_choices(
    points: ArrayLike,
    normal: ArrayLike,
    box: Box,
    margin: float,
    apart: Sequence[ArrayLike] = (),
    shrink: float = 1.0,
) -> Iterator[CameraAngle]:
    """The views :func:`choose_camera` would choose, best first: each next one is its
    choice with those before left out.  A caller that finds a view wanting at the size the
    picture is really drawn takes the next; every view is measured once, however many are
    taken."""
    pts = np.asarray(points, dtype=float).reshape(-1, 3)
    if not np.all(np.isfinite(pts)):
        raise ValueError("cannot fit non-finite points on screen")
    phis, thetas = (g.ravel() for g in np.meshgrid(PHIS, THETAS, indexing="ij"))
    n = np.asarray(normal, dtype=float) / float(np.linalg.norm(normal))
    directions = np.stack(
        [np.sin(phis) * np.cos(thetas), np.sin(phis) * np.sin(thetas), np.cos(phis)], axis=1
    )
    opens = np.abs(directions @ n)
    allowed = opens >= MIN_OPENNESS
    if not allowed.any():  # pragma: no cover - from 50°–80° some view is ≥ 0.64 open
        allowed = opens >= opens.max() - 1e-9
    # Only the views open enough are measured.
    phis, thetas, opens = phis[allowed], thetas[allowed], opens[allowed]
    # The screen rows of :func:`rotation` for every angle at once.
    a = -thetas - math.pi / 2
    right = np.stack([np.cos(a), -np.sin(a), np.zeros_like(a)], axis=1)
    up = np.stack([np.cos(phis) * np.sin(a), np.cos(phis) * np.cos(a), np.sin(phis)], axis=1)

    def project(model: Array) -> Array:
        """Model points (…, 3) → screen points for every angle (angles, …, 2)."""
        out: Array = np.moveaxis(np.stack([model @ right.T, model @ up.T], axis=-1), -2, 0)
        return out

    screens = project(pts)
    room = np.array([box.width, box.height]) - 2 * margin
    scales = _fit_scales(screens, room)
    best = float(scales.max())
    hidden = np.zeros(len(phis))
    worst = np.zeros(len(phis))
    for group in apart:
        arrows = np.asarray(group, dtype=float).reshape(-1, 2, 3)
        sized = shrink * scales[:, None, None, None]
        shown = project(arrows) * sized
        hidden += hidden_pairs(shown, arrows[None] * sized)[0].sum(axis=(1, 2))
        # Closeness, with strokes as wide as STROKE_REACH: some air to spare.
        shares = covered_shares(shown)
        shares[covered_shares(arrows[None] * sized, SPACE_REACH) > HIDDEN_SHARE] = 0.0
        worst = np.maximum(worst, shares.max(axis=(1, 2)))
    worst = np.maximum(worst, PLAINLY_APART)
    left = np.ones(len(phis), dtype=bool)
    while left.any():
        near = left & (scales >= 0.97 * best)
        if not near.any():
            near = left & (scales >= 0.97 * scales[left].max())
        if apart:
            kept = left & (scales >= SIZE_GIVEN * best)
            if not kept.any() or hidden[kept].min() > hidden[left].min():
                kept = left.copy()  # parting the arrows matters more than the size
            kept &= hidden <= hidden[kept].min()
            kept &= worst <= worst[kept].min() + 0.02
            near = kept & (scales >= 0.97 * scales[kept].max())
        index = int(np.argmax(np.where(near, opens, -1.0)))
        yield CameraAngle(float(phis[index]), float(thetas[index]))
        left[index] = False


def hidden_count(camera: CameraAngle, scale: float, apart: Sequence[ArrayLike]) -> int:
    """How many arrows of the groups ``apart`` (as :func:`choose_camera` takes them) the
    camera hides (:func:`hidden_pairs`) with the picture drawn at ``scale``."""
    count = 0
    for group in apart:
        arrows = np.asarray(group, dtype=float).reshape(-1, 2, 3) * scale
        shown = camera.project(arrows.reshape(-1, 3)).reshape(-1, 2, 2)
        count += int(hidden_pairs(shown, arrows)[0].sum())
    return count


def _hull(points: Array) -> Array:
    """The convex hull of 2-D points, anticlockwise (monotone chain)."""
    pts = sorted({(float(x), float(y)) for x, y in points})
    if len(pts) <= 2:
        return np.array(pts)

    def cross(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.array(lower[:-1] + upper[:-1])


def polygon_meets_box(polygon: ArrayLike, box: Box) -> bool:
    """Whether a convex polygon (rows of 2, in order) and an axis-aligned box overlap."""
    return bool(polygons_meet_box(polygon, np.zeros((1, 2)), box)[0])


def polygons_meet_box(polygon: ArrayLike, shifts: ArrayLike, box: Box) -> NDArray[np.bool_]:
    """Whether a convex polygon (rows of 2, in order), moved by each of ``shifts`` (rows of 2),
    overlaps an axis-aligned box: a separating-axis test (the box's two axes and every edge
    normal of the polygon), every shift in one array operation."""
    poly = np.asarray(polygon, dtype=float).reshape(-1, 2)
    moves = np.asarray(shifts, dtype=float).reshape(-1, 2)
    corners = np.array(
        [[box.left, box.bottom], [box.right, box.bottom], [box.right, box.top], [box.left, box.top]]
    )
    edges = np.roll(poly, -1, axis=0) - poly
    axes = np.vstack([np.eye(2), np.column_stack([-edges[:, 1], edges[:, 0]])])
    axes = axes[np.any(axes != 0, axis=1)]
    own = poly @ axes.T  # (vertices, axes)
    other = corners @ axes.T
    offset = moves @ axes.T  # (shifts, axes)
    apart = (own.max(axis=0) + offset <= other.min(axis=0)) | (
        other.max(axis=0) <= own.min(axis=0) + offset
    )
    meets: NDArray[np.bool_] = ~apart.any(axis=1)
    return meets


def grow(box: Box, by: float) -> Box:
    """``box`` with every side moved out by ``by`` (in by a negative ``by``)."""
    return Box(box.left - by, box.right + by, box.bottom - by, box.top + by)


def fit_picture(
    points: ArrayLike,
    camera: CameraAngle,
    box: Box,
    margin: float,
    avoid: Box | Sequence[Box] | None = None,
) -> View:
    """The largest view that puts every model point (rows of 3), seen by ``camera``, inside
    ``box`` shrunk by ``margin``, with the picture's convex hull clear of ``avoid`` (a box or
    several) grown by ``margin`` (the panels, whose corners the picture may wrap around).

    Among the positions at the largest scale found, the one nearest the centre of the free
    room is kept.  The returned view's origin lies in the screen plane, so a point's depth
    does not move it on screen.
    """
    pts = np.asarray(points, dtype=float).reshape(-1, 3)
    if not np.all(np.isfinite(pts)):
        raise ValueError("cannot fit non-finite points on screen")
    screen = camera.project(pts)
    screen = np.vstack([screen, [[0.0, 0.0]]])
    inner = grow(box, -margin)
    low, high = screen.min(axis=0), screen.max(axis=0)
    extent = high - low
    top_scale = float(_fit_scales(screen[None], np.array([inner.width, inner.height]))[0])
    if not math.isfinite(top_scale) or extent.max() == 0:
        top_scale = 1.0
    hull = _hull(screen)
    avoided = [avoid] if isinstance(avoid, Box) else list(avoid or ())
    blocked = [grow(b, margin) for b in avoided]
    scale = top_scale
    for _ in range(80):
        spot = _free_spot(hull, low, high, scale, inner, blocked)
        if spot is not None:
            return _view_at(camera, scale, spot)
        scale *= 0.97
    return _view_at(camera, scale, inner.center - scale * (low + high) / 2)  # pragma: no cover


def room_shifts(low: Array, high: Array, scale: float, inner: Box) -> tuple[Array, Array] | None:
    """Where the ``scale``-d picture spanning ``low``…``high`` may go inside ``inner``: the
    middle of the room and a 21 × 21 grid of shifts (screen units), nearest the middle first;
    ``None`` if it does not fit."""
    lo = np.array([inner.left, inner.bottom]) - scale * low
    hi = np.array([inner.right, inner.top]) - scale * high
    if np.any(hi < lo - 1e-9):
        return None
    middle = (lo + hi) / 2
    steps = np.linspace(0.0, 1.0, 21)
    a, b = np.meshgrid(steps, steps, indexing="ij")
    shifts = np.column_stack(
        [lo[0] + a.ravel() * (hi[0] - lo[0]), lo[1] + b.ravel() * (hi[1] - lo[1])]
    )
    return middle, shifts[np.argsort(np.linalg.norm(shifts - middle, axis=1), kind="stable")]


def _free_spot(
    hull: Array, low: Array, high: Array, scale: float, inner: Box, blocked: Sequence[Box]
) -> Array | None:
    """The shift (screen units) that puts the ``scale``-d hull inside ``inner`` and clear of
    every box ``blocked``, nearest the middle of the room; ``None`` if there is none."""
    room = room_shifts(low, high, scale, inner)
    if room is None:
        return None
    middle, shifts = room
    if not blocked:
        return middle
    clear = np.ones(len(shifts), dtype=bool)
    for box in blocked:
        clear &= ~polygons_meet_box(hull * scale, shifts, box)
    return shifts[int(np.argmax(clear))] if clear.any() else None


def _view_at(camera: CameraAngle, scale: float, shift: Array) -> View:
    origin = camera.lift(shift)
    return View(scale=float(scale), origin=(float(origin[0]), float(origin[1]), float(origin[2])))


def fill_fraction(screen_points: ArrayLike, frame: Box = FRAME) -> float:
    """The share of the frame's height the projected points span."""
    pts = np.asarray(screen_points, dtype=float).reshape(-1, 2)
    return float((pts[:, 1].max() - pts[:, 1].min()) / frame.height)
