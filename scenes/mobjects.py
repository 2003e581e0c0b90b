"""The custom mobjects of the 2-D scenes: a leader line and a panel.  (The 3-D arrow is on the
3-D base, :mod:`scenes.space`.)"""

from __future__ import annotations

from manim import *


class LeaderLine(Line):
    """A short line from a label moved away from a crowded tip back to that tip."""


class Panel(VGroup):
    """Rows of text on a background box: ``panel.box`` and ``panel.content``."""

    def __init__(self, box: VMobject, content: VMobject) -> None:
        super().__init__(box, content)
        self.box = box
        self.content = content
