"""Builders of geometry: the fitted plane, vector arrows and their labels, span lines and dots,
each made from model coordinates through the scene's fitted view.

Every arrow, line and label a builder makes goes on the scene's
:class:`~lowrank_anim.maths.placement.Board`, and each new label takes a free spot on it
(margins kept, nothing in the bottom band that web players cover); scenes build their cast
before the first beat, so labels know about geometry that appears later.  The 3-D builders are
on the 3-D base, :mod:`scenes.space`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import *

from lowrank_anim.maths import layout, placement
from lowrank_anim.maths.model import Example
from lowrank_anim.maths.palette import ROLE_TEX, Theme
from scenes.mobjects import LeaderLine, mark_names

#: Arrow stroke and tip sizes shared by every vector, so all scenes look alike.
ARROW_STYLE: dict[str, Any] = {
    "buff": 0,
    "stroke_width": 5,
    "max_tip_length_to_length_ratio": 0.2,
    "max_stroke_width_to_length_ratio": 8,
}
LABEL_BUFF = placement.LABEL_BUFF
#: Widest a panel may be: the left column kept free of geometry, less its margins.
PANEL_MAX_WIDTH = layout.PANEL_COLUMN - 0.5
#: Gap between a panel and the frame's top/left edges, or the bottom band, or another panel.
PANEL_GAP = 0.3
#: Half the thickness of a leader line as an obstacle on the board.
LEADER_HALF_WIDTH = 0.03
#: Shortest arrow with a shape (scene units); shorter ones are an invisible stub at the point.
MIN_ARROW = 1e-6


def to_point(coords: Any) -> np.ndarray:
    """Model coordinates (2 or 3 numbers) as a 3-number point (no scaling)."""
    arr = np.zeros(3)
    values = np.asarray(coords, dtype=float)
    arr[: values.shape[0]] = values
    return arr


def shown(value: float, decimals: int = 2) -> float:
    """``value`` as a readout with ``decimals`` shows it, and never "-0.00" for the tiny
    negative round-off of an exact zero (α when x ⟂ v)."""
    return round(float(value), decimals) + 0.0


def box_of(mob: Mobject) -> layout.Box:
    """``mob``'s bounding box in scene units, for the placement model."""
    return layout.Box(mob.get_left()[0], mob.get_right()[0], mob.get_bottom()[1], mob.get_top()[1])


def keep_on_screen(mob: Mobject) -> Mobject:
    """Slide ``mob`` back inside the frame's safe area (margins kept, above the bottom band)
    if it sticks out, as little as possible."""
    dx, dy = placement.clamp_into(box_of(mob))
    return mob.shift(RIGHT * dx + UP * dy)


class GeometryBuilders(Scene):
    """The ``get_*`` builders of arrows, labels, lines and the plane, for
    :class:`~scenes.base.LowRankScene` (which sets the attributes below per chapter)."""

    theme: Theme
    ex: Example
    view: layout.View
    board: placement.Board

    # Coordinates ------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        return self.ex.update.dim

    def c2p(self, coords: Any) -> np.ndarray:
        """Model coordinates → scene point, through the fitted view."""
        return self.view.to_scene(coords)

    def p2c(self, point: Any) -> np.ndarray:
        """Scene point → model coordinates (the inverse of :meth:`c2p`)."""
        return self.view.to_model(point, dim=self.dim)

    # Builders: the plane and vectors ----------------------------------------------------

    def get_plane(self, faint: bool = False, cover: float = 1.0) -> NumberPlane:
        """The themed coordinate plane, covering ``cover`` frames at the fitted view's scale,
        with grid lines on round model values; ``faint`` for the still background behind a
        moving grid, ``cover`` > 1 for a grid that a matrix will move."""
        view = self.view
        step = layout.nice_step(view.scale)
        f = layout.FRAME
        box = layout.Box(f.left * cover, f.right * cover, f.bottom * cover, f.top * cover)
        low, high = view.visible_range(box)
        x_range = layout.grid_range(low[0], high[0], step)
        y_range = layout.grid_range(low[1], high[1], step)
        plane = NumberPlane(
            x_range=x_range,
            y_range=y_range,
            x_length=(x_range[1] - x_range[0]) * view.scale,
            y_length=(y_range[1] - y_range[0]) * view.scale,
            background_line_style={
                "stroke_color": self.theme.muted if faint else self.theme.grid,
                "stroke_width": 1 if faint else 1.5,
                "stroke_opacity": 0.3 if faint else 0.45,
            },
            axis_config={
                "stroke_color": self.theme.muted if faint else self.theme.axes,
                "stroke_width": 1 if faint else 2,
            },
            faded_line_ratio=1,
        )
        plane.shift(self.c2p((0, 0)) - plane.c2p(0, 0))
        return plane

    @staticmethod
    def arrow_name(role: str, start: Any, name: str | None = None) -> str:
        """The board name of an arrow: ``name``, else its role (from the origin) or its role
        "tip-to-tail" (from elsewhere), so a redrawn arrow replaces itself."""
        if name is not None:
            return name
        return role if not np.any(np.asarray(start, dtype=float)) else f"{role} tip-to-tail"

    def reserve_arrow(
        self, end: Any, role: str, start: Any = (0, 0), name: str | None = None
    ) -> None:
        """Keep labels placed from now on clear of an arrow that a later beat will draw."""
        self.board.add_arrow(self.arrow_name(role, start, name), self.c2p(start), self.c2p(end))

    def get_vector(
        self, end: Any, role: str, start: Any = (0, 0), name: str | None = None, **style: Any
    ) -> Arrow:
        """An arrow from ``start`` to ``end`` (model coordinates) in ``role``'s colour, put on
        the board (as ``name``, see :meth:`arrow_name`) so labels keep clear of it.

        An arrow too short to see (:data:`~lowrank_anim.maths.placement.MIN_VISIBLE`, α u when
        x ⟂ v) is kept invisible at the right place, so it can still be animated and measured;
        its label (:meth:`place_label`) comes with a dot that marks it.
        """
        begin, finish = self.c2p(start), self.c2p(end)
        colour = style.pop("color", self.theme.role(role))
        self.reserve_arrow(end, role, start, name)
        if np.linalg.norm(finish - begin) < MIN_ARROW:
            stub = Arrow(begin, begin + RIGHT * MIN_ARROW * 1e-3, color=colour, **ARROW_STYLE)
            return stub.set_opacity(0)
        arrow = Arrow(begin, finish, color=colour, **{**ARROW_STYLE, **style})
        if not placement.is_visible_arrow(begin, finish):
            arrow.set_opacity(0)
        return arrow

    def get_label(
        self, arrow: Mobject, tex: str, role: str, scale: float = 0.9, side: Any = None
    ) -> VMobject:
        """A MathTex label for ``arrow``, placed by the board (:mod:`lowrank_anim.maths.placement`):
        beyond its tip if that is free, else around the tip, beside the arrow, or further out
        with a short leader line; with ``side`` (a model-space direction), beside its
        midpoint on that side first.  An arrow too short to see gets a dot, labelled."""
        start, end = arrow.get_start(), arrow.get_end()
        # A zero vector says so: its label reads "y = Wx = 0" beside the dot for it.
        shown = tex + r" = 0" if np.linalg.norm(end - start) < MIN_ARROW else tex
        label = MathTex(shown, color=self.theme.role(role)).scale(scale)
        return self.place_label(label, start, end, f"label {role}:{tex}", side)

    def get_tag(self, tex: str, role: str, start: Any, end: Any, scale: float = 0.8) -> VMobject:
        """A MathTex naming what runs from ``start`` to ``end`` (model coordinates; a line, a
        row of dots), placed like an arrow's label."""
        label = MathTex(tex, color=self.theme.role(role)).scale(scale)
        return self.place_label(label, self.c2p(start), self.c2p(end), f"tag {role}:{tex}")

    def place_label(
        self,
        label: MathTex,
        begin: np.ndarray,
        finish: np.ndarray,
        key: str,
        side: Any = None,
        leader: bool = True,
    ) -> VMobject:
        """Move ``label`` to the first free spot for what runs from ``begin`` to ``finish``
        (scene points), with a leader line if it had to go further out (and ``leader``);
        record it on the board as ``key``.  For something too short to see, a dot marks
        where it is and the label names the dot (:meth:`get_mark`).  The label keeps the
        ends it names (:func:`mark_names`), so the frame audit can tell whether it reads as
        that arrow's."""
        mark_names(label, begin, finish)
        self.board.remove(f"{key} leader", f"{key} mark")  # (placed afresh: a following label)
        if not placement.is_visible_arrow(begin, finish):
            # Too short to draw at this scale (zero, or tiny beside the rest): a dot marks
            # where it is and its label names the dot, so the quantity stays on screen.
            mark = self.get_mark(finish, label.get_color())
            self.board.add_segments(f"{key} mark", placement.mark_segments(finish))
            spots = placement.label_spots(finish, finish, label.width, label.height)
            own = placement.mark_segments(finish)
            spot = self.board.place(key, spots, label.width, label.height, own=own)
            label.move_to(to_point(spot.center))
            if spot.leader_to is None:
                return VGroup(label, mark)
            return VGroup(label, self.get_leader(label, spot.leader_to, key), mark)
        towards = None if side is None else self.view.scale * to_point(side)[:2]
        spots = placement.label_spots(
            begin, finish, label.width, label.height, side=towards, leaders=leader
        )
        own = placement.arrow_segments(begin, finish)
        spot = self.board.place(key, spots, label.width, label.height, own=own)
        label.move_to(to_point(spot.center))
        if spot.leader_to is None:
            return label
        return VGroup(label, self.get_leader(label, spot.leader_to, key))

    def get_leader(self, label: Mobject, to: Any, key: str | None = None) -> LeaderLine:
        """A leader line from ``label``'s edge to the point ``to``; on the board as ``key``'s
        leader, so later labels and leader lines keep clear of it."""
        tip = to_point(to)
        edge = to_point(placement.leader_end(box_of(label), tip))
        if key is not None:
            self.board.add_segments(
                f"{key} leader", placement.path_segments(np.array([edge, tip]), LEADER_HALF_WIDTH)
            )
        return LeaderLine(edge, tip, color=self.theme.muted, stroke_width=1.5, buff=0.05)

    def get_mark(self, at: Any, colour: Any) -> Dot:
        """The dot that stands for an arrow too short to draw (scene point ``at``)."""
        return Dot(at, radius=placement.MARK_RADIUS, color=colour)

    def get_following_label(self, arrow: Mobject, tex: str, role: str) -> VGroup:
        """A label that follows a moving ``arrow`` (one that is redrawn every frame), placed
        afresh on every frame like :meth:`get_label`: next to the tip or beside the arrow if
        there is room, else further out with a leader line (a short arrow hidden in a crowd:
        a label left floating there named nothing a reader could see).  A group of the
        label and its leader line, hidden while it is not needed."""
        label = MathTex(tex, color=self.theme.role(role)).scale(0.9)
        leader = LeaderLine(ORIGIN, RIGHT, color=self.theme.muted, stroke_width=1.5)
        mark = self.get_mark(ORIGIN, label.get_color())
        key = f"label {role}:{tex}"

        def follow(group: Any) -> None:
            placed = self.place_label(label, arrow.get_start(), arrow.get_end(), key)
            parts = [] if placed is label else list(placed)[1:]
            lines = [p for p in parts if isinstance(p, LeaderLine)]
            dots = [p for p in parts if isinstance(p, Dot)]
            if lines:
                leader.become(lines[0])
            else:
                leader.set_stroke(opacity=0)
            if dots:
                mark.become(dots[0])
            else:
                mark.set_opacity(0)

        group = VGroup(label, leader, mark)
        follow(group)
        return group.add_updater(follow)

    @staticmethod
    def normal_away_from(direction: Any, avoid: Any) -> np.ndarray:
        """The unit normal of ``direction`` (2-D) on the side away from ``avoid``."""
        d = np.asarray(direction, dtype=float)[:2]
        normal = np.array([-d[1], d[0]]) / max(float(np.linalg.norm(d)), 1e-9)
        return -normal if float(normal @ np.asarray(avoid, dtype=float)[:2]) > 0 else normal

    def get_labelled_vector(
        self, end: Any, role: str, tex: str | None = None, start: Any = (0, 0)
    ) -> tuple[Arrow, VMobject]:
        arrow = self.get_vector(end, role, start=start)
        return arrow, self.get_label(arrow, tex or ROLE_TEX[role], role)

    def get_labelled_vectors(self, *ends: tuple[Any, str]) -> list[tuple[Arrow, VMobject]]:
        """An arrow and its label for each (end, role), all arrows on the board before the
        first label is placed: made one by one, u's label took the free spot on v's shaft
        when u and v nearly point the same way (v was not drawn yet)."""
        arrows = [self.get_vector(end, role) for end, role in ends]
        return [
            (arrow, self.get_label(arrow, ROLE_TEX[role], role))
            for arrow, (_, role) in zip(arrows, ends, strict=True)
        ]

    def get_span_line(
        self, direction: Any, role: str, opacity: float = 0.5, name: str | None = None
    ) -> Line:
        """The line through the origin along ``direction`` (model coordinates), across the
        frame right of the panel column (so no panel covers it), at any zoom; on the board as
        ``name`` (``span <role>``)."""
        origin = self.c2p((0, 0))
        piece = placement.clip_line(origin, to_point(direction))
        # The fitted view puts the origin inside that area, so the line always crosses it.
        a, b = (to_point(end) for end in piece) if piece is not None else (origin, origin)
        self.board.add_segments(name or f"span {role}", placement.path_segments(np.array([a, b])))
        line = Line(a, b, color=self.theme.role(role))
        return line.set_stroke(width=1.5, opacity=opacity)

    def get_dots(
        self, points: Any, colour: str, radius: float = 0.05, name: str | None = None
    ) -> VGroup:
        """One dot per row of ``points`` (model coordinates); on the board as ``name``."""
        centres = [self.c2p(p) for p in points]
        if name is not None:
            self.board.add_segments(
                name,
                [placement.Segment(tuple(c[:2]), tuple(c[:2]), radius) for c in centres],
            )
        return VGroup(*(Dot(c, radius=radius, color=colour) for c in centres))
