"""The shared base every lowrank-anim scene builds on.

It owns what all scenes draw the same way, as ``get_*`` builders: the fitted, themed plane,
labelled vector arrows placed by model coordinates, equation panels, the α readout and plot,
span lines, 3-D axes and arrows, and story beats (a section, a subcaption and a geometry
snapshot each).  Concrete scenes only say what happens in which order, so each stays short.

Where things go on screen is decided once per scene by :func:`lowrank_anim.maths.layout.fit_view`
from the points the scene will draw (its :meth:`LowRankScene.layout_points`): any valid
parameters give a picture whose arrows and labels are all on screen.  Every arrow, line,
label and panel a builder makes goes on the scene's :class:`~lowrank_anim.maths.placement.Board`,
and each new label or panel takes a free spot on it (margins kept, nothing in the bottom band
that web players cover); scenes build their cast before the first beat, so labels know about
geometry that appears later.  Numbers are written by :mod:`lowrank_anim.maths.formatting`, and a
beat holds its caption long enough to be read.

Variants (another theme, other numbers) are made by subclassing with a few class attributes
overridden, which :meth:`LowRankScene.variant` does for the CLI.

``FullStory`` plays the other scenes in one video by calling each one's ``construct`` with
itself as ``self`` (see :meth:`LowRankScene.open_chapter`), so scene code uses only the
builders defined here and the model's functions, never helpers of its own class.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from manim import *

from lowrank_anim.maths import layout, placement
from lowrank_anim.maths.formatting import (
    Together,
    format_alike,
    format_number,
    reading_time,
    readout_format,
    signed_term,
    widest_text,
)
from lowrank_anim.maths.model import Example, default_rank_one
from lowrank_anim.maths.palette import DEFAULT_THEME, ROLE_TEX, Theme, get_theme

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


class LeaderLine(Line):
    """A short line from a label moved away from a crowded tip back to that tip."""


class Panel(VGroup):
    """Rows of text on a background box: ``panel.box`` and ``panel.content``."""

    def __init__(self, box: VMobject, content: VMobject) -> None:
        super().__init__(box, content)
        self.box = box
        self.content = content


@dataclass
class BeatRecord:
    """What was on screen at the end of one beat, in model coordinates."""

    name: str
    caption: str
    arrows: dict[str, tuple[np.ndarray, np.ndarray]]
    numbers: dict[str, float]
    """Every registered number readout (α, counts) as it is displayed."""
    precision: dict[str, float] = field(default_factory=dict)
    """Half the last shown digit of each readout: how far it may be from the exact value."""
    values: dict[str, Any] = field(default_factory=dict)
    """Anything else a scene registered a probe for (dots, the sweep angle, bar widths)."""


class LowRankScene(Scene):
    """A scene that draws one :class:`~lowrank_anim.maths.model.Example` on a fitted plane."""

    theme_name: ClassVar[str] = DEFAULT_THEME
    example: ClassVar[Example | None] = None
    """The numbers to show; ``None`` means :meth:`default_example`."""

    @classmethod
    def variant(cls, theme: str | None = None, example: Example | None = None) -> type[Any]:
        """A subclass with another theme and/or other numbers (same class name, so manim's
        output naming and our registry stay the same)."""
        attrs: dict[str, Any] = {}
        if theme is not None:
            attrs["theme_name"] = theme
        if example is not None:
            attrs["example"] = example
        return type(cls.__name__, (cls,), attrs) if attrs else cls

    @classmethod
    def default_example(cls) -> Example:
        return default_rank_one()

    @classmethod
    def layout_points(cls, ex: Example) -> np.ndarray:
        """Every model point this scene draws; the view is fitted so they all show.
        Scenes override it; by default the arrows of one forward pass."""
        res, upd = ex.result, ex.update
        return np.array([res.x, res.y, res.z, *upd.U.T, *upd.V.T])

    @classmethod
    def fit(cls, ex: Example) -> layout.View:
        return layout.fit_view(cls.layout_points(ex))

    def setup(self) -> None:
        self.theme: Theme = get_theme(self.theme_name)
        self.camera.background_color = self.theme.background  # type: ignore[union-attr]
        self.records: list[BeatRecord] = []
        self.open_chapter(type(self))

    def open_chapter(self, chapter: type[LowRankScene], prefix: str = "") -> None:
        """Get ready to play ``chapter``'s construct on this scene: its numbers, its fitted
        view and plane, and empty registries of what is drawn.  ``prefix`` names its beats
        inside a longer video."""
        self.ex: Example = self.example_for(chapter)
        self.result = self.ex.result
        self.view: layout.View = chapter.fit(self.ex)
        self.chapter_prefix = prefix
        self.arrows: dict[str, Mobject] = {}
        """Named arrows, so tests can compare their ends with the model."""
        self.numbers: dict[str, DecimalNumber] = {}
        """Named number readouts, so tests can compare them with the model."""
        self.probes: dict[str, Callable[[], Any]] = {}
        """Anything else to record at the end of each beat."""
        self.units: dict[str, tuple[int, int]] = {}
        """(decimals, power of ten) of each readout: it shows value / 10^power."""
        self.hidden_labels: set[str] = set()
        """Labels hidden because what they name is too short to see."""
        self.board = placement.Board()
        """Every arrow, line, label and panel drawn (or about to be), in scene units, so a
        new label or panel goes where it covers none of them."""
        self.plane = self.get_plane()

    def example_for(self, chapter: type[LowRankScene]) -> Example:
        """This scene's example if it has the shape ``chapter`` draws, else its default."""
        default = chapter.default_example()
        mine = self.example
        if mine is not None and (mine.update.dim, mine.update.rank) == (
            default.update.dim,
            default.update.rank,
        ):
            return mine
        return default

    @property
    def snapshots(self) -> list[tuple[str, dict[str, tuple[np.ndarray, np.ndarray]]]]:
        """(beat, {arrow name: (start, end)}) at the end of every beat."""
        return [(record.name, record.arrows) for record in self.records]

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
        self.board.add_segments(
            self.arrow_name(role, start, name),
            placement.arrow_segments(self.c2p(start), self.c2p(end)),
        )

    def get_vector(
        self, end: Any, role: str, start: Any = (0, 0), name: str | None = None, **style: Any
    ) -> Arrow:
        """An arrow from ``start`` to ``end`` (model coordinates) in ``role``'s colour, put on
        the board (as ``name``, see :meth:`arrow_name`) so labels keep clear of it.

        An arrow too short to see (:data:`~lowrank_anim.maths.placement.MIN_VISIBLE`, α u when
        x ⟂ v) is kept invisible at the right place, so it can still be animated and measured.
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
        midpoint on that side first.  A label of an arrow too short to see is not shown."""
        label = MathTex(tex, color=self.theme.role(role)).scale(scale)
        return self.place_label(
            label, arrow.get_start(), arrow.get_end(), f"label {role}:{tex}", side
        )

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
        record it on the board as ``key``.  Nothing is shown for something too short to see."""
        if not placement.is_visible_arrow(begin, finish):
            self.board.remove(key)
            self.hidden_labels.add(key)
            return label.move_to(finish).set_opacity(0)
        if key in self.hidden_labels:
            self.hidden_labels.discard(key)
            label.set_opacity(1)
        towards = None if side is None else self.view.scale * to_point(side)[:2]
        spots = placement.label_spots(
            begin, finish, label.width, label.height, side=towards, leaders=leader
        )
        spot = self.board.place(key, spots, label.width, label.height)
        label.move_to(to_point(spot.center))
        if spot.leader_to is None:
            return label
        tip = to_point(spot.leader_to)
        edge = label.get_critical_point(to_point(np.sign(np.round(tip - label.get_center(), 3))))
        leader_line = LeaderLine(edge, tip, color=self.theme.muted, stroke_width=1.5, buff=0.05)
        return VGroup(label, leader_line)

    def get_following_label(self, arrow: Mobject, tex: str, role: str) -> MathTex:
        """A label that follows a moving ``arrow`` (one that is redrawn every frame), placed
        afresh on every frame like :meth:`get_label` (without leader lines)."""
        label = MathTex(tex, color=self.theme.role(role)).scale(0.9)
        key = f"label {role}:{tex}"

        def follow(mob: Any) -> None:
            self.place_label(mob, arrow.get_start(), arrow.get_end(), key, leader=False)

        follow(label)
        return label.add_updater(follow)

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

    # Builders: text and panels ----------------------------------------------------------

    def get_column(self, values: Any, role: str, style: Together | None = None) -> MathTex:
        """A column vector of numbers, e.g. the model's ``y``, in ``role``'s colour, written
        alike (or as ``style`` writes the numbers of the equation it is part of)."""
        texts = format_alike(values) if style is None else [style.text(v) for v in values]
        rows = r" \\ ".join(texts)
        return MathTex(r"\begin{pmatrix}" + rows + r"\end{pmatrix}", color=self.theme.role(role))

    def get_matrix(self, matrix: Any, colour: str | None = None) -> MathTex:
        """A matrix of numbers (e.g. the model's W), rows as the model stores them."""
        entries = np.asarray(matrix, dtype=float)
        texts = np.array(format_alike(entries.ravel())).reshape(entries.shape)
        body = r" \\ ".join(" & ".join(row) for row in texts)
        return MathTex(
            r"\begin{pmatrix}" + body + r"\end{pmatrix}", color=colour or self.theme.text
        )

    def get_number_tex(self, value: float, role: str = "alpha", reference: float = 0.0) -> MathTex:
        """A fixed number in ``role``'s colour, written by its magnitude
        (:func:`~lowrank_anim.maths.formatting.format_number`)."""
        return MathTex(format_number(value, reference), color=self.theme.role(role))

    def get_term(self, value: float, role: str = "alpha", style: Together | None = None) -> VGroup:
        """A coefficient as a term of a sum: ``+ 2.00`` or ``− 1.50`` (never ``+ −1.50``),
        written as ``style`` writes the numbers around it, if given."""
        sign, magnitude = signed_term(value, style=style)
        return VGroup(
            MathTex(sign, color=self.theme.text),
            MathTex(magnitude, color=self.theme.role(role)),
        ).arrange(RIGHT, buff=0.15)

    def get_tex_row(self, *parts: tuple[str, str | None]) -> MathTex:
        """One MathTex from ``(tex, role)`` parts, each part in its role's colour (or the text
        colour for ``None``), so equations colour their symbols exactly like the arrows."""
        row = MathTex(*(tex for tex, _ in parts), color=self.theme.text)
        for part, (_, role) in zip(row, parts, strict=True):
            if role is not None:
                part.set_color(self.theme.role(role))
        return row

    def get_panel(
        self,
        *rows: VMobject,
        corner: np.ndarray = UL,
        below: Mobject | None = None,
        name: str | None = None,
    ) -> Panel:
        """Rows stacked on a background that keeps them legible over the grid, shrunk if
        needed to stay inside the panel column: in a ``corner`` of the frame's safe area
        (never in the bottom band), or stacked ``below`` another panel.  The panel goes on the
        board as ``name`` (``panel <n>``) so labels keep clear of it."""
        content = VGroup(*rows).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        if content.width > PANEL_MAX_WIDTH:
            content.scale_to_fit_width(PANEL_MAX_WIDTH)
        box = SurroundingRectangle(
            content,
            buff=0.25,
            color=self.theme.muted,
            stroke_width=1,
            fill_color=self.theme.panel,
            fill_opacity=0.9,
            corner_radius=0.1,
        )
        panel = Panel(box, content)
        if below is not None:
            panel.next_to(below, DOWN, aligned_edge=LEFT, buff=PANEL_GAP / 2)
        else:
            panel.to_corner(corner, buff=PANEL_GAP)
        keep_on_screen(panel)
        key = name or f"panel {sum(k.startswith('panel ') for k in self.board.boxes)}"
        self.board.add_box(key, box_of(panel))
        return panel

    def get_text(self, text: str, scale: float = 0.5, colour: str | None = None) -> Text:
        return Text(text, color=colour or self.theme.text).scale(scale)

    def get_number(
        self,
        name: str,
        value: float,
        role: str = "alpha",
        values: Any = (),
        **style: Any,
    ) -> Any:
        """A number readout registered under ``name``, so tests can read what is shown.

        Its digits come from the range of ``values`` it will show (with ``value``): three
        significant figures of the largest (:func:`~lowrank_anim.maths.formatting.readout_format`);
        ``num_decimal_places`` in ``style`` fixes them instead (counts)."""
        if "num_decimal_places" in style:
            unit = (int(style.pop("num_decimal_places")), 0)
        else:
            unit = readout_format([value, *np.ravel(values)])
        self.units[name] = unit
        decimals, power = unit
        number = DecimalNumber(
            shown(value / 10.0**power, decimals),
            num_decimal_places=decimals,
            color=self.theme.role(role),
            **style,
        )
        self.numbers[name] = number
        return number

    def shown_value(self, name: str, value: float) -> float:
        """What the readout ``name`` displays for ``value`` (before its ``× 10^power``)."""
        decimals, power = self.units[name]
        return shown(value / 10.0**power, decimals)

    def set_number(self, name: str, value: float) -> None:
        """Show ``value`` in the readout registered as ``name``."""
        self.numbers[name].set_value(self.shown_value(name, value))

    def get_alpha_readout(self, alpha: Callable[[], float], values: Any = ()) -> Panel:
        """The panel ``α = vᵀx = <live value>``; ``alpha`` gives the value to show and
        ``values`` every value it will show in its beat, so its box fits the widest."""
        readout = self.get_tex_row((r"\alpha", "alpha"), ("=", None), (r"v^\top x", None))
        readout[2][0].set_color(self.theme.v)
        readout[2][-1].set_color(self.theme.x)
        value = self.get_number("alpha", alpha(), values=values)
        decimals, power = self.units["alpha"]
        # Build the box around the widest value this readout will show, then show the first.
        value.set_value(
            float(widest_text([alpha() / 10.0**power, *(np.ravel(values) / 10.0**power)], decimals))
        )
        equals = self.get_tex_row(("=", None))
        row = VGroup(readout, equals, value)
        if power:
            row.add(MathTex(rf"\times 10^{{{power}}}", color=self.theme.alpha))
        panel = self.get_panel(row.arrange(RIGHT), name="panel readout")
        value.set_value(self.shown_value("alpha", alpha()))
        self.follow_value(value, lambda: self.shown_value("alpha", alpha()))
        value.add_updater(lambda m: m.next_to(equals, RIGHT))
        return panel

    def get_alpha_plot(
        self,
        alpha_at: Callable[[float], float],
        turn: tuple[float, float],
        peak: float,
        below: Mobject | None = None,
    ) -> tuple[VGroup, Axes]:
        """A small plot of α against the angle of x over ``turn`` = (start, end) radians,
        with α's axis reaching ±``peak``; returns the panel and its axes (to place a dot)."""
        start, end = turn
        axes = Axes(
            x_range=[0, end - start, np.pi / 2],
            y_range=[-peak * 1.15, peak * 1.15, peak],
            x_length=4.2,
            y_length=1.8,
            tips=False,
            axis_config={"stroke_color": self.theme.muted, "stroke_width": 1.5},
        )
        curve = axes.plot(lambda t: alpha_at(start + t), color=self.theme.alpha, stroke_width=3)
        names = VGroup(
            MathTex(r"\alpha", color=self.theme.alpha).scale(0.6).next_to(axes.y_axis, UP, 0.1),
            self.get_text("angle of x →", 0.4, self.theme.muted).next_to(axes, DOWN, 0.1),
        )
        return self.get_panel(VGroup(axes, curve, names), below=below, name="panel plot"), axes

    def get_bar_row(
        self, name: str, tex: str, count: int, total: int, colour: str, length: float = 8.0
    ) -> VGroup:
        """A bar-chart row: ``tex`` on the left, a bar ``length · count / total`` long (to
        scale, however thin) and a counter registered as ``name``, starting at 0."""
        label = MathTex(tex, color=self.theme.text).scale(0.7)
        bar = Rectangle(
            width=length * count / total,
            height=0.45,
            fill_color=colour,
            fill_opacity=0.9,
            stroke_color=colour,
            stroke_width=1.5,
        )
        number = self.get_number(
            name, 0, role="alpha", num_decimal_places=0, group_with_commas=True
        ).scale(0.7)
        self.probes[f"bar {name}"] = lambda: bar.width
        return VGroup(label, bar, number)

    # Story beats ------------------------------------------------------------------------

    @contextmanager
    def beat(self, name: str, caption: str) -> Iterator[None]:
        """One beat of the story: its own section (one clip with ``--sections``), a subcaption
        spanning it (the ``.srt`` beside the video) and a geometry snapshot at its end."""
        title = f"{self.chapter_prefix}: {name}" if self.chapter_prefix else name
        self.next_section(title)
        start = self.time
        yield
        # A caption stays up long enough to be read (CAPTION_SPEED characters a second).
        # (Two frames more than the bare minimum: frame times are rounded.)
        short = reading_time(caption) - (self.time - start) + 2 / config.frame_rate
        if short > 2 / config.frame_rate:
            self.wait(math.ceil(short * config.frame_rate + 1e-9) / config.frame_rate)
        elapsed = self.time - start
        if elapsed > 0:
            self.add_subcaption(caption, duration=elapsed, offset=-elapsed)
        powers = {key: 10.0 ** self.units.get(key, (0, 0))[1] for key in self.numbers}
        record = BeatRecord(
            name=title,
            caption=caption,
            arrows=self.arrow_ends(),
            numbers={key: float(n.get_value()) * powers[key] for key, n in self.numbers.items()},
            precision={
                key: 0.5 * 10.0 ** -self.units.get(key, (2, 0))[0] * powers[key]
                for key in self.numbers
            },
            values={key: probe() for key, probe in self.probes.items()},
        )
        self.records.append(record)
        self.end_of_beat(record)

    def end_of_beat(self, record: BeatRecord) -> None:
        """Called at the end of every beat, with what it recorded; the frame audit
        (``bench/audit.py``) measures the frame here."""

    def arrow_ends(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Every named arrow's (start, end) in model coordinates, as drawn right now."""
        return {
            key: (self.p2c(arrow.get_start()), self.p2c(arrow.get_end()))
            for key, arrow in self.arrows.items()
        }

    def clear_stage(self) -> None:
        """Fade out everything and stop every updater: the next chapter starts afresh."""
        for mob in self.mobjects:
            mob.clear_updaters()
        if self.mobjects:
            self.play(*(FadeOut(mob) for mob in self.mobjects), run_time=0.8)
        self.clear()
        self.board.clear()

    # Performance ------------------------------------------------------------------------

    @staticmethod
    def follow_value(number: DecimalNumber, value: Callable[[], float]) -> DecimalNumber:
        """Keep ``number`` showing ``value()`` on every frame, cheaply.

        ``set_value`` rebuilds the digits by deep-copying one cached MathTex glyph per
        character, which made it the costliest thing on screen. So it only runs when the value
        moved, and the cached glyphs are slimmed first (see :func:`slim_digit_glyphs`): the
        same points and style, a tenth of the copying.
        """

        def update(mob: Any) -> None:
            new = value()
            if new != mob.get_value():
                slim_digit_glyphs()
                mob.set_value(new)

        return number.add_updater(update)


def slim_digit_glyphs() -> None:
    """Drop what manim's cached DecimalNumber glyphs keep only from parsing their SVG: the
    parsed path (``path_obj``) and the SVG id map (``id_to_vgroup_dict``). Neither is read
    once the points exist, yet every copy deep-copied them."""
    from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath
    from manim.mobject.text.numbers import string_to_mob_map

    for glyph in string_to_mob_map.values():
        if getattr(glyph, "id_to_vgroup_dict", None):
            glyph.id_to_vgroup_dict = {}
        for part in glyph.get_family():
            if isinstance(part, VMobjectFromSVGPath):
                part.path_obj = None
