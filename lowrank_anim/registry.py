"""The explicit registry: CLI name → scene class, with a one-line description.

The CLI, the README's scene table and the tests are all generated from :data:`SCENES`; nothing
is discovered by magic.  Entries name their class as ``"module:Class"`` so listing scenes does
not import manim (fast, and still works when the rendering stack itself is broken).
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from manim import Scene


@dataclass(frozen=True)
class SceneSpec:
    """One registered scene."""

    name: str
    target: str
    """Where the class lives, as ``"package.module:ClassName"``."""
    description: str
    """One line, used by ``render.py list``, the README and as alt text in embeds."""
    model: str = "none"
    """Which numbers it draws, so which parameters it takes: a key of
    ``lowrank_anim.maths.params.KINDS`` (``"rank1"``: W, u, v, x in 2-D; ``"rank2"``: W, U, V, x in
    3-D; ``"none"``)."""

    @property
    def module(self) -> str:
        return self.target.partition(":")[0]

    @property
    def class_name(self) -> str:
        return self.target.partition(":")[2]

    def load(self) -> type[Scene]:
        """Import and return the scene class."""
        module = importlib.import_module(self.module)
        cls: type[Scene] = getattr(module, self.class_name)
        return cls


_SPECS = (
    SceneSpec(
        "TitleCard",
        "scenes.title:TitleCard",
        "The title of the post and the update it is about, W' = W + u vᵀ.",
    ),
    SceneSpec(
        "LinearMap",
        "scenes.linear_map:LinearMap",
        "The frozen W is a linear map: it moves the whole grid and carries x to y = Wx.",
        model="rank1",
    ),
    SceneSpec(
        "RankOneUpdate",
        "scenes.rank_one:RankOneUpdate",
        "A rank-1 update adds α u to the old output y, where α = vᵀx depends on the input.",
        model="rank1",
    ),
    SceneSpec(
        "InputSweep",
        "scenes.input_sweep:InputSweep",
        "x turns around a circle: α = vᵀx peaks along v, is 0 (z = y) at x ⟂ v, flips u below 0.",
        model="rank1",
    ),
    SceneSpec(
        "UpdateIsALine",
        "scenes.update_line:UpdateIsALine",
        "u vᵀ squashes the whole plane onto the line span(u); the line v⊥ goes to 0.",
        model="rank1",
    ),
    SceneSpec(
        "RankTwoUpdate",
        "scenes.rank_two:RankTwoUpdate",
        "In 3-D, W + u₁v₁ᵀ + u₂v₂ᵀ moves every output only within the plane span(u₁, u₂).",
        model="rank2",
    ),
    SceneSpec(
        "WhyLowRank",
        "scenes.why_low_rank:WhyLowRank",
        "Trainable numbers for n = 4096: 16.8 M for a full update, 8 192 for rank 1.",
    ),
    SceneSpec(
        "FullStory",
        "scenes.full_story:FullStory",
        "All of the above in order, as one video (2-D parameters apply to the 2-D parts).",
        model="rank1",
    ),
)

SCENES: dict[str, SceneSpec] = {spec.name: spec for spec in _SPECS}


class UnknownSceneError(KeyError):
    """A scene name that is not in the registry; the message lists the valid ones."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.suggestions = difflib.get_close_matches(name, SCENES, n=1, cutoff=0.5)
        hint = f" Did you mean {self.suggestions[0]}?" if self.suggestions else ""
        # Cut an absurdly long name so the error stays one readable line.
        shown = repr(name) if len(name) <= 60 else repr(name[:50]) + f"… ({len(name)} characters)"
        super().__init__(
            f"unknown scene {shown}.{hint} Valid scenes: {', '.join(SCENES)} "
            "(see `render.py list`)."
        )

    def __str__(self) -> str:
        return str(self.args[0])


def get_scene(name: str) -> SceneSpec:
    """The registered scene called ``name`` (case-insensitive), or UnknownSceneError."""
    if name in SCENES:
        return SCENES[name]
    folded = {key.lower(): spec for key, spec in SCENES.items()}
    spec = folded.get(name.lower())
    if spec is None:
        raise UnknownSceneError(name)
    return spec
