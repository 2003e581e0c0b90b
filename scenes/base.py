"""The shared base every lowrank-anim scene builds on: :class:`LowRankScene`.

It holds a scene's numbers (an :class:`~lowrank_anim.maths.model.Example`), the view fitted to
them and the registries of what is drawn, and it composes what all scenes draw the same way,
one module each:

* :mod:`scenes.builders` — the plane, vector arrows and their labels, span lines and dots;
* :mod:`scenes.panels` — equations, panels, number readouts, the α readout and plot;
* :mod:`scenes.beats` — story beats: a section, a subcaption and a record of the frame each;
* :mod:`scenes.mobjects` — the custom mobjects (leader lines, panels, text of one shape);
* :mod:`scenes.perf` — what keeps live readouts cheap to redraw.

Concrete scenes only say what happens in which order, so each stays short.  Where things go on
screen is decided once per scene by :func:`lowrank_anim.maths.layout.fit_view` from the points
the scene will draw (its :meth:`LowRankScene.layout_points`): any valid parameters give a
picture whose arrows and labels are all on screen.  The 3-D base is :mod:`scenes.space`.

Variants (another theme, other numbers) are made by subclassing with a few class attributes
overridden, which :meth:`LowRankScene.variant` does for the CLI.

``FullStory`` plays the other scenes in one video by calling each one's ``construct`` with
itself as ``self`` (see :meth:`LowRankScene.open_chapter`), so scene code uses only the
builders of this base and the model's functions, never helpers of its own class: its beats
are module-level functions that take the scene.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from manim import *

from lowrank_anim.maths import layout, placement
from lowrank_anim.maths.model import Example, default_rank_one
from lowrank_anim.maths.palette import DEFAULT_THEME, Theme, get_theme
from scenes.beats import BeatRecord, BeatRecorder
from scenes.builders import GeometryBuilders
from scenes.panels import TextBuilders


class LowRankScene(GeometryBuilders, TextBuilders, BeatRecorder):
    """A scene that draws one :class:`~lowrank_anim.maths.model.Example` on a fitted plane:
    its numbers, its fitted view, and the registries the builders and beats fill."""

    panel_room: ClassVar[tuple[layout.Box, ...]] = (
        layout.Box(
            layout.FRAME.left, layout.GEOMETRY_BOX.left, layout.FRAME.bottom, layout.FRAME.top
        ),
    )
    """Room kept for panels that come and go over the story (the left column, where no
    geometry goes: :data:`~lowrank_anim.maths.layout.GEOMETRY_BOX`), which the frame audit
    does not count as free for the picture; a scene that wraps its picture around its
    panels (RankTwoUpdate) keeps none."""
    label_margin: ClassVar[float] = layout.LABEL_MARGIN
    """Room the fitted view keeps free around the picture for labels beyond its outermost
    tips (:func:`~lowrank_anim.maths.layout.fit_view`); the frame audit's "sparse picture"
    keeps it too when it asks how large the picture could be."""
    theme_name: ClassVar[str] = DEFAULT_THEME
    example: ClassVar[Example | None] = None
    """The numbers to show; ``None`` means :meth:`default_example`."""

    @classmethod
    def variant(cls, theme: str | None = None, example: Example | None = None) -> type[Any]:
        """A subclass with another theme and/or other numbers (same class name, so manim's
        output naming and our registry stay the same)."""
        attrs: dict[str, Any] = {}
        if theme is not None:
            attrs["theme_name"] = theme
        if example is not None:
            attrs["example"] = example
        return type(cls.__name__, (cls,), attrs) if attrs else cls

    @classmethod
    def default_example(cls) -> Example:
        return default_rank_one()

    @classmethod
    def layout_points(cls, ex: Example) -> np.ndarray:
        """Every model point this scene draws; the view is fitted so they all show.
        Scenes override it; by default the arrows of one forward pass."""
        res, upd = ex.result, ex.update
        return np.array([res.x, res.y, res.z, *upd.U.T, *upd.V.T])

    @classmethod
    def fit(cls, ex: Example) -> layout.View:
        return layout.fit_view(cls.layout_points(ex))

    def setup(self) -> None:
        self.theme: Theme = get_theme(self.theme_name)
        self.camera.background_color = self.theme.background  # type: ignore[union-attr]
        self.records: list[BeatRecord] = []
        self.open_chapter(type(self))

    def open_chapter(self, chapter: type[LowRankScene], prefix: str = "") -> None:
        """Get ready to play ``chapter``'s construct on this scene: its numbers, its fitted
        view and plane, and empty registries of what is drawn.  ``prefix`` names its beats
        inside a longer video."""
        self.ex: Example = self.example_for(chapter)
        self.result = self.ex.result
        self.view: layout.View = chapter.fit(self.ex)
        self.unseen: set[str] = set()
        """Named arrows too short to see that the scene warned about before its first frame
        (``scene.arrows`` keys): the frame audit does not count them missing."""
        self.kept_for_panels: tuple[layout.Box, ...] = chapter.panel_room
        self.kept_for_labels: float = chapter.label_margin
        """This chapter's :attr:`panel_room` and :attr:`label_margin` (what the frame audit
        reads)."""
        self.chapter_prefix = prefix
        self.arrows: dict[str, Mobject] = {}
        """Named arrows, so tests can compare their ends with the model."""
        self.numbers: dict[str, DecimalNumber] = {}
        """Named number readouts, so tests can compare them with the model."""
        self.probes: dict[str, Callable[[], Any]] = {}
        """Anything else to record at the end of each beat."""
        self.units: dict[str, tuple[int, int]] = {}
        """(decimals, power of ten) of each readout: it shows value / 10^power."""
        self.board = placement.Board()
        """Every arrow, line, label and panel drawn (or about to be), in scene units, so a
        new label or panel goes where it covers none of them."""
        self.plane = self.get_plane()

    def example_for(self, chapter: type[LowRankScene]) -> Example:
        """This scene's example if it has the shape ``chapter`` draws, else its default."""
        default = chapter.default_example()
        mine = self.example
        if mine is not None and (mine.update.dim, mine.update.rank) == (
            default.update.dim,
            default.update.rank,
        ):
            return mine
        return default

    def clear_stage(self) -> None:
        """Fade out everything and stop every updater: the next chapter starts afresh."""
        for mob in self.mobjects:
            mob.clear_updaters()
        if self.mobjects:
            self.play(*(FadeOut(mob) for mob in self.mobjects), run_time=0.8)
        self.clear()
        self.board.clear()
