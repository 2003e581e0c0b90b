"""The custom mobjects of the 2-D scenes: a leader line, a panel, and text laid out the same at
every render size.  (The 3-D arrow is on the 3-D base, :mod:`scenes.space`.)"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import *

#: The size, in pixels, every :class:`StoryText` is laid out for: manim's default (1080p).
TEXT_LAYOUT_SIZE = (1920, 1080)


class LeaderLine(Line):
    """A short line from a label moved away from a crowded tip back to that tip."""


#: The attribute on a label that holds the ends (scene points) of the arrow it names.
NAMES_ENDS = "names_ends"


def mark_names(label: Mobject, start: Any, end: Any) -> None:
    """Record on ``label`` the arrow it names (its ends, scene points), so the frame audit
    can tell whether a reader would take it for that arrow's name."""
    setattr(label, NAMES_ENDS, (np.array(start, dtype=float), np.array(end, dtype=float)))


#: The attribute that marks a panel's background box, so the frame audit knows it as a panel
#: when a scene shows the box and the rows on their own (a pinned 3-D panel, row by row).
PANEL_BOX = "is_panel_box"


#: The attribute on a legend entry that holds the ends (scene points) of every arrow it names.
LEGEND_ENDS = "legend_ends"


def mark_legend(entry: Mobject, *ends: tuple[Any, Any]) -> None:
    """Record on ``entry`` (a line of a legend, in its arrows' colour) every arrow it names,
    by its ends (scene points): the frame audit counts those arrows as named."""
    setattr(
        entry, LEGEND_ENDS, [(np.array(a, dtype=float), np.array(b, dtype=float)) for a, b in ends]
    )


class Panel(VGroup):
    """Rows of text on a background box: ``panel.box`` and ``panel.content``."""

    def __init__(self, box: VMobject, content: VMobject) -> None:
        super().__init__(box, content)
        self.box = box
        self.content = content
        setattr(box, PANEL_BOX, True)


class StoryText(Text):
    """manim's ``Text``, laid out as if the render were :data:`TEXT_LAYOUT_SIZE`, whatever
    its real size.

    Pango wraps a ``Text`` at ``config.pixel_width``, yet manim names the cached SVG without
    that width.  So a line built first in a small dry run (160 px wide: wrapped) was reused,
    wrapped, by every later render sharing the text store (``tests/scenes/test_visual.py`` after
    ``tests/scenes/test_story.py``), and the dry runs measured text of another shape than the videos
    show.  At one fixed layout width a text has one shape, in every run and every cache.
    """

    def __init__(self, text: str, **kwargs: Any) -> None:
        saved = config.pixel_width, config.pixel_height
        config.pixel_width, config.pixel_height = TEXT_LAYOUT_SIZE
        try:
            super().__init__(text, **kwargs)
        finally:
            config.pixel_width, config.pixel_height = saved
