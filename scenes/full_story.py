"""FullStory: every scene in the order of the post, as one video.

It plays each scene's own ``construct`` on itself (no copy of any scene's code): before each
chapter it clears the stage, resets the camera and fits a fresh view to that chapter's
numbers.  Its beats keep their names, prefixed by the chapter (``RankOneUpdate: Input``), so
``--sections`` cuts one clip per beat and the ``.srt`` has every caption.

Custom 2-D parameters (W, u, v, x) apply to the 2-D chapters; the 3-D chapter always shows
its own rank-2 example.
"""

from __future__ import annotations

from scenes.base import LowRankScene
from scenes.input_sweep import InputSweep
from scenes.linear_map import LinearMap
from scenes.rank_one import RankOneUpdate
from scenes.rank_two import RankTwoUpdate
from scenes.space import LowRankScene3D
from scenes.title import TitleCard
from scenes.update_line import UpdateIsALine
from scenes.why_low_rank import WhyLowRank


class FullStory(LowRankScene3D):
    """TitleCard, LinearMap, RankOneUpdate, InputSweep, UpdateIsALine, RankTwoUpdate and
    WhyLowRank, one after another."""

    chapters: tuple[type[LowRankScene], ...] = (
        TitleCard,
        LinearMap,
        RankOneUpdate,
        InputSweep,
        UpdateIsALine,
        RankTwoUpdate,
        WhyLowRank,
    )

    def construct(self) -> None:
        for chapter in self.chapters:
            if self.mobjects:
                self.clear_stage()
            self.reset_camera()
            self.open_chapter(chapter, prefix=chapter.__name__)
            chapter.construct(self)
