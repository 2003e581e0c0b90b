"""Builders of text: equations, matrices, panels, number readouts, the α readout and plot.

A panel takes a free spot on the scene's placement board (in a corner of the safe area, or below
another panel); numbers are written by :mod:`lowrank_anim.maths.formatting`, and a readout is
registered by name so tests and the frame audit can read what it shows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from manim import *

from lowrank_anim.maths import placement
from lowrank_anim.maths.formatting import (
    Together,
    format_alike,
    format_number,
    readout_format,
    signed_term,
    widest_text,
)
from lowrank_anim.maths.palette import Theme
from scenes.builders import PANEL_GAP, PANEL_MAX_WIDTH, box_of, keep_on_screen, shown
from scenes.mobjects import Panel, StoryText
from scenes.perf import follow_value


class TextBuilders(Scene):
    """The ``get_*`` builders of text, panels and readouts, for
    :class:`~scenes.base.LowRankScene` (which sets the attributes below per chapter)."""

    theme: Theme
    board: placement.Board
    numbers: dict[str, DecimalNumber]
    units: dict[str, tuple[int, int]]
    probes: dict[str, Callable[[], Any]]

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
        """A line of plain text, the same shape at every render size (:class:`StoryText`)."""
        return StoryText(text, color=colour or self.theme.text).scale(scale)

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
        # Written as every other number on screen (formatting.py): "1500", not "1,500".
        style.setdefault("group_with_commas", False)
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

    def get_alpha_readout(
        self, alpha: Callable[[], float], values: Any = (), decimals: int | None = None
    ) -> Panel:
        """The panel ``α = vᵀx = <live value>``; ``alpha`` gives the value to show and
        ``values`` every value it will show in its beat, so its box fits the widest;
        ``decimals`` fixes its digits (as an equation in the same frame writes α)."""
        readout = self.get_tex_row((r"\alpha", "alpha"), ("=", None), (r"v^\top x", None))
        readout[2][0].set_color(self.theme.v)
        readout[2][-1].set_color(self.theme.x)
        fixed: dict[str, Any] = {} if decimals is None else {"num_decimal_places": decimals}
        value = self.get_number("alpha", alpha(), values=values, **fixed)
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
        follow_value(value, lambda: self.shown_value("alpha", alpha()))
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
