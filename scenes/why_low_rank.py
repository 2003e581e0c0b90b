"""WhyLowRank: why train a low-rank update at all — count the numbers it trains.

A full update of an n×n weight matrix trains n² numbers; rank-r factors U, V (n×r each)
train 2nr.  For n = 4096 that is 16 777 216 against 8 192 for rank 1.  The bars are drawn to
scale, so the rank-1 bar is a sliver.
"""

from __future__ import annotations

from manim import *

from lowrank_anim.maths.model import full_update_params, low_rank_params, low_rank_share
from scenes.base import LowRankScene

#: The matrix size the post's numbers are for, and the ranks compared with a full update.
N = 4096
RANKS = (1, 8, 64)


def spaced(count: int) -> str:
    """16777216 → "16 777 216", the way the post writes counts."""
    return f"{count:,}".replace(",", " ")


def percent(share: float) -> str:
    return f"{100 * share:.2g} %" if share < 0.1 else f"{100 * share:.0f} %"


class WhyLowRank(LowRankScene):
    """Bars and counts: n² for a full update against 2nr for rank r."""

    def construct(self) -> None:
        full = full_update_params(N)
        rows = []

        with self.beat(
            "Full update",
            f"Updating every entry of a {N}×{N} matrix trains n² = {spaced(full)} numbers.",
        ):
            title = self.get_text(f"Numbers to train for one {N}×{N} matrix", 0.55)
            title.to_edge(UP, buff=0.5)
            row = self.get_bar_row("full", r"\text{full: } n^2", full, full, self.theme.muted)
            rows.append(row)
            stack_rows(rows)
            self.play(Write(title), FadeIn(row[0]))
            self.play(GrowFromEdge(row[1], LEFT), ChangeDecimalToValue(row[2], full), run_time=2)  # type: ignore[arg-type]
            millions = self.get_text(f"≈ {full / 1e6:.1f} M", 0.4, self.theme.muted)
            self.play(FadeIn(millions.next_to(row[2], RIGHT, buff=0.3)))
            self.wait(0.5)

        for r in RANKS:
            count = low_rank_params(N, r)
            first = r == RANKS[0]
            caption = (
                f"A rank-1 update trains only u and v: 2n = {spaced(count)} numbers, "
                f"{percent(low_rank_share(N, r))} of the full update."
                if first
                else f"Rank {r} trains 2nr = {spaced(count)}: still "
                f"{percent(low_rank_share(N, r))} of the full update."
            )
            with self.beat(f"Rank {r}", caption):
                row = self.get_bar_row(f"rank {r}", rf"r = {r}", count, full, self.theme.u)
                rows.append(row)
                stack_rows(rows)
                self.play(FadeIn(row[0]), FadeIn(row[1]), run_time=0.5)
                self.play(ChangeDecimalToValue(row[2], count), run_time=1.2)  # type: ignore[arg-type]
                share = self.get_text(percent(low_rank_share(N, r)), 0.4, self.theme.muted)
                share.next_to(row[2], RIGHT, buff=0.3)
                self.play(FadeIn(share))
                self.wait(0.8 if first else 0.5)


def stack_rows(rows: list[VGroup]) -> None:
    """Stack bar rows under one another, their bars starting at the same x."""
    for i, (label, bar, number) in enumerate(rows):
        y = 1.6 - 1.1 * i
        label.move_to([-5.4, y, 0], aligned_edge=RIGHT)  # type: ignore[arg-type]
        bar.move_to([-5.1, y, 0], aligned_edge=LEFT)  # type: ignore[arg-type]
        number.next_to(bar, RIGHT, buff=0.25)
