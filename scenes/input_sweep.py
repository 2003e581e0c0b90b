"""InputSweep: x turns once around a circle of fixed length, and α = vᵀx follows it.

α is largest when x points along v, 0 when x ⟂ v (then z = y exactly) and negative when x
points against v (α u then points against u), while z traces its path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from manim import *

from lowrank_anim.maths import placement
from lowrank_anim.maths.model import (
    Example,
    circle_inputs,
    direction_angle,
    on_circle,
    sweep_events,
)
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


#: The last beat: (beat name, caption, callout).
FULL_TURN = (
    "Full turn",
    "Once around: α = |x||v| cos θ followed the angle θ between x and v, and z traced its path.",
    "z traced its path: y + α u",
)


@dataclass
class Sweep:
    """The turning input: its circle, where it starts, and the angle it has reached."""

    radius: float
    start: float
    angle: ValueTracker

    def now(self, scene: LowRankScene) -> Any:
        """The forward pass for x where it is now."""
        return scene.ex.update.apply(on_circle(self.radius, self.angle.get_value()))

    def path(self, scene: LowRankScene, count: int = 72, output: str = "z") -> np.ndarray:
        """Scene points of z (or y) all the way round (what its trace will draw)."""
        turns = self.start + np.linspace(0, TAU, count)
        upd = scene.ex.update
        return np.array(
            [scene.c2p(getattr(upd.apply(on_circle(self.radius, t)), output)) for t in turns]
        )

    def trace(self, scene: LowRankScene, output: str, width: float, opacity: float) -> Mobject:
        """The path of z (or y) so far, drawn from the model (exact in every frame, and in a
        png)."""
        upd = scene.ex.update
        return always_redraw(
            lambda: ParametricFunction(
                lambda t: scene.c2p(getattr(upd.apply(on_circle(self.radius, t)), output)),
                t_range=(self.start, max(self.angle.get_value(), self.start + 1e-6)),
                color=scene.theme.role(output),
                stroke_width=width,
                stroke_opacity=opacity,
            )
        )


def reserve_paths(scene: LowRankScene, sweep: Sweep) -> list[str]:
    """Put on the board, before any label: the circle of inputs, z's whole path, and the
    arrows where x stops (each beat ends there), so u's and v's labels keep clear of them;
    returns the names of those arrows (taken off again once u and v are labelled)."""
    turns = np.linspace(0, TAU, 145)
    circle = np.array([scene.c2p(sweep.radius * np.array([np.cos(t), np.sin(t)])) for t in turns])
    scene.board.add_segments("circle", placement.path_segments(circle))
    scene.board.add_segments("z path", placement.path_segments(sweep.path(scene, 145)))
    scene.board.add_segments("y path", placement.path_segments(sweep.path(scene, 145, "y")))
    upd = scene.ex.update
    stops = [sweep.start, *(e.angle for e in sweep_events(scene.ex.x, upd.v))]
    names = []
    for index, angle in enumerate(stops):
        res = upd.apply(on_circle(sweep.radius, angle))
        for role, start, end in (
            ("x", (0, 0), res.x),
            ("y", (0, 0), res.y),
            ("z", (0, 0), res.z),
            ("u", res.y, res.z),
        ):
            scene.reserve_arrow(end, role, start=start, name=f"{role} at stop {index}")
            names.append(f"{role} at stop {index}")
    return names


def set_up(scene: LowRankScene, sweep: Sweep) -> tuple[Mobject, Axes]:
    """The circle, the arrows that follow x, u and v, the α readout and plot; returns the
    plot and its axes (to hang the callouts under and put the moving dot on)."""
    upd = scene.ex.update

    def now() -> Any:  # the forward pass where x is now, read at every frame
        return sweep.now(scene)

    with scene.beat("Circle of inputs", "Turn x once around a circle: its length stays fixed."):
        stops = reserve_paths(scene, sweep)
        circle = Circle(radius=sweep.radius * scene.view.scale, color=scene.theme.x)
        circle.move_to(scene.c2p((0, 0))).set_stroke(width=1.5, opacity=0.5)
        (u_arrow, u_label), (v_arrow, v_label) = scene.get_labelled_vectors(
            (upd.u, "u"), (upd.v, "v")
        )
        scene.board.remove(*stops)  # the moving labels see the arrows where they are
        arrows = {
            "x": always_redraw(lambda: scene.get_vector(now().x, "x")),
            "y": always_redraw(lambda: scene.get_vector(now().y, "y")),
            "z": always_redraw(lambda: scene.get_vector(now().z, "z")),
            "alpha_u": always_redraw(lambda: scene.get_vector(now().z, "u", start=now().y)),
        }
        labels = [scene.get_following_label(arrows[k], k, k) for k in ("x", "y", "z")]
        # α u, tip to tail at y, is named too (it flips, and vanishes to a dot when x ⟂ v).
        labels.append(scene.get_following_label(arrows["alpha_u"], r"\alpha u", "u"))
        scene.arrows.update(arrows, u=u_arrow, v=v_arrow)
        scene.probes["angle"] = sweep.angle.get_value
        peak = sweep.radius * float(np.linalg.norm(upd.v))
        readout = scene.get_alpha_readout(lambda: float(now().alpha1), values=[-peak, peak])
        plot, axes = scene.get_alpha_plot(
            lambda t: float(upd.alpha(on_circle(sweep.radius, t))[0]),
            (sweep.start, sweep.start + TAU),
            peak,
            below=readout,
        )
        marker = always_redraw(
            lambda: Dot(
                axes.c2p(sweep.angle.get_value() - sweep.start, float(now().alpha1)),
                radius=0.06,
                color=scene.theme.alpha,
            )
        )
        # z's path so far, and fainter y's (the room the view keeps for y as x turns): the
        # frame shows all the sweep went through, not only where it stopped.
        trace = sweep.trace(scene, "z", 2, 0.6)
        y_trace = sweep.trace(scene, "y", 1.5, 0.35)
        scene.play(FadeIn(scene.plane), Create(circle), run_time=1)
        scene.play(GrowArrow(u_arrow), GrowArrow(v_arrow), Write(u_label), Write(v_label))
        scene.add(y_trace, arrows["x"], arrows["y"], arrows["alpha_u"], arrows["z"], *labels, trace)
        scene.play(FadeIn(readout), FadeIn(plot), FadeIn(marker))
        scene.wait(0.5)
    return plot, axes


def turn_to(
    scene: LowRankScene,
    sweep: Sweep,
    target: float,
    text: tuple[str, str, str],
    under: Mobject,
    old: Mobject | None,
) -> Mobject:
    """Turn x on to the angle ``target`` and say what that moment shows, in a callout under
    ``under`` that replaces the ``old`` one; returns the new callout."""
    name, caption, note = text
    with scene.beat(name, caption):
        turn = max(target - sweep.angle.get_value(), 0.0)
        fade = [FadeOut(old, run_time=0.3)] if old is not None else []
        if turn > 1e-9:
            scene.play(
                sweep.angle.animate.set_value(target),
                *fade,
                run_time=1 + 2.5 * turn / TAU,
                rate_func=linear,
            )
        elif fade:
            scene.play(*fade)
        callout = scene.get_panel(scene.get_text(note, 0.4), below=under, name="panel callout")
        scene.play(FadeIn(callout), run_time=0.5)
        scene.wait(1)
    return callout


class InputSweep(LowRankScene):
    """x on a circle of fixed |x|; live α readout and plot; z traces its path."""

    @classmethod
    def layout_points(cls, ex: Example) -> np.ndarray:
        upd = ex.update
        xs = circle_inputs(ex.x, 72)
        outs = [upd.apply(x) for x in xs]
        return np.array([*xs, *(r.y for r in outs), *(r.z for r in outs), upd.u, upd.v])

    def construct(self) -> None:
        start = direction_angle(self.ex.x)
        sweep = Sweep(float(np.linalg.norm(self.ex.x)), start, ValueTracker(start))
        plot, _ = set_up(self, sweep)
        callout: Mobject | None = None
        for event in sweep_events(self.ex.x, self.ex.update.v):
            callout = turn_to(self, sweep, event.angle, EVENT_TEXT[event.name], plot, callout)
        turn_to(self, sweep, start + TAU, FULL_TURN, plot, callout)
