"""Measure a frame as a reader sees it: what overlaps, crowds the edge, spills or is too small.

The frame audit (``bench.audit``, ``make audit``) constructs scenes without rendering and,
at the end of every beat, calls :func:`measure` on the scene.  It walks what is on screen by
type — text (MathTex, Text, numbers), arrows, lines and paths, dots, panels — ignoring the
background grid and axes and anything invisible, takes every one's box as the camera shows it
(3-D points projected through the camera, pinned panels as they are), and reports each
:class:`Defect` by kind (:data:`KINDS`); "arrow/arrow" is an arrow the camera shows mostly
under another, its tip too, though they lie apart in space (x under y when W is near the
identity); "label/other tip" and "label adrift" are labels that read as another
arrow's name or as nobody's (:func:`misread_labels`).  The boxes are those of the placement model
(:mod:`lowrank_anim.maths.placement`), so a scene that places its text with the model passes.

What a reader cannot see at all is counted too: an arrow that no label or legend entry names
(:func:`unnamed_arrows`), a quantity the beat names (``scene.arrows``) that is not drawn and
not stood for by a labelled dot (:func:`missing_quantities`: y = 0, or v five thousand times
shorter than u), a leader line through another label or leader (:func:`leader_crossings`),
and, once per chapter (:class:`PictureUse`, driven by ``bench.audit``), a picture that
leaves most of the frame empty though it could fill it (:func:`sparse_picture`).
"""

from __future__ import annotations

import functools
import math
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
from scenes.mobjects import LEGEND_ENDS, NAMES_ENDS, PANEL_BOX, LeaderLine, Panel

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
    "unnamed arrow",
    "missing quantity",
    "sparse picture",
    "leader crossing",
)
#: An arrow's shaft and tip as measured (thinner than the placement model's, which keeps a
#: little air around them).
SHAFT, TIP = SHAFT_STROKE, TIP_STROKE
#: A leader line ending this close to a label's box is that label's.
LEADER_REACH = 0.15
#: Arrows drawn fainter than this are context (inputs already shown): they neither hide an
#: arrow nor count as hidden, and need no name on screen.
FADED = 0.5
#: A quantity too short to draw at the picture's scale is still shown when a mark (a dot)
#: sits within this of where it is (scene units) and a label names it.
MARK_REACH = 0.25
#: The picture a chapter draws (arrows, lines, labels) should cover at least this share of the
#: free area, the safe area less the panels, when a picture of its shape could ("sparse
#: picture").
LEAST_USE = 0.5
#: Leader lines meeting within this of an end (scene units) touch where they start or end,
#: which is not a crossing.
LEADER_END = 0.08


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
    legend: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    """The ends (in space) of every arrow a legend entry on screen names."""
    warned: set[str] = field(default_factory=set)
    """Quantities the scene warned, before its first frame, it cannot show at this scale."""
    reserved: list[Box] = field(default_factory=list)
    """Room the scene keeps for panels that come and go (a 2-D scene's panel column): not
    free for its picture (``scene.kept_for_panels``)."""
    label_margin: float = 0.0
    """Room the scene's layout keeps free around its fitted picture for labels beyond the
    outermost tips (``scene.kept_for_labels``): a picture grown to fill its room keeps it."""
    backdrop: list[Box] = field(default_factory=list)
    """3-D axes: background, measured only as part of the picture's extent."""
    quantities: list[Quantity] = field(default_factory=list)
    """The quantities the beat names (the scene's named arrows, ``scene.arrows``) that are in
    the scene, drawn or not: each must be visible and named."""


@dataclass(frozen=True)
class Quantity:
    """A named arrow on stage: its name, its ends in space and on screen, and whether it is
    drawn (visible, and long enough to see: :data:`placement.MIN_VISIBLE`)."""

    name: str
    ends: tuple[np.ndarray, np.ndarray]
    shown: tuple[np.ndarray, np.ndarray]
    drawn: bool


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
        if not visible(mob) or isinstance(mob, NumberPlane):
            return
        if isinstance(mob, ThreeDAxes):
            # Background like the grid (nothing is measured against them), yet drawn only
            # as far as the picture reaches: part of the picture's extent.
            box = shown_box(scene, mob)
            if box is not None:
                found.backdrop.append(box)
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
        if getattr(mob, PANEL_BOX, False):
            box = shown_box(scene, mob)
            if box is not None:
                loose_panels.append(len(found.panels))
                found.panels.append(("panel", box, []))
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

    loose_panels: list[int] = []
    for mob in scene.mobjects:
        walk(mob)
    # A panel's box shown on its own (a pinned panel, faded in row by row): the text inside
    # it is its content, not free text.
    for index in loose_panels:
        _, panel, content = found.panels[index]
        inside = [t for t in found.texts if placement.inside(t[1], placement.grow(panel, SLACK))]
        content.extend(inside)
        found.texts = [t for t in found.texts if t not in inside]
    found.warned = set(getattr(scene, "unseen", ()))
    found.reserved = list(getattr(scene, "kept_for_panels", ()))
    found.label_margin = float(getattr(scene, "kept_for_labels", 0.0))
    on_stage = {id(part) for mob in scene.mobjects for part in mob.get_family()}
    for mob in scene.mobjects:
        for part in mob.get_family():
            if hasattr(part, LEGEND_ENDS) and visible(part):
                found.legend.extend(getattr(part, LEGEND_ENDS))
    for key, mob in getattr(scene, "arrows", {}).items():
        if id(mob) not in on_stage:
            continue
        ends = np.array([mob.get_start(), mob.get_end()], dtype=float)
        shown = np.asarray(camera.transform_points_pre_display(mob, ends))[:, :2]
        drawn = visible(mob) and placement.is_visible_arrow(shown[0], shown[1])
        found.quantities.append(Quantity(key, (ends[0], ends[1]), (shown[0], shown[1]), drawn))
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


def _same_ends(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> bool:
    return bool(np.allclose(a[0], b[0], atol=1e-6) and np.allclose(a[1], b[1], atol=1e-6))


def unnamed_arrows(found: Inventory, beat: str) -> list[Defect]:
    """Every arrow drawn at full strength that no label on screen names (a label, tag or
    legend entry marked with the arrow's ends, :func:`scenes.mobjects.mark_names`): a reader
    sees a quantity and cannot tell which.  Faint arrows are context, named before."""
    return [
        Defect("unnamed arrow", beat, what)
        for (what, _, _), ends, strength in zip(
            found.arrows, found.arrow_ends, found.arrow_strength, strict=True
        )
        if strength >= FADED and not any(_same_ends(ends, named) for named in _named(found))
    ]


def _named(found: Inventory) -> list[tuple[np.ndarray, np.ndarray]]:
    """The ends of every arrow a label or legend entry on screen names."""
    return [ends for _, _, ends in found.labels] + found.legend


def missing_quantities(found: Inventory, beat: str) -> list[Defect]:
    """Every quantity the beat names (a named arrow on stage) that a reader cannot see: not
    drawn (zero, or too short at this scale: y = Wx = 0 for x in W's null space, v next to
    a u five thousand times longer) and not stood for by a mark within :data:`MARK_REACH`
    of where it is together with a label that names it, nor named in a warning the scene
    gave before its first frame (``scene.unseen``)."""
    dots = [s.start for what, segments, _ in found.lines if what == "Dot" for s in segments]
    defects = []
    for quantity in found.quantities:
        if quantity.drawn or quantity.name in found.warned:
            continue  # (warned about: a one-line warning said which, and why)
        # A legend names a colour, not this dot: a mark needs its own label.
        named = any(_same_ends(quantity.ends, ends) for _, _, ends in found.labels)
        tip = quantity.shown[1]
        marked = any(math.dist(dot, tip[:2]) <= MARK_REACH for dot in dots)
        if not (named and marked):
            lacks = " and ".join(
                what for what, ok in (("mark", marked), ("label", named)) if not ok
            )
            defects.append(
                Defect("missing quantity", beat, f"arrow {quantity.name}: not drawn, no {lacks}")
            )
    return defects


def _crosses(a: tuple[np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray]) -> bool:
    """Whether two leader lines (label end, tip end) cross away from their label ends (by
    more than :data:`LEADER_END`) and beyond the first stretch from either tip
    (:data:`placement.LEADER_START`, where leaders into one crowded point converge, as the
    arrows meeting there do)."""
    p, r = np.asarray(a[0], float)[:2], np.asarray(a[1], float)[:2] - np.asarray(a[0], float)[:2]
    q, s = np.asarray(b[0], float)[:2], np.asarray(b[1], float)[:2] - np.asarray(b[0], float)[:2]
    denominator = r[0] * s[1] - r[1] * s[0]
    if abs(denominator) < 1e-12:
        return False  # parallel: two leaders side by side do not cross
    gap = q - p
    t = (gap[0] * s[1] - gap[1] * s[0]) / denominator
    u = (gap[0] * r[1] - gap[1] * r[0]) / denominator
    lengths = max(float(np.linalg.norm(r)), 1e-12), max(float(np.linalg.norm(s)), 1e-12)
    start = LEADER_END / lengths[0], LEADER_END / lengths[1]
    tip = placement.LEADER_START / lengths[0], placement.LEADER_START / lengths[1]
    return bool(start[0] < t < 1 - tip[0] and start[1] < u < 1 - tip[1])


def leader_crossings(found: Inventory, beat: str) -> list[Defect]:
    """Every leader line that runs through a label other than its own (the one at its
    start) or a panel, or crosses another leader line: a reader follows it to the wrong
    name."""
    defects = []
    for index, (start, end) in enumerate(found.leaders):
        for name, box, _ in found.texts:
            if placement.box_distance(box, start) < LEADER_REACH:
                continue  # its own label (or one touching it, which label/label counts)
            if placement.segment_hits_box(start, end, _shrunk(box)):
                defects.append(Defect("leader crossing", beat, f"leader through {name}"))
        for panel_index, (_, panel, _) in enumerate(found.panels):
            if placement.segment_hits_box(start, end, _shrunk(panel)):
                defects.append(
                    Defect("leader crossing", beat, f"leader through panel {panel_index + 1}")
                )
        for other in found.leaders[index + 1 :]:
            if _crosses((start, end), other):
                defects.append(Defect("leader crossing", beat, "two leader lines cross"))
    return defects


def picture_box(found: Inventory) -> Box | None:
    """The box of the picture a frame shows: every arrow, line, dot and free label (not the
    panels, nor what is drawn on them), or ``None`` when there is none."""
    panels = [panel for _, panel, _ in found.panels]
    boxes = [box for _, _, box in found.arrows]
    boxes += [
        box
        for _, _, box in found.lines
        if not any(placement.inside(box, panel) for panel in panels)
    ]
    boxes += [box for _, box, _ in found.texts]
    boxes += found.backdrop
    boxes += [box_of_points(np.array([a, b])) for a, b in found.leaders]
    if not boxes:
        return None
    return Box(
        min(b.left for b in boxes),
        max(b.right for b in boxes),
        min(b.bottom for b in boxes),
        max(b.top for b in boxes),
    )


def _clip(box: Box, area: Box) -> Box | None:
    clipped = Box(
        max(box.left, area.left),
        min(box.right, area.right),
        max(box.bottom, area.bottom),
        min(box.top, area.top),
    )
    return clipped if clipped.width > 0 and clipped.height > 0 else None


def picture_use(picture: Box, panels: list[Box], samples: int = 160) -> float:
    """The share of the free area (the safe area less the panels, counted on a grid of
    ``samples`` points across, so overlapping panels count once) that ``picture`` covers."""
    safe = placement.SAFE
    xs = np.linspace(safe.left, safe.right, samples)
    ys = np.linspace(safe.bottom, safe.top, max(2, round(samples * safe.height / safe.width)))
    x, y = np.meshgrid(xs, ys)
    free = np.ones_like(x, dtype=bool)
    for panel in panels:
        free &= ~((x >= panel.left) & (x <= panel.right) & (y >= panel.bottom) & (y <= panel.top))
    if not free.any():
        return 0.0
    inside = (x >= picture.left) & (x <= picture.right) & (y >= picture.bottom) & (y <= picture.top)
    return float((free & inside).sum() / free.sum())


def free_rooms(panels: list[Box], area: Box = placement.SAFE) -> list[Box]:
    """The largest boxes of ``area`` that no panel covers: for each stretch of height between
    panels' edges, the widest stretch of width no panel in it reaches."""
    cuts = sorted(
        {area.bottom, area.top}
        | {min(max(y, area.bottom), area.top) for p in panels for y in (p.bottom, p.top)}
    )
    rooms = []
    for i, bottom in enumerate(cuts):
        for top in cuts[i + 1 :]:
            blocked = sorted(
                (p.left, p.right) for p in panels if p.bottom < top - 1e-9 and p.top > bottom + 1e-9
            )
            left = area.left
            for low, high in [*blocked, (area.right, area.right)]:
                if low > left:
                    rooms.append(Box(left, min(low, area.right), bottom, top))
                left = max(left, high)
    return rooms


def sparse_picture(
    pictures: list[Box], panels: list[Box], beat: str, margin: float = 0.0
) -> list[Defect]:
    """A "sparse picture" when the picture a chapter draws (the union of its beats' boxes,
    :func:`picture_box`, against every panel it showed) covers less than :data:`LEAST_USE` of
    the free area, although a picture of its shape, as large as the free room allows
    (:func:`free_rooms`, each less the layout's ``margin`` for labels at every side), would
    cover that much: the frame stays mostly empty and the numbers
    are drawn small (RankTwoUpdate's picture in the upper right, the left column below the
    panel and the bottom empty).  A long thin picture that spans its room cannot grow and is
    not counted; the union, not the last frame, because a picture that ends on a line
    (UpdateIsALine's squashed plane) was fitted to all it drew before."""
    if not pictures:
        return []
    picture = Box(
        min(b.left for b in pictures),
        max(b.right for b in pictures),
        min(b.bottom for b in pictures),
        max(b.top for b in pictures),
    )
    shown = _clip(picture, placement.SAFE) or picture
    room = max(
        (
            min(
                (r.width - 2 * margin) / max(shown.width, 1e-9),
                (r.height - 2 * margin) / max(shown.height, 1e-9),
            )
            for r in free_rooms(panels)
        ),
        default=1.0,
    )
    use = picture_use(picture, panels)
    if use >= LEAST_USE or use * max(room, 1.0) ** 2 < LEAST_USE:
        return []
    return [
        Defect(
            "sparse picture",
            beat,
            f"the picture covers {use:.0%} of the free area; {room:.2f}x as large, it would fit",
            use,
        )
    ]


class PictureUse:
    """The frames of a scene's beats, chapter by chapter (FullStory plays several, each with
    its own view): :meth:`add` each beat's, and :meth:`close` a chapter to measure the
    picture it drew against the free area left by every panel it showed.  A chapter with no
    arrow (a title, a bar chart) is not a picture of quantities and is not measured."""

    def __init__(self) -> None:
        self.chapter: str | None = None
        self.beat = ""
        self.pictures: list[Box] = []
        self.panels: list[Box] = []
        self.arrows = False
        self.margin = 0.0

    def add(self, found: Inventory, chapter: str, beat: str) -> list[Defect]:
        """Take one beat's frame; the defects of the chapter before, if this starts another."""
        defects = self.close() if chapter != self.chapter else []
        self.chapter, self.beat = chapter, beat
        self.arrows |= bool(found.arrows)
        self.margin = found.label_margin
        picture = picture_box(found)
        if picture is not None:
            self.pictures.append(picture)
        shown = [panel for _, panel, _ in found.panels] + found.reserved
        self.panels += [panel for panel in shown if panel not in self.panels]
        return defects

    def close(self) -> list[Defect]:
        """The defects of the chapter taken so far, and start afresh."""
        defects = (
            sparse_picture(self.pictures, self.panels, self.beat, self.margin)
            if self.arrows
            else []
        )
        self.pictures, self.panels, self.arrows = [], [], False
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
    defects += unnamed_arrows(found, beat)
    defects += missing_quantities(found, beat)
    defects += leader_crossings(found, beat)
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
    must agree on to measure the same (``bench.audit --compare``)."""

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
