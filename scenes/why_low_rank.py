"""WhyLowRank: why train a low-rank update at all — count the numbers it trains.

A full update of an n×n weight matrix trains n² numbers; rank-r factors U, V (n×r each)
train 2nr.  For n = 4096 that is 16 777 216 against 8 192 for rank 1.  Drawn as areas, the
full update is a square as tall as the frame, and rank 1 is one cell of a 32 × 64 grid that
tiles it: the square holds 2 048 rank-1 updates' worth of numbers, and the grid shows them.
Rank r is a block of r cells.  A table beside the square gives the counts and shares.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from manim import *

from lowrank_anim.maths.layout import FRAME
from lowrank_anim.maths.model import full_update_params, low_rank_params, low_rank_share
from scenes.base import LowRankScene

#: The matrix size the post's numbers are for, and the ranks compared with a full update
#: (powers of two, so each rank's block is whole cells).
N = 4096
RANKS = (1, 8, 64)
#: The square's side (scene units) and where it sits: clear of the edges by 3% of the frame
#: height, and of the bottom 15% that web players cover.
SIDE = 6.3
SQUARE_LEFT, SQUARE_TOP = FRAME.left + 0.45, FRAME.top - 0.3
#: The grid of rank-1 cells: n/2 of them, as rows × columns (each cell 2n of the n² numbers).
GRID_ROWS, GRID_COLUMNS = 32, 64
#: How strongly each rank's block is filled: the smaller ones, in front, stand out.
SHADES = dict(zip(RANKS, (1.0, 0.7, 0.45), strict=True))
#: Where the table of counts starts (its left edge) and its rows' heights.
TABLE_LEFT, TABLE_TOP, ROW_STEP = 0.6, 2.3, 1.15


def spaced(count: int) -> str:
    """16777216 → "16 777 216", the way the post writes counts."""
    return f"{count:,}".replace(",", " ")


def percent(share: float) -> str:
    return f"{100 * share:.2g} %" if share < 0.1 else f"{100 * share:.0f} %"


def block_cells(rank: int) -> tuple[int, int]:
    """(rows, columns) of the block of ``rank`` cells: as square on screen as whole cells
    allow (a cell is twice as tall as it is wide)."""
    rows = 2 ** (int(math.log2(rank)) // 2)
    return rows, rank // rows


class WhyLowRank(LowRankScene):
    """The n×n square of a full update, the block of rank r inside it, and their counts."""

    def construct(self) -> None:
        full = full_update_params(N)
        with self.beat(
            "Full update",
            f"A full update of a {N}×{N} matrix trains n² = {spaced(full)} numbers.",
        ):
            square = show_full_update(self, full)
        with self.beat(
            "Rank 1",
            f"Rank 1 trains u and v: 2n = {spaced(low_rank_params(N, 1))} numbers. The square "
            f"holds {spaced(full // low_rank_params(N, 1))} blocks that size.",
        ):
            show_rank(self, square, 1, full)
            show_grid(self, square)
        for r in RANKS[1:]:
            share = percent(low_rank_share(N, r))
            with self.beat(
                f"Rank {r}",
                f"Rank {r} trains 2nr = {spaced(low_rank_params(N, r))} numbers: {share} of "
                "the full update.",
            ):
                show_rank(self, square, r, full)
        self.wait(1)


def table_row(
    scene: LowRankScene, index: int, tex: str, name: str, colour: str
) -> tuple[MathTex, DecimalNumber]:
    """One row of the table: a name and a counter registered as ``name``, starting at 0."""
    label = MathTex(tex, color=colour).scale(0.75)
    number = scene.get_number(name, 0, num_decimal_places=0, group_with_commas=True).scale(0.75)
    y = TABLE_TOP - ROW_STEP * index
    label.move_to((TABLE_LEFT, y, 0.0), aligned_edge=LEFT)
    number.move_to((TABLE_LEFT + 2.6, y, 0.0), aligned_edge=LEFT)
    return label, number


def show_full_update(scene: LowRankScene, full: int) -> Rectangle:
    """The title, the n×n square (a full update's numbers, as area) and its count."""
    title = scene.get_text(f"Numbers to train, n = {N}", 0.5)
    title.move_to((TABLE_LEFT, FRAME.top - 0.75, 0.0), aligned_edge=LEFT)
    square = Rectangle(
        width=SIDE,
        height=SIDE,
        fill_color=scene.theme.muted,
        fill_opacity=0.55,
        stroke_color=scene.theme.muted,
        stroke_width=2,
    )
    square.move_to((SQUARE_LEFT, SQUARE_TOP, 0.0), aligned_edge=UL)
    scene.probes["area full"] = lambda: square.width * square.height
    label, number = table_row(scene, 0, r"\text{full: } n^2", "full", scene.theme.text)
    scene.play(Write(title), FadeIn(label), run_time=1)
    scene.play(GrowFromEdge(square, UP), ChangeDecimalToValue(number, full), run_time=2)
    scene.wait(1.2)
    return square


def show_rank(scene: LowRankScene, square: Rectangle, rank: int, full: int) -> None:
    """Rank ``rank``'s block of cells in the square's corner, its count and its share."""
    rows, columns = block_cells(rank)
    block = Rectangle(
        width=SIDE * columns / GRID_COLUMNS,
        height=SIDE * rows / GRID_ROWS,
        fill_color=scene.theme.u,
        fill_opacity=SHADES[rank],
        stroke_color=scene.theme.u,
        stroke_width=1.5,
    )
    # Smaller blocks in front of larger ones, all in the grid's top-left corner.
    block.move_to(square.get_corner(UL), aligned_edge=UL).set_z_index(10 - RANKS.index(rank))
    scene.probes[f"area rank {rank}"] = lambda: block.width * block.height
    index = RANKS.index(rank) + 1
    label, number = table_row(scene, index, rf"r = {rank}:\ 2nr", f"rank {rank}", scene.theme.u)
    swatch = block.copy().set_z_index(0).scale_to_fit_height(0.3)
    swatch.next_to(label, LEFT, buff=0.15)
    share = scene.get_text(percent(low_rank_share(N, rank)), 0.45, scene.theme.muted)
    share.move_to((TABLE_LEFT + 4.6, label.get_y(), 0.0), aligned_edge=LEFT)
    scene.play(FadeIn(block, scale=1.5), FadeIn(label), FadeIn(swatch), run_time=0.8)
    scene.play(ChangeDecimalToValue(number, low_rank_params(N, rank)), run_time=1.2)
    scene.play(FadeIn(share), run_time=0.5)
    scene.wait(1)


def show_grid(scene: LowRankScene, square: Rectangle) -> None:
    """The grid of rank-1 cells that tiles the square."""
    left, top = square.get_corner(UL)[:2]
    style: dict[str, Any] = {
        "stroke_color": scene.theme.background,
        "stroke_width": 0.8,
        "stroke_opacity": 0.8,
    }
    columns = left + SIDE * np.arange(1, GRID_COLUMNS) / GRID_COLUMNS
    rows = top - SIDE * np.arange(1, GRID_ROWS) / GRID_ROWS
    lines = VGroup(
        *(Line(np.array([x, top, 0]), np.array([x, top - SIDE, 0]), **style) for x in columns),
        *(Line(np.array([left, y, 0]), np.array([left + SIDE, y, 0]), **style) for y in rows),
    ).set_z_index(20)
    # Cells drawn: (vertical lines + 1) × (horizontal lines + 1).
    scene.probes["grid cells"] = lambda: math.prod(
        1 + sum(abs(line.get_vector()[axis]) < 1e-9 for line in lines) for axis in (0, 1)
    )
    note = scene.get_text("one cell = 2n numbers = one rank-1 update", 0.4, scene.theme.muted)
    note.move_to((TABLE_LEFT, TABLE_TOP - 3.7 * ROW_STEP, 0.0), aligned_edge=LEFT)
    scene.play(Create(lines, lag_ratio=0.02), FadeIn(note), run_time=1.5)
    scene.wait(0.8)
