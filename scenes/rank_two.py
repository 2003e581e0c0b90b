"""RankTwoUpdate: in 3-D, a rank-2 update moves every output only within span(u₁, u₂).

W' = W + u₁v₁ᵀ + u₂v₂ᵀ gives z = y + α₁u₁ + α₂u₂ with αᵢ = vᵢᵀx: whatever the input, the
change z − y lies in the plane spanned by u₁ and u₂.  Several inputs show it, and the camera
turns until that plane is seen edge-on and every change lines up in it.
"""

from __future__ import annotations

import numpy as np
from manim import *

from lowrank_anim.maths import layout
from lowrank_anim.maths.model import Example, default_rank_two, span_normal, turned_inputs
from scenes.base import LowRankScene3D

#: How many inputs the scene shows: x and its turns about the vertical axis.
INPUT_COUNT = 3
#: Half-sizes of the drawn pieces of span(u₁, u₂): through the origin, and through each y.
SPAN_REACH, LOCAL_REACH = 1.3, 0.6
#: Camera distance, scene units: far enough that perspective no longer enlarges near points.
FAR_CAMERA = 1000.0


class RankTwoUpdate(LowRankScene3D):
    """Axes, u₁ and u₂ with their plane, then inputs whose changes all lie in it."""

    @classmethod
    def default_example(cls) -> Example:
        return default_rank_two()

    @classmethod
    def layout_points(cls, ex: Example) -> np.ndarray:
        upd = ex.update
        u1, u2 = upd.U.T
        corners = [a * u1 + b * u2 for a in (-1, 1) for b in (-1, 1)]
        points = [u1, u2, *(SPAN_REACH * c for c in corners)]
        for x in turned_inputs(ex.x, INPUT_COUNT):
            res = upd.apply(x)
            points += [x, res.y, res.z, res.delta, res.y + res.alpha[0] * u1]
            points += [res.y + LOCAL_REACH * c for c in corners]
        return np.array(points)

    def construct(self) -> None:
        upd = self.ex.update
        u1, u2 = upd.U.T
        results = [upd.apply(x) for x in turned_inputs(self.ex.x, INPUT_COUNT)]
        # A far camera (no perspective) keeps the fitted ball inside the frame from every angle,
        # and shows the plane edge-on as a true line.
        self.set_camera_orientation(
            phi=65 * DEGREES, theta=-50 * DEGREES, focal_distance=FAR_CAMERA
        )

        with self.beat("Two pairs", "A rank-2 update learns two pairs: W' = W + u₁v₁ᵀ + u₂v₂ᵀ."):
            axes = self.get_axes_3d()
            arrows = {"u1": self.get_vector_3d(u1, "u"), "u2": self.get_vector_3d(u2, "u")}
            labels = [self.get_label_3d(arrows[f"u{i}"], f"u_{i}", "u") for i in (1, 2)]
            plane = self.get_span_patch(u1, u2, (0, 0, 0), SPAN_REACH)
            self.arrows.update(arrows)
            equation = self.get_tex_row(
                ("W'", None),
                ("=", None),
                ("W", None),
                ("+", None),
                ("u_1", "u"),
                (r"v_1^\top", "v"),
                ("+", None),
                ("u_2", "u"),
                (r"v_2^\top", "v"),
            )
            change = self.get_tex_row(
                ("z", "z"),
                ("-", None),
                ("y", "y"),
                ("=", None),
                (r"\alpha_1", "alpha"),
                ("u_1", "u"),
                ("+", None),
                (r"\alpha_2", "alpha"),
                ("u_2", "u"),
            )
            alphas = VGroup(
                *(
                    VGroup(
                        MathTex(rf"\alpha_{i} =", color=self.theme.alpha).scale(0.8),
                        self.get_number(f"alpha{i}", 0.0).scale(0.8),
                    ).arrange(RIGHT)
                    for i in (1, 2)
                )
            ).arrange(RIGHT, buff=0.5)
            panel = self.get_panel(equation.scale(0.8), change.scale(0.8), alphas)
            self.pin(panel)
            self.remove(panel)
            self.face_camera(*labels)
            self.remove(*labels)
            self.play(Create(axes), FadeIn(panel), run_time=1.5)
            self.play(*(FadeIn(a) for a in arrows.values()), *(FadeIn(lb) for lb in labels))
            self.play(FadeIn(plane))
            self.begin_ambient_camera_rotation(rate=0.12)
            self.wait(1)

        shown: list[Mobject] = []
        for index, res in enumerate(results, start=1):
            first = index == 1
            name = "One input" if first else f"Input {index}"
            caption = (
                "For an input x, z − y = α₁u₁ + α₂u₂ with αᵢ = vᵢᵀx: z sits in the plane "
                "through y spanned by u₁ and u₂."
                if first
                else "Another input gives other α₁ and α₂, but z − y again lies in span(u₁, u₂)."
            )
            with self.beat(name, caption):
                self.probes["input"] = lambda index=index: index  # type: ignore[misc]
                self.set_number("alpha1", res.alpha[0])
                self.set_number("alpha2", res.alpha[1])
                if shown:
                    self.play(*(m.animate.set_opacity(0.25) for m in shown), run_time=0.5)
                step = res.y + res.alpha[0] * u1
                local_plane = self.get_span_patch(u1, u2, res.y, LOCAL_REACH)
                x_arrow = self.get_vector_3d(res.x, "x")
                y_arrow = self.get_vector_3d(res.y, "y")
                z_arrow = self.get_vector_3d(res.z, "z")
                if first:
                    # The change built up term by term: α₁u₁, then α₂u₂, tip to tail.
                    change_parts = [
                        self.get_vector_3d(step, "u", start=res.y),
                        self.get_vector_3d(res.z, "u", start=step),
                    ]
                    self.arrows.update(alpha1_u1_1=change_parts[0], alpha2_u2_1=change_parts[1])
                else:
                    change_parts = [self.get_vector_3d(res.z, "u", start=res.y)]
                    self.arrows[f"delta{index}"] = change_parts[0]
                self.arrows.update(
                    {f"x{index}": x_arrow, f"y{index}": y_arrow, f"z{index}": z_arrow}
                )
                parts = [x_arrow, y_arrow, *change_parts, z_arrow]
                self.play(FadeIn(x_arrow), run_time=0.6)
                self.play(TransformFromCopy(x_arrow, y_arrow), run_time=1)
                self.play(FadeIn(local_plane), run_time=0.6)
                for piece in change_parts:
                    self.play(FadeIn(piece), run_time=0.7)
                self.play(FadeIn(z_arrow), run_time=0.7)
                if first:
                    names = [
                        self.get_label_3d(arrow, k, k)
                        for arrow, k in ((x_arrow, "x"), (y_arrow, "y"), (z_arrow, "z"))
                    ]
                    self.face_camera(*names)
                    self.remove(*names)
                    self.play(*(FadeIn(n) for n in names))
                    shown += names
                shown += [*parts, local_plane]
                self.wait(0.5)

        with self.beat(
            "Edge on",
            "Moved to the origin, the changes z − y all lie in one plane: seen edge-on they "
            "line up. A rank-2 update moves outputs in only two directions.",
        ):
            self.play(*(m.animate.set_opacity(0.12) for m in shown), run_time=0.6)
            changes = {
                f"change{i}": self.get_vector_3d(res.delta, "alpha")
                for i, res in enumerate(results, start=1)
            }
            self.arrows.update(changes)
            self.play(*(FadeIn(a) for a in changes.values()), run_time=1)
            self.stop_ambient_camera_rotation()
            phi, theta = layout.camera_angles(layout.edge_on_direction(span_normal(upd)))
            self.move_camera(phi=phi, theta=theta, run_time=3)
            self.wait(1.5)
