"""LinearMap: the frozen W as a linear map — the grid moves, and x is carried to y = Wx."""

from __future__ import annotations

import numpy as np
from manim import *

from lowrank_anim.maths import placement
from lowrank_anim.maths.layout import FRAME, grid_cover
from lowrank_anim.maths.model import Example
from scenes.base import LowRankScene


def get_w_panel(scene: LowRankScene) -> Mobject:
    """W's numbers and y = Wx, in the top-left corner."""
    W = scene.ex.update.W
    return scene.get_panel(
        VGroup(scene.get_tex_row(("W", None), ("=", None)), scene.get_matrix(W)).arrange(RIGHT),
        scene.get_tex_row(("y", "y"), ("=", None), ("W", None), ("x", "x")),
        name="panel W",
    )


def reserve_image_line(scene: LowRankScene) -> None:
    """A singular W folds the whole grid onto one line, W's image: on the board, so the
    labels (x's now, y's when W has moved the grid) keep off where that line will be."""
    directions, sizes = np.linalg.svd(scene.ex.update.W)[:2]
    if sizes[0] == 0 or sizes[1] > 0.02 * sizes[0]:
        return  # (W = 0 folds the grid to a point; an invertible W keeps a plane)
    origin = scene.c2p((0, 0))
    ends = placement.clip_line(origin, scene.c2p(directions[:, 0]) - origin, FRAME)
    if ends is not None:
        scene.board.add_segments("image of W", placement.path_segments(np.array(ends)))


def show_input(scene: LowRankScene, moving: Mobject, panel: Mobject) -> tuple[Mobject, Mobject]:
    res = scene.result
    with scene.beat("Input", "W is a matrix; x is an input vector."):
        # y's arrow goes on the board first, so x's label keeps clear of where it will be.
        scene.reserve_arrow(res.y, "y")
        reserve_image_line(scene)
        x_arrow, x_label = scene.get_labelled_vector(res.x, "x")
        scene.arrows["x"] = x_arrow
        scene.add(scene.get_plane(faint=True))
        scene.play(FadeIn(moving), FadeIn(panel), run_time=1)
        scene.play(GrowArrow(x_arrow), Write(x_label))
        scene.wait(0.5)
    return x_arrow, x_label


def apply_w(scene: LowRankScene, moving: Mobject, x_arrow: Mobject) -> None:
    res, W = scene.result, scene.ex.update.W
    with scene.beat(
        "Apply W", "W is a linear map: it moves the whole grid, and carries x to y = Wx."
    ):
        # The moving grid's own coordinates follow W, so W e₁ can be read off it.
        scene.probes["grid e1"] = lambda: scene.p2c(moving.c2p(1, 0))
        scene.probes["grid e2"] = lambda: scene.p2c(moving.c2p(0, 1))
        y_arrow, y_label = scene.get_labelled_vector(res.y, "y", tex="y = Wx")
        matrix = np.eye(3)
        matrix[:2, :2] = W
        scene.play(
            ApplyMatrix(matrix, moving, about_point=scene.c2p((0, 0))),
            ReplacementTransform(x_arrow.copy(), y_arrow),
            run_time=2.5,
        )
        scene.arrows["y"] = y_arrow
        scene.play(Write(y_label))
        scene.wait(0.5)


def keep_w_frozen(scene: LowRankScene, panel: Mobject) -> None:
    with scene.beat("Frozen", "In a big network W is huge, and fine-tuning keeps it frozen."):
        frozen = scene.get_panel(
            scene.get_text("W stays frozen", 0.45, scene.theme.muted), below=panel
        )
        scene.play(FadeIn(frozen))
        scene.wait(2.5)


class LinearMap(LowRankScene):
    """The plane's grid transforms by W (as in LinearTransformationScene); x lands on y."""

    @classmethod
    def layout_points(cls, ex: Example) -> np.ndarray:
        return np.array([ex.result.x, ex.result.y])

    def construct(self) -> None:
        moving = self.get_plane(cover=grid_cover(self.ex.update.W))
        panel = get_w_panel(self)
        x_arrow, _ = show_input(self, moving, panel)
        apply_w(self, moving, x_arrow)
        keep_w_frozen(self, panel)
