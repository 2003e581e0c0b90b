"""One palette: the colour of every mathematical object, per theme, defined once.

Colours are named after what they colour (x, v, u, y, z, α), never after how they look, so a
scene says ``theme.x`` and a label gets the same colour as its arrow from :data:`ROLE_TEX`.
The hues follow the Okabe–Ito colour-blind-safe set, shifted lighter on the dark theme and
darker on the light one so each keeps its contrast against its background: every colour that
writes text (each object's label, the text, the muted text) is at least 4.5:1 against both
the background and the equation panel, so also at least 3:1 for its arrow (WCAG 1.4.3 and
1.4.11; ``tests/maths/test_palette.py`` measures it).  The grid is decoration, exempt.

This module holds plain hex strings (manim accepts them everywhere), so it imports nothing
heavy and the CLI can list themes without loading manim.
"""

from __future__ import annotations

from dataclasses import dataclass

#: The objects that carry a colour, in the order they appear in the story.
ROLES = ("x", "v", "u", "y", "z", "alpha")

#: How each role is written in LaTeX, so labels and equation colouring share one map.
ROLE_TEX = {
    "x": "x",
    "v": "v",
    "u": "u",
    "y": "y",
    "z": "z",
    "alpha": r"\alpha",
}


@dataclass(frozen=True)
class Theme:
    """Colours for one look: the objects, and the plane and text they sit on."""

    name: str
    background: str
    text: str
    muted: str
    """Secondary text and construction lines (projections, guides)."""
    grid: str
    axes: str
    panel: str
    """Fill behind the equation panel so it stays legible over the grid."""
    x: str
    v: str
    u: str
    y: str
    z: str
    alpha: str

    def role(self, name: str) -> str:
        """The colour of a role from :data:`ROLES` (``"x"``, ``"alpha"``, …)."""
        if name not in ROLES:
            raise KeyError(f"unknown role {name!r}; expected one of {', '.join(ROLES)}")
        colour: str = getattr(self, name)
        return colour

    def tex_colours(self) -> dict[str, str]:
        """LaTeX symbol → colour, for ``MathTex(..., tex_to_color_map=...)``."""
        return {ROLE_TEX[r]: self.role(r) for r in ROLES}


DARK = Theme(
    name="dark",
    background="#000000",
    text="#FFFFFF",
    muted="#A0A0A0",
    grid="#29ABCA",
    axes="#FFFFFF",
    panel="#111111",
    x="#56B4E9",
    v="#E69F00",
    u="#2FD3A0",
    y="#D0D0D0",
    z="#FF6B5B",
    alpha="#F0E442",
)

LIGHT = Theme(
    name="light",
    background="#FFFFFF",
    text="#1A1A1A",
    muted="#666666",
    grid="#9CC7DA",
    axes="#333333",
    panel="#F4F4F4",
    x="#0072B2",
    v="#A85C00",
    u="#007A57",
    y="#555555",
    z="#C0392B",
    alpha="#806600",
)

THEMES: dict[str, Theme] = {t.name: t for t in (DARK, LIGHT)}
DEFAULT_THEME = "dark"


def get_theme(name: str) -> Theme:
    """The theme called ``name``, or a KeyError listing the valid names."""
    try:
        return THEMES[name]
    except KeyError:
        raise KeyError(f"unknown theme {name!r}; expected one of {', '.join(THEMES)}") from None
