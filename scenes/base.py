"""The shared base every lowrank-anim scene builds on.

It owns what all scenes draw the same way: the themed plane, labelled vector arrows placed by
model coordinates, the equation panel and story beats (a section, a subcaption and a geometry
snapshot each).  Concrete scenes only say what happens in which order.

Variants (another theme, other numbers) are made by subclassing with a few class attributes
overridden, which :meth:`LowRankScene.variant` does for the CLI.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

import numpy as np
from manim import *

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


def to_point(coords: Any) -> np.ndarray:
    """Model coordinates (2 or 3 numbers) as a manim point."""
    arr = np.zeros(3)
    values = np.asarray(coords, dtype=float)
    arr[: values.shape[0]] = values
    return arr


class LowRankScene(Scene):
    """A NumberPlane scene that draws one :class:`~lowrank_anim.model.Example`."""

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

    def setup(self) -> None:
        self.theme: Theme = get_theme(self.theme_name)
        self.camera.background_color = self.theme.background
        self.ex: Example = self.example or self.default_example()
        self.result = self.ex.result
        self.plane = self.get_plane()
        self.arrows: dict[str, Arrow] = {}
        """Named arrows, so tests can compare their ends with the model."""
        self.snapshots: list[tuple[str, dict[str, tuple[np.ndarray, np.ndarray]]]] = []
        """(beat, {arrow name: (start, end) in model coordinates}) at the end of every beat."""

    # Builders ---------------------------------------------------------------------------

    def get_plane(self) -> NumberPlane:
        """The themed coordinate plane; one model unit is one manim unit."""
        return NumberPlane(
            background_line_style={
                "stroke_color": self.theme.grid,
                "stroke_width": 1.5,
                "stroke_opacity": 0.45,
            },
            axis_config={"stroke_color": self.theme.axes, "stroke_width": 2},
        )

    def c2p(self, coords: Any) -> np.ndarray:
        """Model coordinates → scene point, through the plane."""
        return np.asarray(self.plane.c2p(*to_point(coords)[:2]))

    def p2c(self, point: Any) -> np.ndarray:
        """Scene point → model coordinates (the inverse of :meth:`c2p`)."""
        return np.asarray(self.plane.p2c(point))

    def get_vector(self, end: Any, role: str, start: Any = (0, 0), **style: Any) -> Arrow:
        """An arrow from ``start`` to ``end`` (model coordinates) in ``role``'s colour."""
        return Arrow(
            self.c2p(start),
            self.c2p(end),
            color=self.theme.role(role),
            **{**ARROW_STYLE, **style},
        )

    def get_label(
        self, arrow: Arrow, tex: str, role: str, scale: float = 0.9, side: Any = None
    ) -> MathTex:
        """A MathTex label for ``arrow``: beyond its tip, or, with ``side`` (a model-space
        direction), beside its midpoint on that side, for tips that are crowded."""
        label = MathTex(tex, color=self.theme.role(role)).scale(scale)
        if side is None:
            self.place_label(label, arrow)
        else:
            label.next_to(arrow.get_center(), to_point(normalize(to_point(side))), buff=LABEL_BUFF)
        return label

    @staticmethod
    def place_label(label: Mobject, arrow: Arrow) -> Mobject:
        direction = arrow.get_end() - arrow.get_start()
        norm = np.linalg.norm(direction)
        unit = direction / norm if norm > 1e-9 else UP
        return label.next_to(arrow.get_end(), unit, buff=LABEL_BUFF)

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

    def get_column(self, values: Any, role: str) -> MathTex:
        """A column vector of numbers, e.g. the model's ``y``, in ``role``'s colour."""
        rows = r" \\ ".join(f"{float(v):.{DECIMALS}f}" for v in values)
        return MathTex(r"\begin{pmatrix}" + rows + r"\end{pmatrix}", color=self.theme.role(role))

    def get_tex_row(self, *parts: tuple[str, str | None]) -> MathTex:
        """One MathTex from ``(tex, role)`` parts, each part in its role's colour (or the text
        colour for ``None``), so equations colour their symbols exactly like the arrows."""
        row = MathTex(*(tex for tex, _ in parts), color=self.theme.text)
        for part, (_, role) in zip(row, parts, strict=True):
            if role is not None:
                part.set_color(self.theme.role(role))
        return row

    def get_panel(self, *rows: Mobject, corner: np.ndarray = UL) -> VGroup:
        """Rows stacked in a corner on a background that keeps them legible over the grid."""
        content = VGroup(*rows).arrange(DOWN, aligned_edge=LEFT, buff=0.3)
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

    def get_text(self, text: str, scale: float = 0.5) -> Text:
        return Text(text, color=self.theme.text).scale(scale)

    # Story beats ------------------------------------------------------------------------

    @contextmanager
    def beat(self, name: str, caption: str) -> Iterator[None]:
        """One beat of the story: its own section (one clip with ``--sections``), a subcaption
        spanning it (the ``.srt`` beside the video) and a geometry snapshot at its end."""
        self.next_section(name)
        start = self.time
        yield
        elapsed = self.time - start
        if elapsed > 0:
            self.add_subcaption(caption, duration=elapsed, offset=-elapsed)
        self.snapshots.append((name, self.arrow_ends()))

    def arrow_ends(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Every named arrow's (start, end) in model coordinates, as drawn right now."""
        return {
            key: (self.p2c(arrow.get_start()), self.p2c(arrow.get_end()))
            for key, arrow in self.arrows.items()
        }

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
