"""The render-time savings in the scenes change nothing on screen.

Each saving (see BENCHMARKS.md, "Profile") is checked against the plain way of doing the same
thing; no timings here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from scenes.perf import follow_value, slim_digit_glyphs


def digit_drawing(number: Any) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """What cairo draws of a DecimalNumber: every part's points, fill and stroke colours."""
    return [
        (part.points.copy(), part.get_fill_rgbas().copy(), part.get_stroke_rgbas().copy())
        for part in number.get_family()
    ]


def test_slimmed_glyphs_draw_the_same_digits(
    tex_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from manim import DecimalNumber, tempconfig
    from manim.mobject.text import numbers

    monkeypatch.setattr(numbers, "string_to_mob_map", {})  # start from unslimmed glyphs
    values = [0.0, 0.07, 1.23, -2.5, 2.0]
    with tempconfig({"tex_dir": str(tex_cache), "verbosity": "WARNING"}):
        plain = DecimalNumber(0, num_decimal_places=2)
        expected = []
        for value in values:
            plain.set_value(value)
            expected.append(digit_drawing(plain))
        assert any(
            getattr(part, "path_obj", None) is not None
            for glyph in numbers.string_to_mob_map.values()
            for part in glyph.get_family()
        ), "nothing to slim: the test would prove nothing"
        slim_digit_glyphs()
        slim = DecimalNumber(0, num_decimal_places=2)
        for value, want in zip(values, expected, strict=True):
            slim.set_value(value)
            got = digit_drawing(slim)
            assert len(got) == len(want)
            for (p1, f1, s1), (p2, f2, s2) in zip(got, want, strict=True):
                np.testing.assert_array_equal(p1, p2)
                np.testing.assert_array_equal(f1, f2)
                np.testing.assert_array_equal(s1, s2)


def test_follow_value_rebuilds_only_when_the_value_moves(tex_cache: Path) -> None:
    from manim import DecimalNumber, ValueTracker, tempconfig

    with tempconfig({"tex_dir": str(tex_cache), "verbosity": "WARNING"}):
        tracker = ValueTracker(0.0)
        number = DecimalNumber(0, num_decimal_places=2)
        rebuilds = []
        original = number.set_value

        def counting(value: float) -> Any:
            rebuilds.append(value)
            return original(value)

        number.set_value = counting  # type: ignore[method-assign,assignment]
        follow_value(number, tracker.get_value)
        number.update(0)
        number.update(0)
        tracker.set_value(1.5)
        number.update(0)
        number.update(0)
        assert rebuilds == [1.5]
        assert number.get_value() == 1.5


@pytest.mark.parametrize("name", ["RankOneUpdate"])
def test_no_updater_outlives_its_animation(name: str, constructed: Any) -> None:
    """A mobject that keeps an updater is redrawn (and rebuilt, for always_redraw) on every
    later frame, and turns every later wait from one frozen frame into a full render."""
    scene = constructed(name)
    still_updating = [
        type(m).__name__ for m in scene.mobjects for part in m.get_family() if part.updaters
    ]
    assert still_updating == []
