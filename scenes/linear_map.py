"""LinearMap: the frozen W as a linear map — the grid moves, and x is carried to y = Wx."""

from __future__ import annotations

import numpy as np
from manim import *

from lowrank_anim.layout import grid_cover
from lowrank_anim.model import Example
from scenes.base import LowRankScene


class LinearMap(LowRankScene):
    """The plane's grid transforms by W (as in LinearTransformationScene); x lands on y."""

    @classmethod
    def layout_points(cls, ex: Example) -> np.ndarray:
        return np.array([ex.result.x, ex.result.y])

    def construct(self) -> None:
        res, W = self.result, self.ex.update.W

        with self.beat("Input", "W is a matrix; x is an input vector."):
            still = self.get_plane(faint=True)
            moving = self.get_plane(cover=grid_cover(W))
            x_arrow, x_label = self.get_labelled_vector(res.x, "x")
            self.arrows["x"] = x_arrow
            panel = self.get_panel(
                VGroup(self.get_tex_row(("W", None), ("=", None)), self.get_matrix(W)).arrange(
                    RIGHT
                ),
                self.get_tex_row(("y", "y"), ("=", None), ("W", None), ("x", "x")),
            )
            self.add(still)
            self.play(FadeIn(moving), FadeIn(panel), run_time=1)
            self.play(GrowArrow(x_arrow), Write(x_label))
            self.wait(0.5)

        with self.beat(
            "Apply W", "W is a linear map: it moves the whole grid, and carries x to y = Wx."
        ):
            # The moving grid's own coordinates follow W, so W e₁ can be read off it.
            self.probes["grid e1"] = lambda: self.p2c(moving.c2p(1, 0))
            self.probes["grid e2"] = lambda: self.p2c(moving.c2p(0, 1))
            y_arrow, y_label = self.get_labelled_vector(res.y, "y", tex="y = Wx")
            matrix = np.eye(3)
            matrix[:2, :2] = W
            self.play(
                ApplyMatrix(matrix, moving, about_point=self.c2p((0, 0))),
                ReplacementTransform(x_arrow.copy(), y_arrow),
                FadeOut(x_label),
                run_time=2.5,
            )
            self.arrows["y"] = y_arrow
            self.play(Write(y_label))
            self.wait(0.5)

        with self.beat("Frozen", "In a big network W is huge, and fine-tuning keeps it frozen."):
            frozen = self.get_text("W stays frozen", 0.45, self.theme.muted)
            frozen.next_to(panel, DOWN, aligned_edge=LEFT)
            self.play(FadeIn(frozen), FadeIn(x_label))
            self.wait(2.5)
