"""RankTwoUpdate and WhyLowRank as a reader sees them, measured from the constructed mobjects
(manim's own camera projection, not the view maths that placed them): the picture's share of
the frame height, the span patches clear of the panel, labels clear of arrows, the player's
bottom band left free, and captions slow enough to read."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from lowrank_anim.maths.layout import FRAME, Box
from lowrank_anim.maths.params import build_example, parse_assignments
from lowrank_anim.maths.placement import MIN_VISIBLE
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
#: The cases whose picture must fill most of the frame height; awkward numbers may make a
#: long, flat picture, held to less.  Every other rule holds for every case.
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
    scene_class: Any = spec.load()
    return dry_run(scene_class.variant(example=example))


def frame_defects(scene: Any, least_fill: float) -> list[str]:
    """What is wrong with the scene's last frame, measured from its mobjects through manim's
    camera: the picture's share of the frame height, margins and the bottom band, the panel's
    room, patches under the panel, labels under arrows or on one another."""
    from manim import Dot, Polygon

    from scenes.rank_two import LEGEND_BOX, PANEL_BOX

    camera = scene.camera
    camera.rotation_matrix = camera.generate_rotation_matrix()

    def project(points: Any) -> np.ndarray:
        out: np.ndarray = camera.project_points(np.asarray(points, dtype=float).reshape(-1, 3))
        return out[:, :2]

    found: list[str] = []
    margin = 0.03 * FRAME.height
    free = Box(
        FRAME.left + margin,
        FRAME.right - margin,
        FRAME.bottom + 0.15 * FRAME.height,
        FRAME.top - margin,
    )
    fixed = camera.fixed_in_frame_mobjects
    pinned = [m for m in scene.mobjects if m in fixed]
    # The legend (bottom left) and the panel (top left): each in its own room.
    legend = [m for m in pinned if LEGEND_BOX.contains(m.get_center())]
    panel = [m for m in pinned if m not in legend]
    if not panel or not legend:
        return ["no panel or no legend on screen"]
    panel_box = screen_box(np.vstack([m.get_all_points()[:, :2] for m in panel]))
    for name, room, shown in (
        ("panel", PANEL_BOX, panel_box),
        ("legend", LEGEND_BOX, screen_box(np.vstack([m.get_all_points()[:, :2] for m in legend]))),
    ):
        if not (
            room.contains([shown.left, shown.bottom], 1e-6)
            and room.contains([shown.right, shown.top], 1e-6)
        ):
            found.append(f"the {name} {shown} is outside its room {room}")
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
    height = (picture[:, 1].max() - picture[:, 1].min()) / FRAME.height
    if height < least_fill:
        found.append(f"the picture fills only {height:.0%} of the frame height")
    if not all(free.contains(p, 1e-6) for p in picture):
        found.append("the picture reaches the edge margin or the bottom band")
    for patch in patches:
        corners = project(patch.get_vertices())
        if any(
            segment_meets(a, b, panel_box)
            for a, b in zip(corners, np.roll(corners, -1, axis=0), strict=True)
        ):
            found.append("a span patch runs under the panel")
    labels = {}
    for key, label in scene.labels_3d.items():
        x, y = project(label.get_center())[0]
        labels[key] = Box(
            x - label.width / 2, x + label.width / 2, y - label.height / 2, y + label.height / 2
        )
    # Every arrow is named, one too short to see as the dot that stands for it.
    named = {"u:u_1": "u1", "u:u_2": "u2", "x:x": "x1", "y:y": "y1", "z:z": "z1"}
    for key, arrow in named.items():
        start, end = arrows[arrow]
        if key not in labels:
            found.append(f"label {key} missing")
        elif np.linalg.norm(end - start) < MIN_VISIBLE and not any(
            isinstance(m, Dot) and np.linalg.norm(project(m.get_center())[0] - end) < 0.1
            for top in scene.mobjects
            for m in top.get_family()
        ):
            found.append(f"no dot for {key}, too short to see")
    keys = list(labels)
    for i, a in enumerate(keys):
        box = labels[a]
        found += [
            f"{a} under arrow {n}" for n, (p, q) in arrows.items() if segment_meets(p, q, box)
        ]
        if not (free.contains([box.left, box.bottom]) and free.contains([box.right, box.top])):
            found.append(f"{a} reaches the edge margin or the bottom band")
        if meets(box, panel_box):
            found.append(f"{a} under the panel")
        found += [f"{a} on {b}" for b in keys[i + 1 :] if meets(box, labels[b])]
    return found


@pytest.mark.parametrize("case", list(AWKWARD))
def test_rank_two_last_frame_reads(case: str, dry_run: Any) -> None:
    # Awkward numbers may make a long, flat picture; the default ones must fill the frame
    # (how much of the free area it covers, the frame audit's "sparse picture", is measured
    # there; a view may trade a little height for a wider, larger picture).
    assert frame_defects(constructed(case, dry_run), 0.6 if case in STRICT else 0.4) == []


def test_the_frame_check_catches_misplaced_labels_and_patches(dry_run: Any) -> None:
    from manim import Polygon

    scene = constructed("default", dry_run)
    # A label moved onto the middle of the arrow x, and u₂'s onto u₁'s.
    scene.labels_3d["x:x"].move_to(scene.arrows["x1"].get_center())
    scene.labels_3d["u:u_2"].move_to(scene.labels_3d["u:u_1"])
    found = frame_defects(scene, 0.6)
    assert any(d.startswith("x:x under arrow x1") for d in found), found
    assert "u:u_1 on u:u_2" in found, found
    # A patch moved into the top-left corner runs under the panel.
    patch = next(
        m
        for m in scene.mobjects
        if isinstance(m, Polygon) and m not in scene.camera.fixed_in_frame_mobjects
    )
    rows = scene.camera.generate_rotation_matrix()[:2]
    patch.move_to(rows.T @ np.array([-4.0, 2.5]))  # the scene point shown there
    assert "a span patch runs under the panel" in frame_defects(scene, 0.6)


@pytest.mark.parametrize("name", ["RankTwoUpdate", "WhyLowRank"])
def test_captions_can_be_read(name: str, constructed: Any) -> None:
    scene = constructed(name)
    captions = scene.renderer.file_writer.subcaptions
    assert len(captions) == len(scene.records)
    for caption in captions:
        seconds = (caption.end - caption.start).total_seconds()
        speed = len(caption.content) / seconds
        assert speed <= READING_SPEED, f"{caption.content!r}: {speed:.1f} characters/s"


def test_why_low_rank_uses_the_frame(constructed: Any) -> None:
    scene = constructed("WhyLowRank")
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
