"""Performance helpers: what keeps a live number readout cheap to redraw on every frame."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from manim import *


def follow_value(number: DecimalNumber, value: Callable[[], float]) -> DecimalNumber:
    """Keep ``number`` showing ``value()`` on every frame, cheaply.

    ``set_value`` rebuilds the digits by deep-copying one cached MathTex glyph per
    character, which made it the costliest thing on screen. So it only runs when the value
    moved, and the cached glyphs are slimmed first (see :func:`slim_digit_glyphs`): the
    same points and style, a tenth of the copying.
    """

    def update(mob: Any) -> None:
        new = value()
        if new != mob.get_value():
            slim_digit_glyphs()
            mob.set_value(new)

    return number.add_updater(update)


def slim_digit_glyphs() -> None:
    """Drop what manim's cached DecimalNumber glyphs keep only from parsing their SVG: the
    parsed path (``path_obj``) and the SVG id map (``id_to_vgroup_dict``). Neither is read
    once the points exist, yet every copy deep-copied them."""
    from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath
    from manim.mobject.text.numbers import string_to_mob_map

    for glyph in string_to_mob_map.values():
        if getattr(glyph, "id_to_vgroup_dict", None):
            glyph.id_to_vgroup_dict = {}
        for part in glyph.get_family():
            if isinstance(part, VMobjectFromSVGPath):
                part.path_obj = None
