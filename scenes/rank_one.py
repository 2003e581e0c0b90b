"""RankOneUpdate: the core story of the post, z = y + (vᵀx) u, told tip-to-tail.

Render it on its own with ``manim -ql scenes/rank_one.py RankOneUpdate`` or through the CLI
with ``render.py render RankOneUpdate``.
"""

from __future__ import annotations

import numpy as np
from manim import *

from lowrank_anim.formatting import MINUS, format_number
from lowrank_anim.model import Example
from scenes.base import LowRankScene


class RankOneUpdate(LowRankScene):
    """x → y = Wx, then α = vᵀx scales u, added tip-to-tail at y to give z."""

    @classmethod
    def layout_points(cls, ex: Example) -> np.ndarray:
        res, upd = ex.result, ex.update
        foot = (res.alpha1 / float(upd.v @ upd.v)) * upd.v  # the shadow of x on v
        return np.array([res.x, res.y, res.z, upd.u, upd.v, foot])

    def construct(self) -> None:
        res, upd = self.result, self.ex.update
        u, v, alpha = upd.u, upd.v, res.alpha1

        with self.beat("Input", "We start from an input vector x."):
            x_arrow, x_label = self.get_labelled_vector(res.x, "x")
            self.arrows["x"] = x_arrow
            self.play(FadeIn(self.plane), run_time=1)
            self.play(GrowArrow(x_arrow), Write(x_label))
            self.wait(0.5)

        with self.beat("Frozen W", "The frozen weights W map it to the old output y = Wx."):
            y_arrow, y_label = self.get_labelled_vector(res.y, "y", tex="y = Wx")
            self.arrows["y"] = y_arrow
            self.play(TransformFromCopy(x_arrow, y_arrow), run_time=1.5)
            self.play(Write(y_label))
            self.wait(0.5)

        with self.beat("Learned u and v", "Fine-tuning learns two vectors, u and v: W' = W + uvᵀ."):
            u_arrow, u_label = self.get_labelled_vector(u, "u")
            v_arrow = self.get_vector(v, "v")
            # x's shadow will run along v, so v's label sits beside it, away from x.
            v_label = self.get_label(v_arrow, "v", "v", side=self.normal_away_from(v, res.x))
            self.arrows.update(u=u_arrow, v=v_arrow)
            self.play(
                GrowArrow(u_arrow), GrowArrow(v_arrow), Write(u_label), Write(v_label), run_time=1.5
            )
            self.wait(1.5)

        with self.beat(
            "Alpha is v dot x",
            f"α = vᵀx = {format_number(alpha, tex=False).replace('-', MINUS)}: the length of x's "
            "shadow on v, times |v|.",
        ):
            # The shadow of x on the line through v; α = |v| × its signed length.
            foot = (alpha / float(v @ v)) * v
            span_v = self.get_span_line(v, "v")
            drop = DashedLine(self.c2p(res.x), self.c2p(foot), color=self.theme.muted)
            shadow = ValueTracker(0.0)
            shadow_line = always_redraw(
                lambda: Line(
                    self.c2p((0, 0)),
                    self.c2p(shadow.get_value() * foot),
                    color=self.theme.alpha,
                    stroke_width=9,
                )
            )
            alpha_panel = self.get_alpha_readout(
                lambda: shadow.get_value() * alpha, values=[0.0, alpha]
            )
            self.play(Create(span_v), Create(drop))
            self.add(shadow_line)
            self.bring_to_front(v_arrow, v_label)
            self.play(FadeIn(alpha_panel))
            self.play(shadow.animate.set_value(1.0), run_time=2)
            # Both stay put from here on: without updaters they join the static background
            # instead of being rebuilt and redrawn on every later frame.
            self.numbers["alpha"].clear_updaters()
            shadow_line.clear_updaters()
            self.wait(1)

        with self.beat(
            "Scale u by alpha", "Scale u by α and place it tip-to-tail at the end of y."
        ):
            scale = ValueTracker(1.0)
            moved = self.get_vector(res.y + u, "u", start=res.y)
            self.play(TransformFromCopy(u_arrow, moved), run_time=1.5)
            self.remove(moved)
            alpha_u = always_redraw(
                lambda: self.get_vector(res.y + scale.get_value() * u, "u", start=res.y)
            )
            self.arrows["alpha_u"] = alpha_u
            self.add(alpha_u)
            self.play(scale.animate.set_value(alpha), run_time=2)
            alpha_u.clear_updaters()
            # z's label will sit at this tip, so α u is named beside its middle, outside the sum.
            alpha_u_label = self.get_label(
                alpha_u, r"\alpha u", "u", scale=0.8, side=self.normal_away_from(u, -res.y)
            )
            self.play(Write(alpha_u_label))

        with self.beat("New output z", "The new output is the sum: z = y + (vᵀx) u."):
            z_arrow, z_label = self.get_labelled_vector(res.z, "z")
            self.arrows["z"] = z_arrow
            equation = self.get_tex_row(
                ("z", "z"),
                ("=", None),
                ("y", "y"),
                ("+", None),
                (r"(v^\top x)", "alpha"),
                ("u", "u"),
            )
            numbers = VGroup(
                self.get_column(res.z, "z"),
                self.get_tex_row(("=", None)),
                self.get_column(res.y, "y"),
                self.get_term(alpha),
                self.get_column(u, "u"),
            ).arrange(RIGHT, buff=0.15)
            panel = self.get_panel(equation, numbers.scale(0.8), corner=DL)
            self.play(GrowArrow(z_arrow), Write(z_label), run_time=1.5)
            self.play(FadeIn(panel), run_time=1.5)
            self.wait(2)
