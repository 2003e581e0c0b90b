"""Where text goes in a frame: boxes, obstacles and a search for a free spot.

A frame is published in a blog's video player, which crops its edges by eye and covers its
bottom with controls and captions.  So every label, readout and panel gets a :class:`Box`, and
a spot is free only when the box

- keeps :data:`EDGE_MARGIN` (3 % of the frame height) from every edge of the frame,
- stays above the :data:`BOTTOM_BAND` (15 % of the height) that players cover, and
- touches no obstacle: an arrow's shaft or tip, a drawn line or path, a dot, another label
  or a panel (:class:`Board`).

:func:`label_spots` lists the spots worth trying for a label, best first — beyond the tip,
around the tip, beside the object along its length, then further out with a short leader line
— and :meth:`Board.place` takes the first free one (or the least crowded; among free spots
joined by a leader line, one whose line crosses nothing drawn).  An arrow shorter
than :data:`MIN_VISIBLE` is not drawn, nor labelled.  Everything is decided from the model's
numbers (the scene's view) before anything renders, like :func:`lowrank_anim.maths.layout.fit_view`.

Pure numpy, no manim: tested on its own (``tests/maths/test_placement.py``) and shared by the
scenes' builders and the frame audit (``bench.audit``), which measure the same boxes.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray

from lowrank_anim.maths.layout import (
    BOTTOM_BAND,
    EDGE_MARGIN,
    FRAME,
    FRAME_HALF_HEIGHT,
    PANEL_COLUMN,
    Box,
)

#: Where text and panels may go: the frame less its margins and the bottom band.
SAFE = Box(
    FRAME.left + EDGE_MARGIN,
    FRAME.right - EDGE_MARGIN,
    FRAME.bottom + BOTTOM_BAND,
    FRAME.top - EDGE_MARGIN,
)
#: An arrow shorter than this (scene units; about 5 px at 480p) is not drawn, nor labelled.
MIN_VISIBLE = 0.08
#: The longest an arrow's tip is drawn (a fifth of the arrow for short ones, as manim does).
TIP_LENGTH = 0.35
#: Half the thickness of an arrow's shaft, and of its tip, as an obstacle (scene units).
SHAFT_HALF_WIDTH = 0.06
TIP_HALF_WIDTH = 0.16
#: Half the thickness of a drawn line or path as an obstacle.
LINE_HALF_WIDTH = 0.04
#: Gap kept between a label and what it names.
LABEL_BUFF = 0.15
#: A label this close to another arrow's tip (scene units, about 18 px at 480p), and closer
#: to it than to its own arrow, reads as that arrow's name: the board keeps labels off it
#: and the frame audit counts it ("label/other tip").
NEAR_TIP = 0.3
#: A label further than this from its own arrow (about 24 px at 480p, most of a label's
#: height) with no leader line reads as naming nothing: the board puts none there and the
#: frame audit counts one ("label adrift").
ADRIFT = 0.4
#: How much nearer its own arrow than another's tip the board puts a label (the audit
#: asks only for nearer): x's label beside x's tip, with y's tip as close, named either.
TIP_CLEAR = 0.1
#: How far out from a crowded tip a label may go, joined by a leader line (scene units): the
#: nearest ring first, the far ones only when nothing nearer is free (a busy sweep, where
#: every stop's arrows are kept clear of a label drawn once).
RINGS = (0.45, 0.8, 1.2, 1.6, 2.1, 2.7)
#: What a leader line crossing a drawn line or arrow costs, against 1 for crossing another
#: label or leader line (:meth:`Board.crossing_cost`).
DRAWN_CROSSING = 0.1
#: A leader line's first stretch from the tip it names, where the arrows meeting at that tip
#: are expected, not crossed.
LEADER_START = 0.2
#: Smallest text height a reader can make out: 12 px at 480p, in scene units.
MIN_TEXT_HEIGHT = 12 / 480 * 2 * FRAME_HALF_HEIGHT


def box_around(center: ArrayLike, width: float, height: float) -> Box:
    """The box of a ``width`` × ``height`` text centred at ``center``."""
    cx, cy = np.asarray(center, dtype=float)[:2]
    return Box(cx - width / 2, cx + width / 2, cy - height / 2, cy + height / 2)


def grow(box: Box, pad: float) -> Box:
    return Box(box.left - pad, box.right + pad, box.bottom - pad, box.top + pad)


def boxes_overlap(a: Box, b: Box, pad: float = 0.0) -> bool:
    """Whether ``a`` and ``b`` (grown by ``pad``) share any area."""
    return (
        a.left - pad < b.right
        and b.left - pad < a.right
        and a.bottom - pad < b.top
        and b.bottom - pad < a.top
    )


def overlap_area(a: Box, b: Box) -> float:
    w = min(a.right, b.right) - max(a.left, b.left)
    h = min(a.top, b.top) - max(a.bottom, b.bottom)
    return max(w, 0.0) * max(h, 0.0)


def inside(box: Box, outer: Box, tol: float = 1e-9) -> bool:
    return (
        box.left >= outer.left - tol
        and box.right <= outer.right + tol
        and box.bottom >= outer.bottom - tol
        and box.top <= outer.top + tol
    )


def box_distance(box: Box, points: ArrayLike) -> float:
    """The distance from ``box`` to the nearest of ``points`` (rows of 2; 0 inside it)."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    zero = np.zeros(len(pts))
    dx = np.maximum.reduce([box.left - pts[:, 0], pts[:, 0] - box.right, zero])
    dy = np.maximum.reduce([box.bottom - pts[:, 1], pts[:, 1] - box.top, zero])
    return float(np.min(np.hypot(dx, dy)))


def along(segments: Sequence[Segment], samples: int = 24) -> NDArray[np.float64]:
    """Points along ``segments`` (rows of 2), close enough to measure a box's distance."""
    ts = np.linspace(0.0, 1.0, samples)[:, None]
    return np.vstack([np.array(s.start) * (1 - ts) + np.array(s.end) * ts for s in segments])


def segment_hits_box(a: ArrayLike, b: ArrayLike, box: Box, half_width: float = 0.0) -> bool:
    """Whether the segment ``a``–``b``, thickened by ``half_width``, meets ``box``
    (Liang–Barsky clipping against the box grown by the thickness)."""
    p = np.asarray(a, dtype=float)[:2]
    q = np.asarray(b, dtype=float)[:2]
    g = grow(box, half_width)
    d = q - p
    t0, t1 = 0.0, 1.0
    for move, room in (
        (-d[0], p[0] - g.left),
        (d[0], g.right - p[0]),
        (-d[1], p[1] - g.bottom),
        (d[1], g.top - p[1]),
    ):
        if abs(move) < 1e-15:
            if room < 0:
                return False
            continue
        t = room / move
        if move < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def segments_hit_box(table: NDArray[np.float64], box: Box) -> NDArray[np.bool_]:
    """:func:`segment_hits_box` for many segments at once: ``table`` has one row
    (x0, y0, x1, y1, half width) per segment."""
    p, q, hw = table[:, 0:2], table[:, 2:4], table[:, 4]
    d = q - p
    t0 = np.zeros(len(table))
    t1 = np.ones(len(table))
    missed = np.zeros(len(table), dtype=bool)
    for move, room in (
        (-d[:, 0], p[:, 0] - (box.left - hw)),
        (d[:, 0], (box.right + hw) - p[:, 0]),
        (-d[:, 1], p[:, 1] - (box.bottom - hw)),
        (d[:, 1], (box.top + hw) - p[:, 1]),
    ):
        flat = np.abs(move) < 1e-15
        missed |= flat & (room < 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(flat, 0.0, room / np.where(flat, 1.0, move))
        t0 = np.where(~flat & (move < 0), np.maximum(t0, t), t0)
        t1 = np.where(~flat & (move > 0), np.minimum(t1, t), t1)
    hit: NDArray[np.bool_] = ~missed & (t0 <= t1)
    return hit


@dataclass(frozen=True)
class Segment:
    """A piece of something drawn: an arrow's shaft or tip, a line, a stretch of a path."""

    start: tuple[float, float]
    end: tuple[float, float]
    half_width: float = LINE_HALF_WIDTH

    def hits(self, box: Box) -> bool:
        return segment_hits_box(self.start, self.end, box, self.half_width)


def _pt(p: ArrayLike) -> tuple[float, float]:
    arr = np.asarray(p, dtype=float)
    return float(arr[0]), float(arr[1])


def arrow_segments(start: ArrayLike, end: ArrayLike, tip: float = TIP_LENGTH) -> list[Segment]:
    """An arrow as obstacles: its shaft, and its wider tip (``tip`` long at most, a fifth of
    the arrow for short ones, as manim draws it).  Empty for an arrow too short to draw."""
    a = np.asarray(start, dtype=float)[:2]
    b = np.asarray(end, dtype=float)[:2]
    length = float(np.linalg.norm(b - a))
    if length < MIN_VISIBLE:
        return []
    tip_len = min(tip, 0.2 * length)
    along = (b - a) / length
    base = b - along * tip_len
    # The tip is a triangle: wide at its base, a point at the end.
    middle = b - along * tip_len / 2
    return [
        Segment(_pt(a), _pt(base), SHAFT_HALF_WIDTH),
        Segment(_pt(base), _pt(middle), TIP_HALF_WIDTH),
        Segment(_pt(middle), _pt(b), SHAFT_HALF_WIDTH),
    ]


def path_segments(points: ArrayLike, half_width: float = LINE_HALF_WIDTH) -> list[Segment]:
    """A drawn path (a line, a circle, a trace) through ``points`` as obstacles."""
    pts = np.asarray(points, dtype=float)
    return [
        Segment(_pt(pts[i]), _pt(pts[i + 1]), half_width)
        for i in range(len(pts) - 1)
        if np.linalg.norm(pts[i + 1, :2] - pts[i, :2]) > 1e-12
    ]


def leader_end(box: Box, tip: ArrayLike) -> tuple[float, float]:
    """Where a leader line from ``tip`` straight towards ``box``'s centre meets its edge: the
    line :meth:`Board.crossings` checks is the line drawn."""
    start = np.asarray(tip, dtype=float)[:2]
    towards = box.center - start
    enter = 0.0
    for axis, (low, high) in enumerate(((box.left, box.right), (box.bottom, box.top))):
        if abs(towards[axis]) > 1e-12:
            side = low if towards[axis] > 0 else high
            enter = max(enter, (side - start[axis]) / towards[axis])
    return _pt(start + min(enter, 1.0) * towards)


#: The radius of the dot that marks an arrow too short to draw (zero, or tiny next to the
#: rest of the picture), so that what it stands for is still seen, and named.
MARK_RADIUS = 0.07


def mark_segments(at: ArrayLike) -> list[Segment]:
    """The dot marking an arrow too short to draw, at ``at``, as an obstacle."""
    point = _pt(at)
    return [Segment(point, point, MARK_RADIUS)]


def is_visible_arrow(start: ArrayLike, end: ArrayLike) -> bool:
    """Whether an arrow is long enough to be seen (and so drawn and labelled)."""
    d = np.asarray(end, dtype=float)[:2] - np.asarray(start, dtype=float)[:2]
    return bool(np.linalg.norm(d) >= MIN_VISIBLE)


@dataclass(frozen=True)
class Spot:
    """A candidate place for a label: its centre, and the point a leader line would join
    (``None`` when the label sits right next to what it names)."""

    center: tuple[float, float]
    leader_to: tuple[float, float] | None = None


def _unit(v: NDArray[np.float64]) -> NDArray[np.float64]:
    n = float(np.linalg.norm(v))
    return v / n if n > 1e-12 else np.array([0.0, 1.0])


def _beside(anchor: NDArray[np.float64], towards: NDArray[np.float64], w: float, h: float) -> Spot:
    """The spot for a w × h box beyond ``anchor`` in direction ``towards``, far enough that
    the whole box clears the line through ``anchor`` at right angles to it by LABEL_BUFF
    (the box's support in that direction: it never reaches back over what it names)."""
    d = _unit(towards)
    reach = (w / 2) * abs(d[0]) + (h / 2) * abs(d[1])
    return Spot(_pt(anchor + d * (reach + LABEL_BUFF)))


def label_spots(
    start: ArrayLike,
    end: ArrayLike,
    width: float,
    height: float,
    side: ArrayLike | None = None,
    leaders: bool = True,
    rings: Sequence[float] = RINGS,
) -> list[Spot]:
    """Where to try a ``width`` × ``height`` label for the arrow ``start``→``end``, best first.

    With ``side`` (a direction), first beside the middle on that side and then the other;
    then beyond the tip and around it; then beside the arrow further along its length on
    both sides; finally (with ``leaders``) further out from the tip, ``rings`` away, joined
    to it by a leader line.
    """
    a = np.asarray(start, dtype=float)[:2]
    b = np.asarray(end, dtype=float)[:2]
    u = _unit(b - a)
    n = np.array([-u[1], u[0]])
    spots: list[Spot] = []
    mid = (a + b) / 2
    if side is not None:
        s = _unit(np.asarray(side, dtype=float)[:2])
        spots += [_beside(mid, s, width, height), _beside(mid, -s, width, height)]
    for k in (0, 1, -1, 2, -2, 3, 4, -4, 6):
        angle = k * math.pi / 8
        c, s_ = math.cos(angle), math.sin(angle)
        spots.append(_beside(b, c * u + s_ * n, width, height))
    for t in (0.75, 0.5, 0.25):
        point = a + t * (b - a)
        spots += [_beside(point, n, width, height), _beside(point, -n, width, height)]
    # Further out, joined by a leader line; without leader lines (a label that moves every
    # frame) only the two nearest rings, close enough to read as the tip's.
    for distance in rings if leaders else (0.3, 0.6):
        for k in (0, 1, -1, 2, -2, 3, -3, 4):
            d = math.cos(k * math.pi / 4) * u + math.sin(k * math.pi / 4) * n
            spot = _beside(b + d * distance, d, width, height)
            spots.append(Spot(spot.center, leader_to=_pt(b) if leaders else None))
    # Last, the directions between those: tried only when none before was free with a line
    # that crosses nothing (a crowd of short arrows at one point, in a 3-D picture).
    for distance in rings if leaders else ():
        for k in (1, -1, 3, -3, 5, -5, 7, -7):
            d = math.cos(k * math.pi / 8) * u + math.sin(k * math.pi / 8) * n
            spot = _beside(b + d * distance, d, width, height)
            spots.append(Spot(spot.center, leader_to=_pt(b)))
    return spots


@dataclass
class Board:
    """What a frame holds, for placing text: named obstacles and named boxes.

    Names let a redrawn object replace itself (a label that follows its arrow every frame)
    and let a beat take away what it faded out.
    """

    area: Box = SAFE
    segments: dict[str, list[Segment]] = field(default_factory=dict)
    boxes: dict[str, Box] = field(default_factory=dict)
    tips: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Arrows' tips: a label near one reads as that arrow's (:data:`NEAR_TIP`)."""
    _table: tuple[NDArray[np.float64], list[str], NDArray[np.int64]] | None = field(
        default=None, repr=False
    )

    def add_segments(self, name: str, segments: Sequence[Segment]) -> None:
        self.segments[name] = list(segments)
        self._table = None

    def add_arrow(self, name: str, start: ArrayLike, end: ArrayLike) -> None:
        """An arrow as obstacles (:func:`arrow_segments`), and its tip, which other arrows'
        labels keep away from."""
        segments = arrow_segments(start, end)
        self.add_segments(name, segments)
        if segments:
            self.tips[name] = segments[-1].end
        else:
            self.tips.pop(name, None)

    def add_box(self, name: str, box: Box) -> None:
        self.boxes[name] = box

    def remove(self, *names: str) -> None:
        for name in names:
            self.segments.pop(name, None)
            self.boxes.pop(name, None)
            self.tips.pop(name, None)
        self._table = None

    def clear(self) -> None:
        self.segments.clear()
        self.boxes.clear()
        self.tips.clear()
        self._table = None

    def table(self) -> tuple[NDArray[np.float64], list[str], NDArray[np.int64]]:
        """Every segment as a row (x0, y0, x1, y1, half width), the obstacle names, and the
        index of each row's name: so a box is tested against all of them at once."""
        if self._table is None:
            names = list(self.segments)
            rows = [(*s.start, *s.end, s.half_width) for n in names for s in self.segments[n]]
            owner = [i for i, n in enumerate(names) for _ in self.segments[n]]
            self._table = (
                np.array(rows, dtype=float).reshape(-1, 5),
                names,
                np.array(owner, dtype=np.int64),
            )
        return self._table

    def crowding(
        self,
        box: Box,
        ignore: Iterable[str] = (),
        pad: float = 0.05,
        own: Sequence[Segment] = (),
    ) -> float:
        """How badly ``box`` is placed: 0 when it is free; otherwise a cost that grows with
        what it covers (each obstacle it touches, the area of boxes it overlaps, and how far
        it leaves the area) and, for the label of the arrow ``own``, each other arrow's tip
        it sits nearer than its own arrow (within :data:`NEAR_TIP`) and being further than
        :data:`ADRIFT` from its own arrow."""
        skip = set(ignore)
        padded = grow(box, pad)
        cost = 0.0
        rows, names, owner = self.table()
        if len(rows):
            hit = np.unique(owner[segments_hit_box(rows, padded)])
            cost += sum(1.0 for i in hit if names[i] not in skip)
        for name, other in self.boxes.items():
            if name not in skip and boxes_overlap(padded, other):
                cost += 1.0 + 10 * overlap_area(padded, other)
        if own:
            mine = box_distance(padded, along(own))
            if box_distance(box, along(own)) > ADRIFT - pad:
                cost += 1.0  # (a wide label's corner, off a tip at a slant)
            for name, tip in self.tips.items():
                if name in skip or math.dist(tip, own[-1].end) < 1e-6:
                    continue  # (z and α u share their tip: a label there names both)
                near = box_distance(padded, tip)
                if near < NEAR_TIP and near < mine + TIP_CLEAR:
                    cost += 1.0
        if not inside(box, self.area):
            out = (
                max(self.area.left - box.left, 0)
                + max(box.right - self.area.right, 0)
                + max(self.area.bottom - box.bottom, 0)
                + max(box.top - self.area.top, 0)
            )
            cost += 5.0 + 10 * out
        return cost

    def crossings(self, spot: Spot, box: Box, ignore: Iterable[str] = ()) -> int:
        """How many obstacles the leader line of ``spot`` crosses (see :meth:`crossed`)."""
        return sum(self.crossed(spot, box, ignore))

    def crossing_cost(self, spot: Spot, box: Box, ignore: Iterable[str] = ()) -> float:
        """How bad the crossings of ``spot``'s leader line are: each other label, panel or
        leader line it crosses counts 1 (a reader follows it to the wrong name), each drawn
        line or arrow :data:`DRAWN_CROSSING` (a patch's outline around a crowded tip can
        leave no way out that crosses none)."""
        names, drawn = self.crossed(spot, box, ignore)
        return names + DRAWN_CROSSING * drawn

    def crossed(self, spot: Spot, box: Box, ignore: Iterable[str] = ()) -> tuple[int, int]:
        """How many names (other labels, panels, leader lines) and how many drawn things the
        leader line of ``spot`` would cross on its way from the tip to ``box`` (segments only
        after :data:`LEADER_START`, where the arrows meeting at the tip are expected; labels
        all the way, since a leader line through a label reads as joining it): a grey line
        drawn over an arrow is a smaller fault than a label on it, but still one to avoid
        when a free spot has none."""
        if spot.leader_to is None:
            return 0, 0
        tip = np.array(spot.leader_to)
        gap = np.array(spot.center) - tip
        length = float(np.linalg.norm(gap))
        if length <= 1e-9:
            return 0, 0
        ts = np.linspace(0.0, 1.0, max(int(length / 0.05), 2) + 1)
        points = tip + ts[:, None] * gap
        outside = np.array([box_distance(box, point) > 0 for point in points], dtype=bool)
        skip = set(ignore)
        # Other labels and panels: the drawn line itself, tip to the label's edge, exactly
        # (sampled points missed a line cutting a label's corner).
        edge = leader_end(box, tip)
        crossed = sum(
            1
            for name, other in self.boxes.items()
            if name not in skip and segment_hits_box(tip, edge, other)
        )
        points = points[outside & (ts * length >= LEADER_START)]
        rows, names, owner = self.table()
        if not len(points) or not len(rows):
            return crossed, 0
        # The true distance from every sampled point to every obstacle segment, at once: not
        # segments_hit_box with a point for a box, whose square reach (√2 × at a slant) counts
        # the tips beside the one the line leaves from (measured: it changed the count in
        # thousands of the audit's placements).
        p, q, hw = rows[:, 0:2], rows[:, 2:4], rows[:, 4]
        d = q - p
        dd = np.maximum(np.einsum("ij,ij->i", d, d), 1e-24)
        rel = points[:, None, :] - p[None, :, :]
        t = np.clip(np.einsum("mij,ij->mi", rel, d) / dd, 0.0, 1.0)
        gaps = np.linalg.norm(rel - t[..., None] * d[None, :, :], axis=2)
        met = [names[i] for i in np.unique(owner[(gaps <= hw[None, :]).any(axis=0)])]
        leaders = sum(1 for name in met if name not in skip and "leader" in name)
        drawn = sum(1 for name in met if name not in skip and "leader" not in name)
        return crossed + leaders, drawn

    def place(
        self,
        name: str,
        spots: Sequence[Spot],
        width: float,
        height: float,
        ignore: Iterable[str] = (),
        own: Sequence[Segment] = (),
    ) -> Spot:
        """The first free spot for a ``width`` × ``height`` box named ``name`` (or the least
        crowded one), recorded on the board so later labels keep clear of it; ``own`` is
        the arrow it names (see :meth:`crowding`).  Among free spots with a leader line, one
        whose line crosses nothing wins; else the one whose line crosses least."""
        skip = {name, *ignore}
        best, best_cost = spots[0], math.inf
        for spot in spots:
            cost = self.crowding(box_around(spot.center, width, height), skip, own=own)
            if own and spot.leader_to is not None:
                # A leader line says whose label it is, wherever it sits.
                cost = min(cost, self.crowding(box_around(spot.center, width, height), skip))
            if spot.leader_to is not None:
                cost += 0.01  # a free spot without a leader line is better
                if cost < 1.0:  # free: its line should cross nothing either
                    box = box_around(spot.center, width, height)
                    cost += 0.1 * self.crossing_cost(spot, box, skip)
            if cost < best_cost:
                best, best_cost = spot, cost
            if cost <= 0.01:
                break
        self.boxes[name] = box_around(best.center, width, height)
        return best


#: Where full lines (spans) are drawn: the frame right of the panel column, so no panel
#: ever covers one.
LINE_AREA = Box(FRAME.left + PANEL_COLUMN + 0.45, FRAME.right, FRAME.bottom, FRAME.top)


def clip_line(
    point: ArrayLike, direction: ArrayLike, area: Box = LINE_AREA
) -> tuple[NDArray[np.float64], NDArray[np.float64]] | None:
    """The piece of the infinite line through ``point`` along ``direction`` inside ``area``
    (its two ends, 2-D), or ``None`` if it misses the area."""
    p = np.asarray(point, dtype=float)[:2]
    d = np.asarray(direction, dtype=float)[:2]
    low, high = -math.inf, math.inf
    for axis, (lo, hi) in enumerate(((area.left, area.right), (area.bottom, area.top))):
        if abs(d[axis]) < 1e-12:
            if not lo <= p[axis] <= hi:
                return None
            continue
        t1, t2 = (lo - p[axis]) / d[axis], (hi - p[axis]) / d[axis]
        low, high = max(low, min(t1, t2)), min(high, max(t1, t2))
    if not low < high:
        return None
    return p + low * d, p + high * d


def clamp_into(box: Box, area: Box = SAFE) -> tuple[float, float]:
    """The shift that moves ``box`` inside ``area`` (as little as possible)."""
    dx = max(area.left - box.left, 0.0) - max(box.right - area.right, 0.0)
    dy = max(area.bottom - box.bottom, 0.0) - max(box.top - area.top, 0.0)
    return dx, dy
