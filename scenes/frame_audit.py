"""Measure a frame as a reader sees it: what overlaps, crowds the edge, spills or is too small.

The frame audit (``bench/audit.py``, ``make audit``) constructs scenes without rendering and,
at the end of every beat, calls :func:`measure` on the scene.  It walks what is on screen by
type — text (MathTex, Text, numbers), arrows, lines and paths, dots, panels — ignoring the
background grid and axes and anything invisible, takes every one's box as the camera shows it
(3-D points projected through the camera, pinned panels as they are), and reports each
:class:`Defect` by kind (:data:`KINDS`); "arrow/arrow" is an arrow the camera shows mostly
under another, its tip too, though they lie apart in space (x under y when W is near the
identity); "label/other tip" and "label adrift" are labels that read as another
arrow's name or as nobody's (:func:`misread_labels`).  The boxes are those of the placement model
(:mod:`lowrank_anim.maths.placement`), so a scene that places its text with the model passes.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from manim import (
    Arrow,
    Axes,
    DecimalNumber,
    Dot,
    Mobject,
    NumberPlane,
    SingleStringMathTex,
    Text,
    ThreeDAxes,
    VMobject,
)

from lowrank_anim.maths import placement
from lowrank_anim.maths.formatting import CAPTION_SPEED
from lowrank_anim.maths.layout import BOTTOM_BAND, EDGE_MARGIN, FRAME, Box
from lowrank_anim.maths.view3d import SHAFT_STROKE, SLACK, TIP_STROKE, hidden_pairs
from scenes.mobjects import NAMES_ENDS, LeaderLine, Panel

#: Every kind of defect, in the order the audit's table lists them.
KINDS = (
    "label/label",
    "label/arrow",
    "label/other tip",
    "label adrift",
    "arrow/arrow",
    "label/line",
    "panel/geometry",
    "edge margin",
    "bottom band",
    "text spill",
    "small text",
    "caption speed",
)
#: An arrow's shaft and tip as measured (thinner than the placement model's, which keeps a
#: little air around them).
SHAFT, TIP = SHAFT_STROKE, TIP_STROKE
#: A leader line ending this close to a label's box is that label's.
LEADER_REACH = 0.15
#: Arrows drawn fainter than this are context (inputs already shown): they neither hide an
#: arrow nor count as hidden.
FADED = 0.5


@dataclass(frozen=True)
class Defect:
    """One thing wrong in one frame."""

    kind: str
    beat: str
    what: str
    size: float = 0.0
    """How bad (scene units of overlap or shortfall, or characters per second too fast)."""


@dataclass
class Inventory:
    """What one frame shows, by type, as boxes and segments in frame coordinates."""

    texts: list[tuple[str, Box, float]] = field(default_factory=list)
    """Free text (labels, titles): name, box, digit height."""
    panels: list[tuple[str, Box, list[tuple[str, Box, float]]]] = field(default_factory=list)
    """Panels: name, box, and the text inside."""
    arrows: list[tuple[str, list[placement.Segment], Box]] = field(default_factory=list)
    arrow_ends: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    """Each arrow's start and end in space (before the camera projects them), in order."""
    arrow_strength: list[float] = field(default_factory=list)
    """Each arrow's opacity (the most of any part), in order: faded arrows are context."""
    lines: list[tuple[str, list[placement.Segment], Box]] = field(default_factory=list)
    """Lines, paths, dots and outlines (everything drawn that is not an arrow or text)."""
    labels: list[tuple[str, Box, tuple[np.ndarray, np.ndarray]]] = field(default_factory=list)
    """Labels that name an arrow: name, box, and the ends (in space) of the arrow they name
    (:func:`scenes.mobjects.mark_names`, by the builders that place them)."""
    leaders: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    """Leader lines shown, by their two ends on screen."""


@functools.cache
def digit_height_per_point() -> dict[str, float]:
    """The height of a digit per point of font size, for LaTeX and for Pango text."""
    return {
        "tex": SingleStringMathTex("0").height / 48,
        "text": Text("0").height / 48,
    }


def text_size(mob: Mobject) -> float:
    """The height of a digit in ``mob``'s font (scene units): how big its text reads."""
    per_point = digit_height_per_point()
    font = float(getattr(mob, "font_size", 48.0))
    return font * per_point["text" if isinstance(mob, Text) else "tex"]


def opacity(mob: Mobject) -> float:
    """How strongly ``mob`` is drawn: the highest opacity of any stroke or fill it shows."""
    most = 0.0
    for part in mob.get_family():
        if not isinstance(part, VMobject) or len(part.points) == 0:
            continue
        if part.get_stroke_width() > 0:
            most = max(most, float(np.max(part.get_stroke_opacities())))
        most = max(most, float(np.max(part.get_fill_opacities())))
    return most


def visible(mob: Mobject) -> bool:
    """Whether any part of ``mob`` is drawn (some stroke or fill not fully transparent)."""
    for part in mob.get_family():
        if not isinstance(part, VMobject) or len(part.points) == 0:
            continue
        if np.any(part.get_stroke_opacities() > 0.01) and part.get_stroke_width() > 0:
            return True
        if np.any(part.get_fill_opacities() > 0.01):
            return True
    return False


def shown_points(scene: Any, mob: Mobject) -> np.ndarray:
    """Every point of ``mob``'s family as the camera shows it (projected in 3-D)."""
    camera = scene.renderer.camera
    chunks = [
        camera.transform_points_pre_display(part, part.points)
        for part in mob.get_family()
        if len(part.points)
    ]
    return np.vstack(chunks) if chunks else np.zeros((0, 3))


def box_of_points(points: np.ndarray) -> Box:
    low, high = points.min(axis=0), points.max(axis=0)
    return Box(float(low[0]), float(high[0]), float(low[1]), float(high[1]))


def shown_box(scene: Any, mob: Mobject) -> Box | None:
    points = shown_points(scene, mob)
    return box_of_points(points) if len(points) else None


def _name(mob: Mobject) -> str:
    if isinstance(mob, SingleStringMathTex):
        return f"{type(mob).__name__} {mob.get_tex_string()!r}"
    if isinstance(mob, Text):
        return f"Text {mob.text!r}"
    if isinstance(mob, DecimalNumber):
        return f"number {mob.get_value():g}"
    return type(mob).__name__


def _texts_in(scene: Any, mob: Mobject) -> Iterator[tuple[str, Box, float]]:
    if not visible(mob):
        return
    if isinstance(mob, (SingleStringMathTex, Text, DecimalNumber)):
        box = shown_box(scene, mob)
        if box is not None:
            yield _name(mob), box, text_size(mob)
        return
    for sub in mob.submobjects:
        yield from _texts_in(scene, sub)


def inventory(scene: Any) -> Inventory:
    """Walk what ``scene`` shows now, by type (see the module's docstring)."""
    found = Inventory()
    camera = scene.renderer.camera
    # Arrows by the name the scene gave them (``scene.arrows``), so a report says which.
    arrow_names = {id(mob): key for key, mob in getattr(scene, "arrows", {}).items()}
    if hasattr(camera, "reset_rotation_matrix"):
        # manim's 3-D camera updates its projection only when it captures a frame, which a
        # dry run never does: without this, 3-D points would be measured as seen from above.
        camera.reset_rotation_matrix()

    def walk(mob: Mobject) -> None:
        if not visible(mob) or isinstance(mob, (NumberPlane, ThreeDAxes)):
            return
        if isinstance(mob, LeaderLine):
            ends = camera.transform_points_pre_display(mob, np.array(mob.get_start_and_end()))
            found.leaders.append((ends[0, :2], ends[1, :2]))
            return
        if isinstance(mob, Panel):
            box = shown_box(scene, mob.box)
            if box is not None:
                found.panels.append(("panel", box, list(_texts_in(scene, mob.content))))
            return
        if isinstance(mob, Axes):
            return  # a plot's axes outside a panel are background, like the grid
        if isinstance(mob, (SingleStringMathTex, Text, DecimalNumber)):
            texts = list(_texts_in(scene, mob))
            found.texts.extend(texts)
            names = getattr(mob, NAMES_ENDS, None)
            if names is not None and texts:
                found.labels.append((texts[0][0], texts[0][1], names))
            return
        # 3-D arrows are groups that know their ends (``end_point``), like 2-D ones.
        if isinstance(mob, Arrow) or hasattr(mob, "end_point"):
            ends = np.array([mob.get_start(), mob.get_end()])
            shown_ends = scene.renderer.camera.transform_points_pre_display(mob, ends)
            segments = placement.arrow_segments(*shown_ends)
            segments = [
                placement.Segment(s.start, s.end, TIP if s.half_width > SHAFT_CUTOFF else SHAFT)
                for s in segments
            ]
            if segments:
                what = f"arrow {arrow_names[id(mob)]}" if id(mob) in arrow_names else _name(mob)
                found.arrows.append((what, segments, box_of_points(shown_ends)))
                found.arrow_ends.append((ends[0], ends[1]))
                found.arrow_strength.append(opacity(mob))
            return
        if isinstance(mob, Dot):
            points = shown_points(scene, mob)
            if len(points):
                centre = points.mean(axis=0)
                radius = float(np.ptp(points[:, 0])) / 2
                segment = placement.Segment(tuple(centre[:2]), tuple(centre[:2]), radius)
                found.lines.append(("Dot", [segment], box_of_points(points)))
            return
        if mob.submobjects:
            for sub in mob.submobjects:
                walk(sub)
            if not (isinstance(mob, VMobject) and len(mob.points)):
                return
        if isinstance(mob, VMobject) and len(mob.points):
            points = camera_path(scene, mob)
            if len(points) > 1:
                found.lines.append(
                    (_name(mob), placement.path_segments(points), box_of_points(points))
                )

    for mob in scene.mobjects:
        walk(mob)
    return found


#: Half widths above this are an arrow's tip in :func:`placement.arrow_segments`.
SHAFT_CUTOFF = (placement.SHAFT_HALF_WIDTH + placement.TIP_HALF_WIDTH) / 2


def camera_path(scene: Any, mob: VMobject) -> np.ndarray:
    """Points along ``mob``'s own path (not its children's), as the camera shows them: each
    cubic piece sampled at thirds, so a circle is not taken for its inscribed octagon."""
    points = mob.points
    if len(points) >= 4:
        curves = points[: len(points) // 4 * 4].reshape(-1, 4, 3)
        ts = np.array([0.0, 1 / 3, 2 / 3])[:, None, None]
        p0, p1, p2, p3 = (curves[None, :, i] for i in range(4))
        samples = (
            (1 - ts) ** 3 * p0
            + 3 * (1 - ts) ** 2 * ts * p1
            + 3 * (1 - ts) * ts**2 * p2
            + ts**3 * p3
        )
        path = np.vstack([samples.transpose(1, 0, 2).reshape(-1, 3), curves[-1, 3:4]])
    else:
        path = points
    camera = scene.renderer.camera
    return np.asarray(camera.transform_points_pre_display(mob, path))


def _overlap(a: Box, b: Box) -> float:
    """How much two boxes overlap: the smaller of the overlap's width and height."""
    w = min(a.right, b.right) - max(a.left, b.left)
    h = min(a.top, b.top) - max(a.bottom, b.bottom)
    return max(0.0, min(w, h))


def _sticking_out(box: Box, area: Box) -> float:
    """How far ``box`` reaches out of ``area`` (negative when it is inside)."""
    return max(
        area.left - box.left, box.right - area.right, area.bottom - box.bottom, box.top - area.top
    )


def _shrunk(box: Box) -> Box:
    return placement.grow(box, -SLACK / 2)


def hidden_arrows(found: Inventory, beat: str) -> list[Defect]:
    """Every arrow the picture shows hidden under another although the two lie apart in
    space (:func:`~lowrank_anim.maths.view3d.hidden_pairs`, the one measure the 3-D camera
    is chosen by): its shaft mostly under the other's strokes, its tip too.  (Arrows from one
    point always meet near it: one whose tip stands clear still reads as its own arrow.)
    Arrows that lie on each other in the model itself (z on y when α = 0, v along a
    parallel x, anything in a flat scene) are what the maths says, which no view can part,
    and are not counted."""
    arrows = [
        (name, segments, ends)
        for (name, segments, _), ends, strength in zip(
            found.arrows, found.arrow_ends, found.arrow_strength, strict=True
        )
        if strength >= FADED
    ]
    if len(arrows) < 2:
        return []
    shown = np.array([[s[0].start, s[-1].end] for _, s, _ in arrows], dtype=float)
    space = np.array([np.array(ends, dtype=float)[:, :3] for _, _, ends in arrows])
    hidden, shares = hidden_pairs(shown, space)
    return [
        Defect("arrow/arrow", beat, f"{arrows[i][0]} under {arrows[j][0]}", float(shares[i, j]))
        for i, j in zip(*np.nonzero(hidden), strict=True)
    ]


def misread_labels(found: Inventory, beat: str) -> list[Defect]:
    """Labels a reader would take for another arrow's, or for nobody's: each label that
    names an arrow on screen (matched by the arrow's ends in space) is measured against it.
    Without a leader line, a label nearer another arrow's tip than its own arrow, within
    ``placement.NEAR_TIP`` of that tip, is "label/other tip" (``u`` printed at v's tip
    when u and v point almost alike); a label further than ``placement.ADRIFT`` from its own
    arrow is "label adrift" (``x`` floating beside a cluster of short arrows).  Faint
    arrows (context) are not taken for anyone's."""
    defects = []
    for name, box, (start, end) in found.labels:
        own = [
            index
            for index, (a, b) in enumerate(found.arrow_ends)
            if np.allclose(a, start, atol=1e-6) and np.allclose(b, end, atol=1e-6)
        ]
        if not own:
            continue  # its arrow is not on screen (yet), or not drawn as that label's
        if any(
            placement.box_distance(box, np.array(ends)) < LEADER_REACH for ends in found.leaders
        ):
            continue  # a leader line joins it to its tip: it says whose it is
        mine = min(placement.box_distance(box, placement.along(found.arrows[i][1])) for i in own)
        if mine > placement.ADRIFT:
            defects.append(Defect("label adrift", beat, f"{name}: {mine:.2f} from it", mine))
        for index, (other, segments, _) in enumerate(found.arrows):
            if index in own or found.arrow_strength[index] < FADED:
                continue
            near = placement.box_distance(box, np.array(segments[-1].end))
            if near < placement.NEAR_TIP and near < mine - SLACK:
                defects.append(Defect("label/other tip", beat, f"{name} at {other}'s tip", near))
    return defects


def check_frame(found: Inventory, beat: str) -> list[Defect]:
    """Every defect in a frame's inventory."""
    defects: list[Defect] = []
    texts = found.texts
    for i, (name_a, a, _) in enumerate(texts):
        for name_b, b, _ in texts[i + 1 :]:
            if _overlap(a, b) > SLACK:
                defects.append(Defect("label/label", beat, f"{name_a} / {name_b}", _overlap(a, b)))
    for name, box, _ in texts:
        for what, segments, _ in found.arrows:
            if any(s.hits(_shrunk(box)) for s in segments):
                defects.append(Defect("label/arrow", beat, f"{name} / {what}"))
        for what, segments, _ in found.lines:
            if any(s.hits(_shrunk(box)) for s in segments):
                defects.append(Defect("label/line", beat, f"{name} / {what}"))
    defects += hidden_arrows(found, beat)
    defects += misread_labels(found, beat)
    for index, (_, panel, content) in enumerate(found.panels):
        pname = f"panel {index + 1}"
        inner = _shrunk(panel)
        for what, segments, extent in [*found.arrows, *found.lines]:
            if placement.inside(extent, panel):
                continue  # drawn on the panel as part of it (the dot on the α plot)
            if any(s.hits(inner) for s in segments):
                defects.append(Defect("panel/geometry", beat, f"{pname} / {what}"))
        for name, box, _ in texts:
            if _overlap(panel, box) > SLACK:
                defects.append(Defect("panel/geometry", beat, f"{pname} / {name}"))
        for _, other, _ in found.panels[index + 1 :]:
            if _overlap(panel, other) > SLACK:
                defects.append(Defect("panel/geometry", beat, f"{pname} / another panel"))
        for name, box, _ in content:
            spill = _sticking_out(box, panel)
            if spill > SLACK:
                defects.append(Defect("text spill", beat, f"{name} out of {pname}", spill))
    safe = placement.grow(FRAME, -EDGE_MARGIN)
    band_top = FRAME.bottom + BOTTOM_BAND
    boxes = [
        *((n, b) for n, b, _ in texts),
        *((f"panel {i + 1}", b) for i, (_, b, _) in enumerate(found.panels)),
    ]
    for name, box in [*boxes, *((n, b) for n, _, b in found.arrows)]:
        out = _sticking_out(box, safe)
        if out > SLACK:
            defects.append(Defect("edge margin", beat, name, out))
    for name, box in boxes:
        if band_top - box.bottom > SLACK:
            defects.append(Defect("bottom band", beat, name, band_top - box.bottom))
    all_text = [*texts, *(t for _, _, content in found.panels for t in content)]
    for name, _, size in all_text:
        if size < placement.MIN_TEXT_HEIGHT - 1e-9:
            defects.append(Defect("small text", beat, name, placement.MIN_TEXT_HEIGHT - size))
    return defects


Shape = tuple[str, str, tuple[float, ...]]
"""What one measured thing is and where: its kind, its name and its numbers (a box's edges,
or an arrow's or line's segment ends and widths)."""


def shapes_of(found: Inventory) -> list[Shape]:
    """Everything ``found`` holds, as :data:`Shape` rows: what two ways of reaching one frame
    must agree on to measure the same (``bench/audit.py --compare``)."""

    def box(b: Box) -> tuple[float, ...]:
        return (b.left, b.right, b.bottom, b.top)

    def strokes(segments: list[placement.Segment]) -> tuple[float, ...]:
        return tuple(v for s in segments for v in (*s.start, *s.end, s.half_width))

    rows: list[Shape] = [("text", name, (*box(b), size)) for name, b, size in found.texts]
    for index, (_, b, content) in enumerate(found.panels):
        rows.append(("panel", str(index), box(b)))
        rows += [("panel text", name, (*box(t), size)) for name, t, size in content]
    rows += [
        ("arrow", name, (*strokes(segments), strength))
        for (name, segments, _), strength in zip(found.arrows, found.arrow_strength, strict=True)
    ]
    rows += [("line", name, strokes(segments)) for name, segments, _ in found.lines]
    return rows


def measure(scene: Any, beat: str) -> list[Defect]:
    """Every defect in what ``scene`` shows now, at the end of ``beat``."""
    return check_frame(inventory(scene), beat)


def caption_defects(scene: Any) -> list[Defect]:
    """Every caption of ``scene`` that goes by faster than a reader can read it."""
    defects = []
    for caption in scene.renderer.file_writer.subcaptions:
        seconds = (caption.end - caption.start).total_seconds()
        speed = len(caption.content) / seconds if seconds > 0 else float("inf")
        if speed > CAPTION_SPEED + 1e-6:
            defects.append(
                Defect("caption speed", "", f"{caption.content[:40]!r}: {speed:.1f}/s", speed)
            )
    return defects
