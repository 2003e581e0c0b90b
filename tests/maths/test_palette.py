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
