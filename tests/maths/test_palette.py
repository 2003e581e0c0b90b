"""One palette: every role coloured in every theme, and no colour defined anywhere else."""

from __future__ import annotations

import re

import pytest

from lowrank_anim.maths.palette import ROLE_TEX, ROLES, THEMES, get_theme
from tests.conftest import ROOT

HEX = re.compile(r"#[0-9A-Fa-f]{6}\b")
MANIM_COLOURS = re.compile(
    r"\b(WHITE|BLACK|GRAY|GREY|RED|GREEN|BLUE|YELLOW|GOLD|TEAL|MAROON|PURPLE|PINK|ORANGE)"
    r"(_[A-E])?\b"
)


@pytest.mark.parametrize("theme", THEMES.values(), ids=list(THEMES))
def test_every_role_has_a_distinct_colour(theme: object) -> None:
    colours = [get_theme(theme.name).role(r) for r in ROLES]  # type: ignore[attr-defined]
    assert all(HEX.fullmatch(c) for c in colours)
    assert len(set(colours)) == len(colours)


def test_tex_map_covers_every_role() -> None:
    assert set(ROLE_TEX) == set(ROLES)
    assert THEMES["dark"].tex_colours()["x"] == THEMES["dark"].x


def test_unknown_theme_and_role_are_clear() -> None:
    with pytest.raises(KeyError, match="expected one of dark, light"):
        get_theme("sepia")
    with pytest.raises(KeyError, match="unknown role 'w'"):
        THEMES["dark"].role("w")


def test_no_colour_literal_outside_the_palette() -> None:
    offenders = []
    for path in [*ROOT.glob("scenes/*.py"), *ROOT.glob("lowrank_anim/**/*.py"), ROOT / "render.py"]:
        if path.name == "palette.py":
            continue
        text = path.read_text(encoding="utf-8")
        for pattern in (HEX, MANIM_COLOURS):
            offenders += [f"{path.name}: {m.group(0)}" for m in pattern.finditer(text)]
    assert not offenders


def relative_luminance(colour: str) -> float:
    """WCAG 2.2's relative luminance of an sRGB ``#RRGGBB``."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2.2's contrast ratio, from 1 to 21."""
    high, low = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_contrast_is_measured_as_wcag_measures_it() -> None:
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21.0)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert contrast("#C46A00", "#FFFFFF") == pytest.approx(3.88, abs=0.01)  # the v


#: Colours that write text: each object's label (in the videos and the figure) and the text.
TEXT_COLOURS = (*ROLES, "text", "muted")


@pytest.mark.parametrize("theme", THEMES.values(), ids=list(THEMES))
@pytest.mark.parametrize("surface", ["background", "panel"])
def test_every_colour_that_writes_text_reaches_4_5_to_1(theme: object, surface: str) -> None:
    """WCAG 1.4.3 for labels and readouts (4.5:1), which also covers 1.4.11 for the arrows
    (3:1), on the plane and on the equation panel, in both themes."""
    behind = getattr(theme, surface)
    low = {
        role: round(contrast(getattr(theme, role), behind), 2)
        for role in TEXT_COLOURS
        if contrast(getattr(theme, role), behind) < 4.5
    }
    assert low == {}, f"below 4.5:1 on the {surface} {behind}: {low}"


@pytest.mark.parametrize("theme", THEMES.values(), ids=list(THEMES))
def test_the_axes_reach_3_to_1(theme: object) -> None:
    assert contrast(theme.axes, theme.background) >= 3  # type: ignore[attr-defined]
