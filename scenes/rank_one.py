"""RankOneUpdate: the core story of the post, z = y + (vᵀx) u, told tip-to-tail.

Render it on its own with ``manim -ql scenes/rank_one.py RankOneUpdate`` or through the CLI
with ``render.py render RankOneUpdate``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import *

from lowrank_anim.maths.formatting import MINUS, Together, together
from lowrank_anim.maths.model import Example
from scenes.base import LowRankScene
from scenes.builders import PANEL_MAX_WIDTH


def shadow_foot(ex: Example) -> np.ndarray:
    """The shadow of x on the line through v: α / |v|² · v."""
    v = ex.update.v
    return (ex.result.alpha1 / float(v @ v)) * v


@dataclass
class Cast:
    """Everything RankOneUpdate draws, built from the model before the first beat: all the
    geometry goes on the board first, so every label and panel is placed knowing it."""

    arrows: dict[str, Arrow]
    labels: dict[str, VMobject]
    shadow: ValueTracker
    alpha_panel: VMobject
    equation_panel: VMobject


def cast(scene: LowRankScene) -> Cast:
    res, upd = scene.result, scene.ex.update
    u, v = upd.u, upd.v
    # Geometry the later beats draw, reserved on the board before any label is placed.
    scene.get_span_line(v, "v")
    scene.reserve_arrow(shadow_foot(scene.ex), "alpha", start=res.x, name="drop")
    scene.reserve_arrow(shadow_foot(scene.ex), "alpha", name="shadow")
    arrows = {
        "x": scene.get_vector(res.x, "x"),
        "y": scene.get_vector(res.y, "y"),
        "u": scene.get_vector(u, "u"),
        "v": scene.get_vector(v, "v"),
        "alpha_u": scene.get_vector(res.z, "u", start=res.y, name="alpha_u"),
        "z": scene.get_vector(res.z, "z"),
    }
    shadow = ValueTracker(0.0)
    # α is in the readout and in the equation, on screen together: written one way.
    style = equation_style(scene)
    alpha_panel = scene.get_alpha_readout(
        lambda: shadow.get_value() * res.alpha1,
        values=[0.0, res.alpha1],
        decimals=style.decimals_of(res.alpha1),
    )
    equation_panel = get_equation_panel(scene)
    labels = {
        "x": scene.get_label(arrows["x"], "x", "x"),
        "y": scene.get_label(arrows["y"], "y = Wx", "y"),
        "z": scene.get_label(arrows["z"], "z", "z"),
        "u": scene.get_label(arrows["u"], "u", "u"),
        # x's shadow will run along v, so v's label sits beside it, away from x.
        "v": scene.get_label(arrows["v"], "v", "v", side=scene.normal_away_from(v, res.x)),
        # z's label sits at this tip, so α u is named beside its middle, outside the sum.
        "alpha_u": scene.get_label(
            arrows["alpha_u"], r"\alpha u", "u", scale=0.8, side=scene.normal_away_from(u, -res.y)
        ),
    }
    return Cast(arrows, labels, shadow, alpha_panel, equation_panel)


def equation_style(scene: LowRankScene) -> Together:
    """How the equation writes its numbers: alike, one number of decimals for all."""
    res = scene.result
    return together([*res.z, *res.y, res.alpha1, *scene.ex.update.u])


def get_equation_panel(scene: LowRankScene) -> VMobject:
    """z = y + (vᵀx) u, in symbols and in the model's numbers, above the bottom band."""
    res = scene.result
    equation = scene.get_tex_row(
        ("z", "z"), ("=", None), ("y", "y"), ("+", None), (r"(v^\top x)", "alpha"), ("u", "u")
    )
    u = scene.ex.update.u
    style = equation_style(scene)
    left = VGroup(
        scene.get_column(res.z, "z", style),
        scene.get_tex_row(("=", None)),
        scene.get_column(res.y, "y", style),
    ).arrange(RIGHT, buff=0.15)
    right = VGroup(scene.get_term(res.alpha1, style=style), scene.get_column(u, "u", style))
    right.arrange(RIGHT, buff=0.15)
    numbers = VGroup(left, right).arrange(RIGHT, buff=0.15).scale(0.8)
    if numbers.width > PANEL_MAX_WIDTH * 1.15:
        # Long numbers: "+ α u" goes on a second line rather than shrinking out of sight
        # (the panel shrinks a row by up to 13 % to fit, which keeps text readable).
        numbers.arrange(DOWN, aligned_edge=LEFT, buff=0.2)
        right.shift(RIGHT * (left[1].get_left()[0] - left.get_left()[0]))
    return scene.get_panel(equation, numbers, corner=DL, name="panel equation")


def show_input(scene: LowRankScene, c: Cast) -> None:
    with scene.beat("Input", "We start from an input vector x."):
        scene.arrows["x"] = c.arrows["x"]
        scene.play(FadeIn(scene.plane), run_time=1)
        scene.play(GrowArrow(c.arrows["x"]), Write(c.labels["x"]))
        scene.wait(0.5)


def apply_frozen_w(scene: LowRankScene, c: Cast) -> None:
    with scene.beat("Frozen W", "The frozen weights W map it to the old output y = Wx."):
        scene.arrows["y"] = c.arrows["y"]
        scene.play(TransformFromCopy(c.arrows["x"], c.arrows["y"]), run_time=1.5)
        scene.play(Write(c.labels["y"]))
        scene.wait(0.5)


def learn_u_and_v(scene: LowRankScene, c: Cast) -> None:
    with scene.beat("Learned u and v", "Fine-tuning learns two vectors, u and v: W' = W + uvᵀ."):
        scene.arrows.update(u=c.arrows["u"], v=c.arrows["v"])
        scene.play(
            GrowArrow(c.arrows["u"]),
            GrowArrow(c.arrows["v"]),
            Write(c.labels["u"]),
            Write(c.labels["v"]),
            run_time=1.5,
        )
        scene.wait(1.5)


def measure_alpha(scene: LowRankScene, c: Cast) -> None:
    res, v = scene.result, scene.ex.update.v
    # The caption writes α as the readout and the equation do.
    shown = equation_style(scene).text(res.alpha1, tex=False).replace("-", MINUS)
    with scene.beat(
        "Alpha is v dot x",
        f"α = vᵀx = {shown}: the length of x's shadow on v, times |v|.",
    ):
        # The shadow of x on the line through v; α = |v| × its signed length.
        foot = shadow_foot(scene.ex)
        span_v = scene.get_span_line(v, "v")
        drop = DashedLine(scene.c2p(res.x), scene.c2p(foot), color=scene.theme.muted)
        shadow_line = always_redraw(
            lambda: Line(
                scene.c2p((0, 0)),
                scene.c2p(c.shadow.get_value() * foot),
                color=scene.theme.alpha,
                stroke_width=9,
            )
        )
        scene.play(Create(span_v), Create(drop))
        scene.add(shadow_line)
        scene.bring_to_front(c.arrows["v"], c.labels["v"])
        scene.play(FadeIn(c.alpha_panel))
        scene.play(c.shadow.animate.set_value(1.0), run_time=2)
        # Both stay put from here on: without updaters they join the static background
        # instead of being rebuilt and redrawn on every later frame.
        scene.numbers["alpha"].clear_updaters()
        shadow_line.clear_updaters()
        scene.wait(1)


def scale_u(scene: LowRankScene, c: Cast) -> None:
    res, u = scene.result, scene.ex.update.u
    with scene.beat("Scale u by alpha", "Scale u by α and place it tip-to-tail at the end of y."):
        scale = ValueTracker(1.0)
        moved = scene.get_vector(res.y + u, "u", start=res.y, name="alpha_u")
        scene.play(TransformFromCopy(c.arrows["u"], moved), run_time=1.5)
        scene.remove(moved)
        alpha_u = always_redraw(
            lambda: scene.get_vector(
                res.y + scale.get_value() * u, "u", start=res.y, name="alpha_u"
            )
        )
        scene.arrows["alpha_u"] = alpha_u
        scene.add(alpha_u)
        scene.play(scale.animate.set_value(res.alpha1), run_time=2)
        alpha_u.clear_updaters()
        scene.play(Write(c.labels["alpha_u"]))


def add_to_get_z(scene: LowRankScene, c: Cast) -> None:
    with scene.beat("New output z", "The new output is the sum: z = y + (vᵀx) u."):
        scene.arrows["z"] = c.arrows["z"]
        scene.play(GrowArrow(c.arrows["z"]), Write(c.labels["z"]), run_time=1.5)
        scene.play(FadeIn(c.equation_panel), run_time=1.5)
        scene.wait(2)


class RankOneUpdate(LowRankScene):
    """x → y = Wx, then α = vᵀx scales u, added tip-to-tail at y to give z."""

    @classmethod
    def layout_points(cls, ex: Example) -> np.ndarray:
        res, upd = ex.result, ex.update
        return np.array([res.x, res.y, res.z, upd.u, upd.v, shadow_foot(ex)])

    def construct(self) -> None:
        c = cast(self)
        show_input(self, c)
        apply_frozen_w(self, c)
        learn_u_and_v(self, c)
        measure_alpha(self, c)
        scale_u(self, c)
        add_to_get_z(self, c)
