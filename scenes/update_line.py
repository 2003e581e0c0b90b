"""UpdateIsALine: the update u vᵀ on its own squashes the whole plane onto one line.

Every point p goes to (vᵀp) u, a multiple of u: the image of a rank-1 update is the single
direction span(u), and the whole line v⊥ (where vᵀp = 0) goes to 0.
"""

from __future__ import annotations

import numpy as np
from manim import *

from lowrank_anim.model import Example, change, lattice, perpendicular
from scenes.base import LowRankScene

#: Sample points per side of the square of dots that the update moves.
DOTS_PER_SIDE = 5


def samples(ex: Example) -> tuple[np.ndarray, np.ndarray]:
    """The dots the scene moves: a square lattice around the origin, and points on v⊥."""
    upd = ex.update
    reach = float(max(np.linalg.norm(upd.u), np.linalg.norm(upd.v)))
    normal = perpendicular(upd.v) / float(np.linalg.norm(upd.v))
    on_null_line = np.array([t * reach * normal for t in (-1.0, -0.5, 0.5, 1.0)])
    return lattice(reach, DOTS_PER_SIDE), on_null_line


class UpdateIsALine(LowRankScene):
    """Apply u vᵀ to the grid and to sample points: everything lands on span(u)."""

    @classmethod
    def layout_points(cls, ex: Example) -> np.ndarray:
        grid, null = samples(ex)
        upd = ex.update
        return np.array([*grid, *null, *change(upd, grid), upd.u, upd.v])

    def construct(self) -> None:
        upd = self.ex.update
        u, v = upd.u, upd.v
        grid, null = samples(self.ex)

        with self.beat("The update alone", "Now look at the update u vᵀ on its own."):
            still = self.get_plane(faint=True)
            moving = self.get_plane(cover=2.0)
            u_arrow, u_label = self.get_labelled_vector(u, "u")
            v_arrow, v_label = self.get_labelled_vector(v, "v")
            self.arrows.update(u=u_arrow, v=v_arrow)
            rule = self.get_tex_row(
                ("u", "u"),
                (r"v^\top", "v"),
                ("p", None),
                ("=", None),
                (r"(v^\top p)", "alpha"),
                ("u", "u"),
            )
            panel = self.get_panel(rule)
            self.add(still)
            self.play(FadeIn(moving), FadeIn(panel))
            self.play(GrowArrow(u_arrow), GrowArrow(v_arrow), Write(u_label), Write(v_label))
            self.wait(0.5)

        with self.beat(
            "Points and the line v-perp",
            "Take points all over the plane, and the line v⊥ at right angles to v.",
        ):
            dots = self.get_dots(grid, self.theme.x)
            null_dots = self.get_dots(null, self.theme.v, radius=0.07)
            null_line = self.get_span_line(perpendicular(v), "v", opacity=0.9)
            null_line.set_stroke(width=3)
            null_name = MathTex(r"v^\perp", color=self.theme.v).scale(0.8)
            null_name.next_to(null_dots[-1], RIGHT, buff=0.2)
            self.probes["dots"] = lambda: [self.p2c(d.get_center()) for d in dots]
            self.probes["null dots"] = lambda: [self.p2c(d.get_center()) for d in null_dots]
            self.play(Create(null_line), FadeIn(dots), FadeIn(null_dots), Write(null_name))
            self.wait(0.5)

        with self.beat(
            "Squash",
            "u vᵀ sends every point p to (vᵀp) u: the whole plane lands on the line span(u).",
        ):
            span_u = self.get_span_line(u, "u", opacity=0.9).set_stroke(width=3)
            matrix = np.eye(3)
            matrix[:2, :2] = np.outer(u, v)
            images = change(upd, grid)
            self.play(
                ApplyMatrix(matrix, moving, about_point=self.c2p((0, 0))),
                *(d.animate.move_to(self.c2p(p)) for d, p in zip(dots, images, strict=True)),
                *(
                    d.animate.move_to(self.c2p(p))
                    for d, p in zip(null_dots, change(upd, null), strict=True)
                ),
                null_line.animate.scale(1e-3, about_point=self.c2p((0, 0))),
                FadeOut(null_name),
                run_time=3,
            )
            self.play(Create(span_u))
            self.wait(0.5)

        with self.beat(
            "One direction",
            "A rank-1 update can only move outputs along u; the line v⊥ maps to 0.",
        ):
            notes = VGroup(
                self.get_text("every output change is a multiple of u", 0.4),
                VGroup(
                    MathTex(r"v^\perp", color=self.theme.v),
                    MathTex(r"\mapsto 0", color=self.theme.text),
                )
                .arrange(RIGHT, buff=0.15)
                .scale(0.8),
            )
            notes_panel = self.get_panel(*notes, corner=DL)
            self.play(FadeIn(notes_panel))
            self.wait(2)
