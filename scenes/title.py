"""TitleCard: the post's title and the update it is about, to open a video."""

from __future__ import annotations

from manim import *

from scenes.base import LowRankScene

#: The title of the blog post the scenes illustrate.
POST_TITLE = "What is going on with low-rank updates?"


class TitleCard(LowRankScene):
    """The question, then W' = W + u vᵀ coloured like its arrows."""

    def construct(self) -> None:
        with self.beat("Title", f"{POST_TITLE} W' = W + uvᵀ: a frozen W plus a learned change."):
            title = self.get_text(POST_TITLE, scale=0.75)
            update = self.get_tex_row(
                ("W'", None), ("=", None), ("W", None), ("+", None), ("u", "u"), (r"v^\top", "v")
            ).scale(1.4)
            tagline = self.get_text(
                "a frozen W, plus a learned rank-1 change", 0.45, self.theme.muted
            )
            VGroup(title, update, tagline).arrange(DOWN, buff=0.6)
            self.play(Write(title), run_time=1.5)
            self.play(FadeIn(update, shift=UP * 0.3), FadeIn(tagline), run_time=1)
            self.wait(2.5)
