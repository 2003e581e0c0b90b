"""UpdateIsALine: the update u vᵀ on its own squashes the whole plane onto one line.

Every point p goes to (vᵀp) u, a multiple of u: the image of a rank-1 update is the single
direction span(u), and the whole line v⊥ (where vᵀp = 0) goes to 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from manim import *

from lowrank_anim.maths.model import Example, change, lattice, perpendicular
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


@dataclass
class Cast:
    """Everything UpdateIsALine draws, built from the model before the first beat so every
    label is placed knowing every line and dot that will be on screen."""

    still: VMobject
    moving: VMobject
    u_arrow: Arrow
    v_arrow: Arrow
    u_label: VMobject
    v_label: VMobject
    dots: VGroup
    null_dots: VGroup
    null_line: VMobject
    null_name: VMobject
    span_u: VMobject
    rule: VMobject


def cast(scene: LowRankScene) -> Cast:
    """Lines and dots first (on the board), then the labels that must keep clear of them."""
    upd = scene.ex.update
    u, v = upd.u, upd.v
    grid, null = samples(scene.ex)
    span_u = scene.get_span_line(u, "u", opacity=0.9).set_stroke(width=3)
    null_line = scene.get_span_line(perpendicular(v), "v", opacity=0.9).set_stroke(width=3)
    dots = scene.get_dots(grid, scene.theme.x, name="dots")
    null_dots = scene.get_dots(null, scene.theme.v, radius=0.07, name="null dots")
    scene.get_dots(change(upd, grid), scene.theme.x, name="images")  # where the dots will land
    (u_arrow, u_label), (v_arrow, v_label) = scene.get_labelled_vectors((u, "u"), (v, "v"))
    null_name = scene.get_tag(r"v^\perp", "v", (0, 0), null[-1])
    return Cast(
        still=scene.get_plane(faint=True),
        moving=scene.get_plane(cover=2.0),
        u_arrow=u_arrow,
        v_arrow=v_arrow,
        u_label=u_label,
        v_label=v_label,
        dots=dots,
        null_dots=null_dots,
        null_line=null_line,
        null_name=null_name,
        span_u=span_u,
        rule=scene.get_panel(
            scene.get_tex_row(
                ("u", "u"),
                (r"v^\top", "v"),
                ("p", None),
                ("=", None),
                (r"(v^\top p)", "alpha"),
                ("u", "u"),
            )
        ),
    )


def show_the_update(scene: LowRankScene, c: Cast) -> None:
    with scene.beat("The update alone", "Now look at the update u vᵀ on its own."):
        scene.arrows.update(u=c.u_arrow, v=c.v_arrow)
        scene.add(c.still)
        scene.play(FadeIn(c.moving), FadeIn(c.rule))
        scene.play(GrowArrow(c.u_arrow), GrowArrow(c.v_arrow), Write(c.u_label), Write(c.v_label))
        scene.wait(0.5)


def show_points(scene: LowRankScene, c: Cast) -> None:
    with scene.beat(
        "Points and the line v-perp",
        "Take points all over the plane, and the line v⊥ at right angles to v.",
    ):
        scene.probes["dots"] = lambda: [scene.p2c(d.get_center()) for d in c.dots]
        scene.probes["null dots"] = lambda: [scene.p2c(d.get_center()) for d in c.null_dots]
        scene.play(Create(c.null_line), FadeIn(c.dots), FadeIn(c.null_dots), Write(c.null_name))
        scene.wait(0.5)


def squash(scene: LowRankScene, c: Cast) -> None:
    upd = scene.ex.update
    grid, null = samples(scene.ex)
    with scene.beat(
        "Squash",
        "u vᵀ sends every point p to (vᵀp) u: the whole plane lands on the line span(u).",
    ):
        matrix = np.eye(3)
        matrix[:2, :2] = np.outer(upd.u, upd.v)
        origin = scene.c2p((0, 0))
        scene.play(
            ApplyMatrix(matrix, c.moving, about_point=origin),
            *(
                d.animate.move_to(scene.c2p(p))
                for d, p in zip(c.dots, change(upd, grid), strict=True)
            ),
            *(
                d.animate.move_to(scene.c2p(p))
                for d, p in zip(c.null_dots, change(upd, null), strict=True)
            ),
            c.null_line.animate.scale(1e-3, about_point=origin),
            FadeOut(c.null_name),
            run_time=3,
        )
        scene.remove(c.null_line)
        scene.board.remove("span v", "dots", "null dots", "tag v:v^\\perp")
        # The squashed grid's lines all lie on span(u) now: the line span(u), drawn right of
        # the panel column, takes their place, so nothing runs under a panel.
        scene.play(Create(c.span_u), FadeOut(c.moving))
        scene.wait(0.5)


def sum_up(scene: LowRankScene) -> None:
    with scene.beat(
        "One direction",
        "A rank-1 update can only move outputs along u; the line v⊥ maps to 0.",
    ):
        notes = VGroup(
            scene.get_text("every output change is a multiple of u", 0.4),
            VGroup(
                MathTex(r"v^\perp", color=scene.theme.v),
                MathTex(r"\mapsto 0", color=scene.theme.text),
            )
            .arrange(RIGHT, buff=0.15)
            .scale(0.8),
        )
        scene.play(FadeIn(scene.get_panel(*notes, corner=DL)))
        scene.wait(2)


class UpdateIsALine(LowRankScene):
    """Apply u vᵀ to the grid and to sample points: everything lands on span(u)."""

    @classmethod
    def layout_points(cls, ex: Example) -> np.ndarray:
        grid, null = samples(ex)
        upd = ex.update
        return np.array([*grid, *null, *change(upd, grid), upd.u, upd.v])

    def construct(self) -> None:
        c = cast(self)
        show_the_update(self, c)
        show_points(self, c)
        squash(self, c)
        sum_up(self)
