"""RankTwoUpdate and WhyLowRank as a reader sees them, measured from the constructed mobjects
(manim's own camera projection, not the view maths that placed them): the picture's share of
the frame height, the span patches clear of the panel, labels clear of arrows, the player's
bottom band left free, and captions slow enough to read."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from lowrank_anim.layout import FRAME, Box
from lowrank_anim.params import build_example, parse_assignments
from lowrank_anim.registry import SCENES

#: Captions are read at most this fast (characters per second).
READING_SPEED = 20
#: --set values that were awkward for the old scene: x on its turning axis, u₁ almost ∥ u₂,
#: large and tiny numbers.
AWKWARD = {
    "default": [],
    "x-on-old-axis": ["x=0,0,1"],
    "nearly-parallel-u": ["U=1,0,0.5;1,0.05,0.5"],
    "large": ["x=400,-300,900", "W=1,0,0;0,2,0;0,0,1"],
    "tiny": ["x=0.002,0.001,0.003", "V=0.01,0,0.01;0,0.01,0"],
}
#: The cases held to every rule; the others to the key ones (u₁, u₂ labels clear, the panel
#: clear, margins and the bottom band kept).
STRICT = ("default", "x-on-old-axis")


def screen_box(points: np.ndarray) -> Box:
    return Box(points[:, 0].min(), points[:, 0].max(), points[:, 1].min(), points[:, 1].max())


def meets(a: Box, b: Box) -> bool:
    return a.left < b.right and b.left < a.right and a.bottom < b.top and b.bottom < a.top


def segment_meets(p: np.ndarray, q: np.ndarray, box: Box, samples: int = 200) -> bool:
    ts = np.linspace(0, 1, samples)[:, None]
    pts = p[None, :2] * (1 - ts) + q[None, :2] * ts
    inside = (
        (pts[:, 0] > box.left)
        & (pts[:, 0] < box.right)
        & (pts[:, 1] > box.bottom)
        & (pts[:, 1] < box.top)
    )
    return bool(inside.any())


def constructed(name: str, dry_run: Any) -> Any:
    spec = SCENES["RankTwoUpdate"]
    example = build_example("RankTwoUpdate", spec.model, parse_assignments(AWKWARD[name]))
    return dry_run(spec.load().variant(example=example))


@pytest.mark.parametrize("case", list(AWKWARD))
def test_rank_two_last_frame_reads(case: str, dry_run: Any) -> None:
    from manim import Polygon

    from scenes.rank_two import PANEL_BOX

    scene = constructed(case, dry_run)
    camera = scene.camera
    camera.rotation_matrix = camera.generate_rotation_matrix()

    def project(points: Any) -> np.ndarray:
        out: np.ndarray = camera.project_points(np.asarray(points, dtype=float).reshape(-1, 3))
        return out[:, :2]

    fixed = camera.fixed_in_frame_mobjects
    panel = [m for m in scene.mobjects if m in fixed]
    assert panel, "the panel is on screen"
    panel_box = screen_box(np.vstack([m.get_all_points()[:, :2] for m in panel]))
    assert PANEL_BOX.left - 1e-6 <= panel_box.left
    assert panel_box.right <= PANEL_BOX.right + 1e-6, "the panel is wider than its room"
    assert panel_box.bottom >= PANEL_BOX.bottom - 1e-6, "the panel is taller than its room"

    arrows = {
        k: (project(a.get_start())[0], project(a.get_end())[0]) for k, a in scene.arrows.items()
    }
    patches = [m for m in scene.mobjects if isinstance(m, Polygon) and m not in fixed]
    picture = np.vstack(
        [
            *(p for pair in arrows.values() for p in pair),
            *(project(m.get_vertices()) for m in patches),
        ]
    )
    # The picture fills most of the frame height, above the band the player covers.
    height = (picture[:, 1].max() - picture[:, 1].min()) / FRAME.height
    # Awkward numbers may make a long, flat picture; the default ones must fill the frame.
    least = 0.65 if case in STRICT else 0.4
    assert height >= least, f"the picture fills only {height:.0%} of the frame height"
    assert picture[:, 1].min() >= FRAME.bottom + 0.15 * FRAME.height - 1e-6
    margin = 0.03 * FRAME.height
    assert picture[:, 0].min() >= FRAME.left + margin
    assert picture[:, 0].max() <= FRAME.right - margin
    assert picture[:, 1].max() <= FRAME.top - margin
    # No span patch runs under the panel.
    for patch in patches:
        corners = project(patch.get_vertices())
        for a, b in zip(corners, np.roll(corners, -1, axis=0), strict=True):
            assert not segment_meets(a, b, panel_box), "a span patch edge runs under the panel"
        assert not any(PANEL_BOX.contains(c) for c in corners), (
            "a span patch corner lies under the panel"
        )
    # Every label is inside the frame's margins, clear of every arrow and of other labels.
    labels = {}
    for key, label in scene.label_spots.items():
        centre = project(label.get_center())[0]
        labels[key] = Box(
            centre[0] - label.width / 2,
            centre[0] + label.width / 2,
            centre[1] - label.height / 2,
            centre[1] + label.height / 2,
        )
    assert {"u:u_1", "u:u_2", "x:x", "y:y", "z:z"} <= set(labels)
    crossed = [
        (key, name)
        for key, box in labels.items()
        for name, (p, q) in arrows.items()
        if segment_meets(p, q, box)
    ]
    if case in STRICT:
        assert not crossed, f"labels under arrows: {crossed}"
    else:
        assert not [c for c in crossed if c[0].startswith("u:")], (
            f"u labels under arrows: {crossed}"
        )
    keys = list(labels)
    for i, a in enumerate(keys):
        box = labels[a]
        inside = Box(
            FRAME.left + margin,
            FRAME.right - margin,
            FRAME.bottom + 0.15 * FRAME.height,
            FRAME.top - margin,
        )
        assert inside.contains([box.left, box.bottom]), f"{a} too near an edge or in the band"
        assert inside.contains([box.right, box.top]), f"{a} too near an edge"
        assert not meets(box, panel_box), f"{a} under the panel"
        for b in keys[i + 1 :]:
            if case in STRICT or a.startswith("u:"):
                assert not meets(box, labels[b]), f"{a} on {b}"


@pytest.mark.parametrize("name", ["RankTwoUpdate", "WhyLowRank"])
def test_captions_can_be_read(name: str, dry_run: Any) -> None:
    scene = dry_run(SCENES[name].load())
    captions = scene.renderer.file_writer.subcaptions
    assert len(captions) == len(scene.records)
    for caption in captions:
        seconds = (caption.end - caption.start).total_seconds()
        speed = len(caption.content) / seconds
        assert speed <= READING_SPEED, f"{caption.content!r}: {speed:.1f} characters/s"


def test_why_low_rank_uses_the_frame(dry_run: Any) -> None:
    scene = dry_run(SCENES["WhyLowRank"].load())
    points = np.vstack([m.get_all_points() for m in scene.mobjects if len(m.get_all_points())])
    height = (points[:, 1].max() - points[:, 1].min()) / FRAME.height
    width = (points[:, 0].max() - points[:, 0].min()) / FRAME.width
    assert height >= 0.75, f"WhyLowRank fills {height:.0%} of the frame height"
    assert width >= 0.85, f"WhyLowRank fills {width:.0%} of the frame width"
    margin = 0.03 * FRAME.height
    assert points[:, 1].min() >= FRAME.bottom + 0.15 * FRAME.height - 1e-6, "in the player's band"
    assert points[:, 0].min() >= FRAME.left + margin
    assert points[:, 0].max() <= FRAME.right - margin
    assert points[:, 1].max() <= FRAME.top - margin
