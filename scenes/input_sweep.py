"""InputSweep: x turns once around a circle of fixed length, and α = vᵀx follows it.

α is largest when x points along v, 0 when x ⟂ v (then z = y exactly) and negative when x
points against v (α u then points against u), while z traces its path.
"""

from __future__ import annotations

import numpy as np
from manim import *

from lowrank_anim.model import Example, circle_inputs, direction_angle, on_circle, sweep_events
from scenes.base import LowRankScene

#: What each moment of the turn shows: (beat name, caption, callout).
EVENT_TEXT = {
    "along": (
        "Along v",
        "x along v: α = |x||v|, the largest change for inputs this long (for x = v, α = |v|²).",
        "x ∥ v: |α| = |x||v|, the largest",
    ),
    "perpendicular": (
        "Perpendicular",
        "x ⟂ v: α = vᵀx = 0, so z = y: this input is not changed at all.",
        "x ⟂ v: α = 0, so z = y exactly",
    ),
    "against": (
        "Against v",
        "x against v: α = −|x||v| is negative, so α u flips to point against u.",
        "α < 0: α u flips against u",
    ),
    "perpendicular again": (
        "Perpendicular again",
        "x ⟂ v again: α = 0 and z = y once more.",
        "x ⟂ v: α = 0, so z = y exactly",
    ),
}


class InputSweep(LowRankScene):
    """x on a circle of fixed |x|; live α readout and plot; z traces its path."""

    @classmethod
    def layout_points(cls, ex: Example) -> np.ndarray:
        upd = ex.update
        xs = circle_inputs(ex.x, 72)
        outs = [upd.apply(x) for x in xs]
        return np.array([*xs, *(r.y for r in outs), *(r.z for r in outs), upd.u, upd.v])

    def construct(self) -> None:
        upd = self.ex.update
        u, v = upd.u, upd.v
        radius = float(np.linalg.norm(self.ex.x))
        events = sweep_events(self.ex.x, v)
        start = direction_angle(self.ex.x)
        angle = ValueTracker(start)

        def now():  # the forward pass for x where it is now
            return upd.apply(on_circle(radius, angle.get_value()))

        with self.beat("Circle of inputs", "Turn x once around a circle: its length stays fixed."):
            circle = Circle(radius=radius * self.view.scale, color=self.theme.x)
            circle.move_to(self.c2p((0, 0))).set_stroke(width=1.5, opacity=0.5)
            x_arrow = always_redraw(lambda: self.get_vector(now().x, "x"))
            y_arrow = always_redraw(lambda: self.get_vector(now().y, "y"))
            z_arrow = always_redraw(lambda: self.get_vector(now().z, "z"))
            alpha_u = always_redraw(lambda: self.get_vector(now().z, "u", start=now().y))
            u_arrow, u_label = self.get_labelled_vector(u, "u")
            v_arrow, v_label = self.get_labelled_vector(v, "v")
            x_label = always_redraw(lambda: self.get_label(x_arrow, "x", "x"))
            y_label = always_redraw(lambda: self.get_label(y_arrow, "y", "y"))
            z_label = always_redraw(lambda: self.get_label(z_arrow, "z", "z"))
            self.arrows.update(
                x=x_arrow, y=y_arrow, z=z_arrow, alpha_u=alpha_u, u=u_arrow, v=v_arrow
            )
            self.probes["angle"] = angle.get_value
            peak = radius * float(np.linalg.norm(v))
            readout = self.get_alpha_readout(lambda: float(now().alpha1), values=[-peak, peak])
            plot, axes = self.get_alpha_plot(
                lambda t: float(upd.alpha(on_circle(radius, t))[0]),
                (start, start + TAU),
                peak,
                below=readout,
            )

            marker = always_redraw(
                lambda: Dot(
                    axes.c2p(angle.get_value() - start, float(now().alpha1)),
                    radius=0.06,
                    color=self.theme.alpha,
                )
            )
            # z's path so far, drawn from the model (exact in every frame, and in a png).
            trace = always_redraw(
                lambda: ParametricFunction(
                    lambda t: self.c2p(upd.apply(on_circle(radius, t)).z),
                    t_range=[start, max(angle.get_value(), start + 1e-6)],
                    color=self.theme.z,
                    stroke_width=2,
                    stroke_opacity=0.6,
                )
            )
            self.play(FadeIn(self.plane), Create(circle), run_time=1)
            self.play(*(GrowArrow(a) for a in (u_arrow, v_arrow)), Write(u_label), Write(v_label))
            self.add(x_arrow, y_arrow, alpha_u, z_arrow, x_label, y_label, z_label, trace)
            self.play(FadeIn(readout), FadeIn(plot), FadeIn(marker))
            self.wait(0.5)

        callout = VGroup()
        for event in [*events, None]:
            target = start + TAU if event is None else event.angle
            if event is None:
                name, caption, note = (
                    "Full turn",
                    "Once around: α = |x||v| cos θ followed the angle θ between x and v, and z "
                    "traced its path.",
                    "z traced its path: y + α u",
                )
            else:
                name, caption, note = EVENT_TEXT[event.name]
            with self.beat(name, caption):
                turn = max(target - angle.get_value(), 0.0)
                if turn > 1e-9:
                    self.play(
                        angle.animate.set_value(target),
                        run_time=1 + 2.5 * turn / TAU,
                        rate_func=linear,
                    )
                new = self.get_text(note, 0.4).next_to(plot, DOWN, aligned_edge=LEFT, buff=0.3)
                self.play(FadeOut(callout), FadeIn(new), run_time=0.5)
                callout = new
                self.wait(1)
