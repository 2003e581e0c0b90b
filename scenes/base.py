"""The shared base every lowrank-anim scene builds on.

It owns what all scenes draw the same way, as ``get_*`` builders: the fitted, themed plane,
labelled vector arrows placed by model coordinates, equation panels, the α readout and plot,
span lines, 3-D axes and arrows, and story beats (a section, a subcaption and a geometry
snapshot each).  Concrete scenes only say what happens in which order, so each stays short.

Where things go on screen is decided once per scene by :func:`lowrank_anim.layout.fit_view`
from the points the scene will draw (its :meth:`LowRankScene.layout_points`): any valid
parameters give a picture whose arrows and labels are all on screen.

Variants (another theme, other numbers) are made by subclassing with a few class attributes
overridden, which :meth:`LowRankScene.variant` does for the CLI.

``FullStory`` plays the other scenes in one video by calling each one's ``construct`` with
itself as ``self`` (see :meth:`LowRankScene.open_chapter`), so scene code uses only the
builders defined here and the model's functions, never helpers of its own class.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from manim import *

from lowrank_anim import layout
from lowrank_anim.model import Example, default_rank_one
from lowrank_anim.palette import DEFAULT_THEME, ROLE_TEX, Theme, get_theme

#: Arrow stroke and tip sizes shared by every vector, so all scenes look alike.
ARROW_STYLE: dict[str, Any] = {
    "buff": 0,
    "stroke_width": 5,
    "max_tip_length_to_length_ratio": 0.2,
    "max_stroke_width_to_length_ratio": 8,
}
LABEL_BUFF = 0.15
DECIMALS = 2
#: Widest a panel may be: the left column kept free of geometry, less its margins.
PANEL_MAX_WIDTH = layout.PANEL_COLUMN - 0.5
#: Shortest arrow drawn as an arrow (scene units); shorter ones are a point.
MIN_ARROW = 1e-6


def to_point(coords: Any) -> np.ndarray:
    """Model coordinates (2 or 3 numbers) as a 3-number point (no scaling)."""
    arr = np.zeros(3)
    values = np.asarray(coords, dtype=float)
    arr[: values.shape[0]] = values
    return arr


def shown(value: float) -> float:
    """``value`` as a readout shows it: rounded to :data:`DECIMALS`, and never "-0.00" for
    the tiny negative round-off of an exact zero (α when x ⟂ v)."""
    return round(float(value), DECIMALS) + 0.0


def overlaps(a: Mobject, b: Mobject, pad: float = 0.05) -> bool:
    """Whether the bounding boxes of ``a`` and ``b`` (grown by ``pad``) intersect."""
    return bool(
        a.get_left()[0] - pad < b.get_right()[0]
        and b.get_left()[0] - pad < a.get_right()[0]
        and a.get_bottom()[1] - pad < b.get_top()[1]
        and b.get_bottom()[1] - pad < a.get_top()[1]
    )


def keep_on_screen(mob: Mobject, buff: float = 0.1) -> Mobject:
    """Slide ``mob`` back inside the frame if it sticks out (a wide label at an arrow tip
    near the edge); the fitted view already keeps the tips themselves inside."""
    frame = layout.FRAME
    shift = np.zeros(3)
    if mob.get_left()[0] < frame.left + buff:
        shift[0] = frame.left + buff - mob.get_left()[0]
    elif mob.get_right()[0] > frame.right - buff:
        shift[0] = frame.right - buff - mob.get_right()[0]
    if mob.get_bottom()[1] < frame.bottom + buff:
        shift[1] = frame.bottom + buff - mob.get_bottom()[1]
    elif mob.get_top()[1] > frame.top - buff:
        shift[1] = frame.top - buff - mob.get_top()[1]
    return mob.shift(shift)


@dataclass
class BeatRecord:
    """What was on screen at the end of one beat, in model coordinates."""

    name: str
    caption: str
    arrows: dict[str, tuple[np.ndarray, np.ndarray]]
    numbers: dict[str, float]
    """Every registered number readout (α, counts) as it is displayed."""
    values: dict[str, Any] = field(default_factory=dict)
    """Anything else a scene registered a probe for (dots, the sweep angle, bar widths)."""


class LowRankScene(Scene):
    """A scene that draws one :class:`~lowrank_anim.model.Example` on a fitted plane."""

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
        self.camera.background_color = self.theme.background
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
        self.label_spots: dict[str, Mobject] = {}
        """Where each tip label sits, so the next one can keep clear of it."""
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

    def get_vector(self, end: Any, role: str, start: Any = (0, 0), **style: Any) -> Arrow:
        """An arrow from ``start`` to ``end`` (model coordinates) in ``role``'s colour.

        An arrow of (almost) zero length — α u when x ⟂ v — is kept as an invisible stub at
        the right place, so it can still be animated and measured.
        """
        begin, finish = self.c2p(start), self.c2p(end)
        colour = style.pop("color", self.theme.role(role))
        if np.linalg.norm(finish - begin) < MIN_ARROW:
            stub = Arrow(begin, begin + RIGHT * MIN_ARROW * 1e-3, color=colour, **ARROW_STYLE)
            return stub.set_opacity(0)
        return Arrow(begin, finish, color=colour, **{**ARROW_STYLE, **style})

    def get_label(
        self, arrow: Mobject, tex: str, role: str, scale: float = 0.9, side: Any = None
    ) -> MathTex:
        """A MathTex label for ``arrow``: beyond its tip, or, with ``side`` (a model-space
        direction), beside its midpoint on that side, for tips that are crowded.

        A tip label that would cover another label (two tips close together, as z and y when
        α = 0) turns around the tip until it is clear of them."""
        label = MathTex(tex, color=self.theme.role(role)).scale(scale)
        key = f"{role}:{tex}"
        direction = arrow.get_end() - arrow.get_start()
        norm = np.linalg.norm(direction)
        unit = direction / norm if norm > 1e-9 else UP
        # Where to try, best first: the side asked for (then the other side), then around the tip.
        spots: list[tuple[np.ndarray, np.ndarray]] = []
        if side is not None:
            normal = to_point(normalize(to_point(side)))
            spots += [(arrow.get_center(), normal), (arrow.get_center(), -normal)]
        spots += [(arrow.get_end(), rotate_vector(unit, k * PI / 3)) for k in (0, 1, -1, 2, -2, 3)]
        others = [m for k, m in self.label_spots.items() if k != key]
        for anchor, towards in [*spots, spots[0]]:
            keep_on_screen(label.next_to(anchor, towards, buff=LABEL_BUFF))
            if not any(overlaps(label, other) for other in others):
                break
        self.label_spots[key] = label
        return keep_on_screen(label)

    @staticmethod
    def normal_away_from(direction: Any, avoid: Any) -> np.ndarray:
        """The unit normal of ``direction`` (2-D) on the side away from ``avoid``."""
        d = np.asarray(direction, dtype=float)[:2]
        normal = np.array([-d[1], d[0]]) / max(float(np.linalg.norm(d)), 1e-9)
        return -normal if float(normal @ np.asarray(avoid, dtype=float)[:2]) > 0 else normal

    def get_labelled_vector(
        self, end: Any, role: str, tex: str | None = None, start: Any = (0, 0)
    ) -> tuple[Arrow, MathTex]:
        arrow = self.get_vector(end, role, start=start)
        return arrow, self.get_label(arrow, tex or ROLE_TEX[role], role)

    def get_span_line(self, direction: Any, role: str, opacity: float = 0.5) -> Line:
        """The line through the origin along ``direction`` (model coordinates), long enough
        to cross the whole frame at any zoom."""
        d = np.asarray(direction, dtype=float)
        reach = 4 * layout.FRAME_HALF_WIDTH / self.view.scale / max(float(np.linalg.norm(d)), 1e-12)
        line = Line(self.c2p(-reach * d), self.c2p(reach * d), color=self.theme.role(role))
        return line.set_stroke(width=1.5, opacity=opacity)

    def get_dots(self, points: Any, colour: str, radius: float = 0.05) -> VGroup:
        """One dot per row of ``points`` (model coordinates)."""
        return VGroup(*(Dot(self.c2p(p), radius=radius, color=colour) for p in points))

    # Builders: text and panels ----------------------------------------------------------

    def get_column(self, values: Any, role: str) -> MathTex:
        """A column vector of numbers, e.g. the model's ``y``, in ``role``'s colour."""
        rows = r" \\ ".join(f"{float(v):.{DECIMALS}f}" for v in values)
        return MathTex(r"\begin{pmatrix}" + rows + r"\end{pmatrix}", color=self.theme.role(role))

    def get_matrix(self, matrix: Any, colour: str | None = None) -> MathTex:
        """A matrix of numbers (e.g. the model's W), rows as the model stores them."""
        body = r" \\ ".join(
            " & ".join(f"{float(v):.{DECIMALS}f}" for v in row) for row in np.asarray(matrix)
        )
        return MathTex(
            r"\begin{pmatrix}" + body + r"\end{pmatrix}", color=colour or self.theme.text
        )

    def get_tex_row(self, *parts: tuple[str, str | None]) -> MathTex:
        """One MathTex from ``(tex, role)`` parts, each part in its role's colour (or the text
        colour for ``None``), so equations colour their symbols exactly like the arrows."""
        row = MathTex(*(tex for tex, _ in parts), color=self.theme.text)
        for part, (_, role) in zip(row, parts, strict=True):
            if role is not None:
                part.set_color(self.theme.role(role))
        return row

    def get_panel(self, *rows: Mobject, corner: np.ndarray = UL) -> VGroup:
        """Rows stacked in a corner on a background that keeps them legible over the grid,
        shrunk if needed to stay inside the panel column."""
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
        return VGroup(box, content).to_corner(corner, buff=0.3)

    def get_text(self, text: str, scale: float = 0.5, colour: str | None = None) -> Text:
        return Text(text, color=colour or self.theme.text).scale(scale)

    def get_number(self, name: str, value: float, role: str = "alpha", **style: Any) -> Any:
        """A number readout registered under ``name``, so tests can read what is shown."""
        number = DecimalNumber(
            value,
            num_decimal_places=style.pop("num_decimal_places", DECIMALS),
            color=self.theme.role(role),
            **style,
        )
        self.numbers[name] = number
        return number

    def set_number(self, name: str, value: float) -> None:
        """Show ``value`` in the readout registered as ``name``."""
        self.numbers[name].set_value(value)

    def get_alpha_readout(self, alpha: Callable[[], float]) -> VGroup:
        """The panel ``α = vᵀx = <live value>``; ``alpha`` gives the value to show."""
        readout = self.get_tex_row((r"\alpha", "alpha"), ("=", None), (r"v^\top x", None))
        readout[2][0].set_color(self.theme.v)
        readout[2][-1].set_color(self.theme.x)
        value = self.get_number("alpha", shown(alpha()))
        panel = self.get_panel(VGroup(readout, self.get_tex_row(("=", None)), value).arrange(RIGHT))
        self.follow_value(value, lambda: shown(alpha()))
        value.add_updater(lambda m: m.next_to(panel[1][0][1], RIGHT))
        return panel

    def get_alpha_plot(
        self, alpha_at: Callable[[float], float], turn: tuple[float, float], peak: float
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
            self.get_text("angle of x →", 0.3, self.theme.muted).next_to(axes, DOWN, 0.1),
        )
        return self.get_panel(VGroup(axes, curve, names)), axes

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
        elapsed = self.time - start
        if elapsed > 0:
            self.add_subcaption(caption, duration=elapsed, offset=-elapsed)
        self.records.append(
            BeatRecord(
                name=title,
                caption=caption,
                arrows=self.arrow_ends(),
                numbers={key: float(n.get_value()) for key, n in self.numbers.items()},
                values={key: probe() for key, probe in self.probes.items()},
            )
        )

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

    # Performance ------------------------------------------------------------------------

    @staticmethod
    def follow_value(number: DecimalNumber, value: Callable[[], float]) -> DecimalNumber:
        """Keep ``number`` showing ``value()`` on every frame, cheaply.

        ``set_value`` rebuilds the digits by deep-copying one cached MathTex glyph per
        character, which made it the costliest thing on screen. So it only runs when the value
        moved, and the cached glyphs are slimmed first (see :func:`slim_digit_glyphs`): the
        same points and style, a tenth of the copying.
        """

        def update(mob: DecimalNumber) -> None:
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
