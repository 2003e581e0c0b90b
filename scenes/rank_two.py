"""RankTwoUpdate: in 3-D, a rank-2 update moves every output only within span(u₁, u₂).

W' = W + u₁v₁ᵀ + u₂v₂ᵀ gives z = y + α₁u₁ + α₂u₂ with αᵢ = vᵢᵀx: whatever the input, the
change z − y lies in the plane spanned by u₁ and u₂.  The given x and two turns of it show it
(the turning axis is chosen from the data, so the three inputs and their changes always
differ); then the three changes move to the origin and lie in one plane.

The picture is planned before anything is drawn (:func:`plan`): the camera sees the plane
span(u₁, u₂) open, the picture fills the frame right of the panel and above the band a web
player covers, and every label sits where no arrow crosses it (:mod:`lowrank_anim.maths.view3d`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from manim import *

from lowrank_anim.maths import placement
from lowrank_anim.maths.layout import FRAME, Box, View
from lowrank_anim.maths.model import (
    Example,
    UpdateResult,
    default_rank_two,
    span_basis,
    span_normal,
    turned_inputs,
    turning_axis,
)
from lowrank_anim.maths.view3d import (
    CameraAngle,
    camera_choices,
    choose_camera,
    fit_picture,
    hidden_count,
)
from scenes.builders import LEADER_HALF_WIDTH, MIN_ARROW, PANEL_MAX_WIDTH
from scenes.mobjects import LeaderLine, mark_legend, mark_names
from scenes.space import LowRankScene3D

#: How many inputs the scene shows: x and two turns of it.
INPUT_COUNT = 3
#: The names of the inputs, in the labels and the panel.
INPUT_NAMES = ("x", "x_2", "x_3")
#: Room kept free: 3% of the frame height at every edge, and the bottom 15% that web players
#: cover with their controls and captions.
EDGE, BAND = 0.03 * FRAME.height, 0.15 * FRAME.height
PICTURE_BOX = Box(FRAME.left + EDGE, FRAME.right - EDGE, FRAME.bottom + BAND, FRAME.top - EDGE)
#: Where the equation panel sits (top left, as wide as a panel may be;
#: ``tests/scenes/test_rank_two.py`` checks it fits): the picture keeps clear of it.
PANEL_BOX = Box(FRAME.left + 0.3, FRAME.left + 0.3 + PANEL_MAX_WIDTH + 0.5, 1.35, FRAME.top - 0.3)
#: Where the legend sits (bottom left, above the band; ``tests/scenes/test_rank_two.py``
#: checks it fits): it names the arrows that have no label of their own, and the picture
#: keeps clear of it too.
LEGEND_BOX = Box(FRAME.left + 0.3, FRAME.left + 0.3 + 3.8, FRAME.bottom + BAND, -0.1)
#: Room between the picture's outermost points and the free box's sides, for labels.
LABEL_ROOM = 0.4
#: Least half-size of the patch through the origin, and how far the patches reach past what
#: they hold, in units of their sides (:func:`~lowrank_anim.maths.model.span_basis`).
SPAN_REACH, PAD = 1.0, 0.3
#: Room kept free around each end of an axis (width, height; scene units).
AXIS_END = (0.6, 0.6)
#: Views tried at the size they are drawn before the least hiding one is kept.
RECHOOSE = 30
#: Views compared for how much of the frame they fill, and the share of the largest picture
#: a view must draw to be compared.
WIDER_LOOK, SAME_SIZE = 12, 0.99
#: Opacity of the inputs already shown while the next one is drawn.
FADED = 0.25

Reach = tuple[tuple[float, float], tuple[float, float]]
#: The pinned panel, and the names of the inputs its readouts can be about.
Panel = tuple[VGroup, list[VMobject]]
#: The pinned legend's box and rows.
Legend = tuple[VMobject, list[VMobject]]


@dataclass(frozen=True)
class Plan:
    """What RankTwoUpdate draws (model coordinates) and how it is seen."""

    u1: np.ndarray
    u2: np.ndarray
    results: tuple[UpdateResult, ...]
    sides: np.ndarray
    """Two orthogonal vectors spanning span(u₁, u₂) (:func:`span_basis`): the patches' sides."""
    span_reach: Reach
    """The patch of span(u₁, u₂) through the origin: it holds u₁, u₂ and every change."""
    local_reach: tuple[Reach, ...]
    """The patch through each y: it holds that input's change, term by term."""
    axes_low: np.ndarray
    axes_high: np.ndarray
    camera: CameraAngle
    view: View


def reach_of(sides: np.ndarray, points: list[np.ndarray], least: float = 0.0) -> Reach:
    """Coefficient ranges along the two ``sides`` that hold 0 and every point of the plane in
    ``points`` with :data:`PAD` to spare, and at least ±``least``."""
    coefficients = np.linalg.lstsq(sides.T, np.array(points).T, rcond=None)[0].T
    lows = np.minimum(coefficients.min(axis=0), 0) - PAD
    highs = np.maximum(coefficients.max(axis=0), 0) + PAD
    lows, highs = np.minimum(lows, -least), np.maximum(highs, least)
    return ((float(lows[0]), float(highs[0])), (float(lows[1]), float(highs[1])))


#: Plans already made, by the example's numbers: a scene asks twice (its fit, its construct).
_PLANS: dict[bytes, Plan] = {}


def plan(ex: Example) -> Plan:
    """Every point the scene draws, the camera that shows them best and the fitted view."""
    key = b"".join(a.tobytes() for a in (ex.update.W, ex.update.U, ex.update.V, ex.x))
    if key not in _PLANS:
        if len(_PLANS) > 64:
            _PLANS.clear()
        _PLANS[key] = make_plan(ex)
    return _PLANS[key]


def make_plan(ex: Example) -> Plan:
    """:func:`plan`, worked out."""
    upd = ex.update
    u1, u2 = upd.U.T
    inputs = turned_inputs(ex.x, INPUT_COUNT, turning_axis(upd, ex.x, INPUT_COUNT))
    results = tuple(upd.apply(x) for x in inputs)
    alphas = np.array([r.alpha for r in results])
    sides = span_basis(upd)
    span_reach = reach_of(sides, [u1, u2, *(r.delta for r in results)], SPAN_REACH)
    local = tuple(reach_of(sides, [a[0] * u1, a[0] * u1 + a[1] * u2]) for a in alphas)
    points = [np.zeros(3), u1, u2, *patch_corners(sides, np.zeros(3), span_reach)]
    for res, reach in zip(results, local, strict=True):
        points += [res.x, res.y, res.z, res.delta, *patch_corners(sides, res.y, reach)]
    low, high = np.min(points, axis=0), np.max(points, axis=0)
    points += [np.diag(low), np.diag(high)]
    cloud = np.vstack(points)
    apart = shown_together(u1, u2, results)
    camera = choose_camera(cloud, span_normal(upd), PICTURE_BOX, LABEL_ROOM, apart=apart)
    view = fit_picture(cloud, camera, PICTURE_BOX, LABEL_ROOM, avoid=(PANEL_BOX, LEGEND_BOX))
    # Kept clear of the panel, the picture may come out smaller than the camera was chosen
    # for, and arrows closer on screen: choose again for that size.
    shrink = view.scale / fit_picture(cloud, camera, PICTURE_BOX, LABEL_ROOM).scale
    # The views at that size, best first: measured once, for this choice and those below.
    choices = camera_choices(
        cloud, span_normal(upd), PICTURE_BOX, LABEL_ROOM, apart=apart, shrink=shrink
    )
    if shrink < 0.97:
        again = next(choices)
        if again != camera:
            camera = again
            view = fit_picture(
                cloud, camera, PICTURE_BOX, LABEL_ROOM, avoid=(PANEL_BOX, LEGEND_BOX)
            )
    # Whether arrows part depends on the size they are drawn at, which the choice could
    # only estimate: measured at the real size, a view that hides one gives way to the next
    # best, up to RECHOOSE views (the best measured is kept): with α in the thousands the
    # first clean one came 18th.
    # The choice was made for the whole frame; kept clear of the panel, a view that came
    # later may draw the picture as large and fill more of the frame (wider, under the
    # panel): the first WIDER_LOOK views that hide nothing are compared by that too.
    seen = [(hidden_count(camera, view.scale, apart), camera, view)]
    while (seen[-1][0] or len(seen) < WIDER_LOOK) and len(seen) < RECHOOSE:
        other = next(choices, None)
        if other is None:
            break
        if any(other == tried for _, tried, _ in seen):
            continue
        view = fit_picture(cloud, other, PICTURE_BOX, LABEL_ROOM, avoid=(PANEL_BOX, LEGEND_BOX))
        seen.append((hidden_count(other, view.scale, apart), other, view))
        if not seen[0][0] and len(seen) >= WIDER_LOOK:
            break
    fewest = min(hidden for hidden, _, _ in seen)
    clean = [(camera, view) for hidden, camera, view in seen if hidden == fewest]
    largest = max(view.scale for _, view in clean)
    camera, view = max(
        ((c, v) for c, v in clean if v.scale >= SAME_SIZE * largest),
        key=lambda pair: area_shown(cloud, *pair),
    )
    return Plan(u1, u2, results, sides, span_reach, local, low, high, camera, view)


def area_shown(cloud: np.ndarray, camera: CameraAngle, view: View) -> float:
    """The area of the box the camera shows ``cloud`` in (scene units²), less what it
    shares with the panel: how much of the frame the picture takes."""
    screen = camera.project(np.array([view.to_scene(p) for p in cloud]))
    low, high = screen.min(axis=0), screen.max(axis=0)
    shared = np.clip(
        np.minimum(high, [PANEL_BOX.right, PANEL_BOX.top])
        - np.maximum(low, [PANEL_BOX.left, PANEL_BOX.bottom]),
        0,
        None,
    )
    return float(np.prod(high - low) - np.prod(shared))


def shown_together(
    u1: np.ndarray, u2: np.ndarray, results: tuple[UpdateResult, ...]
) -> list[np.ndarray]:
    """The arrows (start, end) each beat shows at full strength, which the camera must show
    apart: x, y = Wx and z often point almost the same way, and from most angles one would
    hide another.  Each input's beat: u₁, u₂, its x, y, z and its change (term by term for
    the given x); the last beat: the given x's and every change moved to the origin."""
    o = np.zeros(3)
    first = results[0]
    step = first.y + first.alpha[0] * u1
    pairs = [(o, u1), (o, u2)]
    mine = [(o, first.x), (o, first.y), (o, first.z), (first.y, step), (step, first.z)]
    groups = [pairs + mine]
    groups += [[*pairs, (o, r.x), (o, r.y), (o, r.z), (r.y, r.z)] for r in results[1:]]
    groups.append(pairs + mine + [(o, r.delta) for r in results])
    return [np.array(group) for group in groups]


class RankTwoUpdate(LowRankScene3D):
    """Axes, u₁ and u₂ with their plane, then inputs whose changes all lie in it."""

    panel_room = ()  # the picture wraps around the pinned panel: the rest is its to fill
    label_margin = LABEL_ROOM  # kept free around the fitted picture for labels

    @classmethod
    def default_example(cls) -> Example:
        return default_rank_two()

    @classmethod
    def fit(cls, ex: Example) -> View:
        return plan(ex).view

    def construct(self) -> None:
        steps = plan(self.ex)
        warn_unseen(self, steps)
        self.look_from(steps.camera)
        panel = make_panel(self, steps)
        legend = make_legend(self, steps)
        names = place_names(self, steps)
        # Two pairs
        with self.beat("Two pairs", "A rank-2 update learns two pairs: W' = W + u₁v₁ᵀ + u₂v₂ᵀ."):
            show_pairs(self, steps, panel, names)
        shown: list[list[Mobject]] = []
        # Three inputs, each change in the plane through its y
        for index in range(INPUT_COUNT):
            with self.beat(*INPUT_BEATS[index]):
                shown.append(show_input(self, steps, panel, names, index, shown, legend))
        # Every change, moved to the origin, in one plane
        with self.beat(
            "One plane",
            "Moved to the origin, every change z − y lies in span(u₁, u₂): a rank-2 update "
            "moves outputs in only two directions.",
        ):
            gather_changes(self, steps, panel, shown, legend)


#: (beat name, caption) of each input's beat; the captions need at most 20 characters/s.
INPUT_BEATS = (
    (
        "One input",
        "For x: z − y = α₁u₁ + α₂u₂ with αᵢ = vᵢᵀx, so z lies in the plane through y "
        "spanned by u₁ and u₂.",
    ),
    ("Input 2", "Another input, x₂, gives another pair α₁, α₂; z − y again lies in span(u₁, u₂)."),
    ("Input 3", "A third input, x₃: other α₁, α₂, and z − y still lies in span(u₁, u₂)."),
)


def make_panel(scene: LowRankScene3D, steps: Plan) -> Panel:
    """The equations and the α readouts of the input on show, pinned top left; and the
    names of the inputs ("for x:", "for x₂:", …) to put at the start of the readouts' row."""
    equation = scene.get_tex_row(
        ("W'", None),
        ("=", None),
        ("W", None),
        ("+", None),
        ("u_1", "u"),
        (r"v_1^\top", "v"),
        ("+", None),
        ("u_2", "u"),
        (r"v_2^\top", "v"),
    )
    change = scene.get_tex_row(
        ("z", "z"),
        ("-", None),
        ("y", "y"),
        ("=", None),
        (r"\alpha_1", "alpha"),
        ("u_1", "u"),
        ("+", None),
        (r"\alpha_2", "alpha"),
        ("u_2", "u"),
    )

    def name_row(name: str) -> VMobject:
        return scene.get_tex_row((rf"\text{{for }} {name}", "x"), (":", None))

    # Room for the widest name; the names themselves are laid over it.
    slot = name_row(INPUT_NAMES[-1]).set_opacity(0)
    # α₁ and α₂ side by side read alike: one unit from every value either will show.
    every_alpha = [a for r in steps.results for a in r.alpha]
    readouts = VGroup(
        slot,
        *(
            VGroup(
                MathTex(rf"\alpha_{i} =", color=scene.theme.alpha),
                # Sized for the widest value it will show, so the panel holds every one.
                scene.get_number(
                    f"alpha{i}",
                    widest(r.alpha[i - 1] for r in steps.results),
                    values=every_alpha,
                ),
            ).arrange(RIGHT, buff=0.15)
            for i in (1, 2)
        ),
    ).arrange(RIGHT, buff=0.35)
    panel = scene.get_panel(*(row.scale(0.8) for row in (equation, change, readouts)))
    # Each input's name, at the size the panel gave the slot; shown one at a time.
    ratio = slot.height / name_row(INPUT_NAMES[-1]).height
    names = [name_row(n).scale(ratio).align_to(slot, LEFT).align_to(slot, UP) for n in INPUT_NAMES]
    scene.pin(panel, *names)
    scene.remove(panel, *names)
    return panel, names


#: How the arrows that have no label of their own are called in the warning about them.
UNLABELLED = {
    "y2": "y₂",
    "y3": "y₃",
    "z2": "z₂",
    "z3": "z₃",
    "alpha1_u1_1": "α₁u₁",
    "alpha2_u2_1": "α₂u₂",
    "delta2": "z₂ − y₂",
    "delta3": "z₃ − y₃",
    "change1": "z − y (moved to 0)",
    "change2": "z₂ − y₂ (moved to 0)",
    "change3": "z₃ − y₃ (moved to 0)",
}


def unlabelled_arrows(steps: Plan) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The arrows (model ends) the legend names, by their key in ``scene.arrows``."""
    o = np.zeros(3)
    res = steps.results
    step = res[0].y + res[0].alpha[0] * steps.u1
    arrows = {"alpha1_u1_1": (res[0].y, step), "alpha2_u2_1": (step, res[0].z)}
    for key, r in enumerate(res, start=1):
        if key > 1:
            arrows.update({f"y{key}": (o, r.y), f"z{key}": (o, r.z), f"delta{key}": (r.y, r.z)})
        arrows[f"change{key}"] = (o, r.delta)
    return arrows


def warn_unseen(scene: LowRankScene3D, steps: Plan) -> None:
    """Say, before the first frame, which arrows with no label of their own the picture draws
    too short to see (a dot each would pile up in one place: x tiny beside u₁, u₂ puts every
    output at the origin), and why; the frame audit reads ``scene.unseen``."""
    view, camera = steps.view, steps.camera
    short = [
        key
        for key, (a, b) in unlabelled_arrows(steps).items()
        if not placement.is_visible_arrow(
            camera.project(view.to_scene(a))[0], camera.project(view.to_scene(b))[0]
        )
    ]
    scene.unseen.update(short)
    if short:
        logger.warning(
            "RankTwoUpdate: %s too short to show at this scale (the picture is sized for "
            "its longest arrows); give numbers of more alike sizes to see them",
            ", ".join(UNLABELLED[key] for key in short),
        )


def make_legend(scene: LowRankScene3D, steps: Plan) -> Legend:
    """The legend, pinned bottom left: a line in each colour that names the arrows with no
    label of their own (y and z of every input, the change term by term and whole, the
    changes moved to the origin).  Returns its box and rows, taken off again: the rows
    come in with what they name."""
    o = np.zeros(3)
    res = steps.results
    step = res[0].y + res[0].alpha[0] * steps.u1
    rows = [
        (r"y = Wx", "y", [(o, r.y) for r in res]),
        (r"z = W'x", "z", [(o, r.z) for r in res]),
        (
            r"z - y = \alpha_1 u_1 + \alpha_2 u_2",
            "u",
            [(res[0].y, step), (step, res[0].z), *((r.y, r.z) for r in res[1:])],
        ),
        (r"z - y \text{ moved to } 0", "alpha", [(o, r.delta) for r in res]),
    ]
    texts = []
    for tex, role, arrows in rows:
        text = MathTex(tex, color=scene.theme.role(role)).scale(0.7)
        mark_legend(text, *((scene.c2p(a), scene.c2p(b)) for a, b in arrows))
        texts.append(text)
    legend = scene.get_panel(*texts, corner=DL, name="panel legend")
    scene.pin(legend)
    scene.remove(legend)
    return legend.box, texts


def widest(values: Iterable[float]) -> float:
    """The value whose readout is widest: the largest magnitude, negative if any is."""
    values = list(values)
    size = max(abs(v) for v in values)
    return -size if min(values) < 0 else size


def show_readouts(scene: LowRankScene3D, panel: Panel, steps: Plan, index: int) -> None:
    """The panel's last row shows which input it is about and that input's α₁, α₂."""
    res = steps.results[index]
    for i, name in enumerate(panel[1]):
        if i == index:
            scene.add(name.set_opacity(1))
        else:
            scene.remove(name)
    scene.set_number("alpha1", res.alpha[0])
    scene.set_number("alpha2", res.alpha[1])
    scene.probes["input"] = lambda: index + 1


def place_names(scene: LowRankScene3D, steps: Plan) -> dict[str, VMobject]:
    """The labels u₁, u₂, x, y, z, x₂, x₃, each put by the placement board
    (:mod:`lowrank_anim.maths.placement`, as the 2-D scenes do) where no arrow, patch outline,
    axis, other label or the panel covers it, as the camera will show the finished picture;
    with a leader line when it had to go further out.  The label of an arrow too short to see
    is an empty mobject."""
    view, camera = steps.view, steps.camera
    res = steps.results

    def screen(p: np.ndarray) -> np.ndarray:
        out: np.ndarray = camera.project(view.to_scene(p))[0][:2]
        return out

    def in_scene(tip: np.ndarray, at: np.ndarray) -> np.ndarray:
        """The scene point the camera shows at screen point ``at``, level with ``tip``."""
        out: np.ndarray = view.to_scene(tip) + camera.lift(at - screen(tip))
        return out

    board = placement.Board(area=PICTURE_BOX)
    board.add_box("panel", PANEL_BOX)
    board.add_box("legend", LEGEND_BOX)
    o = np.zeros(3)
    arrows = {"u_1": (o, steps.u1), "u_2": (o, steps.u2)}
    for key, r in enumerate(res, start=1):
        arrows.update(
            {f"x{key}": (o, r.x), f"y{key}": (o, r.y), f"z{key}": (o, r.z)},
            **{f"delta{key}": (r.y, r.z), f"change{key}": (o, r.delta)},
        )
        step = r.y + r.alpha[0] * steps.u1
        if key == 1:
            arrows.update(alpha1_u1=(r.y, step), alpha2_u2=(step, r.z))
    for name, (a, b) in arrows.items():
        board.add_arrow(f"arrow {name}", screen(a), screen(b))
    outlines = [(o, steps.span_reach), *zip((r.y for r in res), steps.local_reach, strict=True)]
    for index, (through, reach) in enumerate(outlines):
        ring = [screen(c) for c in patch_corners(steps.sides, through, reach)]
        board.add_segments(f"patch {index}", placement.path_segments([*ring, ring[0]]))
    for i in range(3):
        ends = np.diag(steps.axes_low)[i], np.diag(steps.axes_high)[i]
        board.add_segments(f"axis {i}", placement.path_segments([screen(e) for e in ends]))
        # A label at an axis's end reads as the axis's name ("y" at the top of the picture
        # was taken for the second axis): labels keep clear of the ends.
        for side, end in zip(("low", "high"), ends, strict=True):
            board.add_box(f"axis {i} {side}", placement.box_around(screen(end), *AXIS_END))
    wanted = [
        ("u_1", "u", steps.u1),
        ("u_2", "u", steps.u2),
        ("x", "x", res[0].x),
        ("y", "y", res[0].y),
        ("z", "z", res[0].z),
        ("x_2", "x", res[1].x),
        ("x_3", "x", res[2].x),
    ]
    # Every label's size and candidate spots first; then the order to place them in (the
    # board places one at a time, and an early label's leader line can leave a later one no
    # spot that crosses nothing: placed first, the later one takes a free spot).
    entries: list[_Name] = []
    for tex, role, tip in wanted:
        zero = float(np.linalg.norm(tip)) * view.scale < MIN_ARROW
        tex_label = scene.get_label_3d(tex + r" = 0" if zero else tex, role)
        end = screen(tip)
        visible = placement.is_visible_arrow(screen(o), end)
        if visible:
            spots = placement.label_spots(screen(o), end, tex_label.width, tex_label.height)
            own = placement.arrow_segments(screen(o), end)
        else:
            # Too short to see (y = 0 for x in W's null space): a dot stands for it, named.
            own = placement.mark_segments(end)
            spots = placement.label_spots(end, end, tex_label.width, tex_label.height)
        entries.append(_Name(tex, role, tip, tex_label, end, visible, spots, own))
    spots_by_tex = _place_in_the_best_order(board, entries)
    names: dict[str, VMobject] = {}
    labels: list[Mobject] = []
    for entry in entries:
        tex, role, tip, end = entry.tex, entry.role, entry.tip, entry.end
        label = entry.label
        spot = spots_by_tex[tex]
        mark = None
        if not entry.visible:
            mark = Dot(view.to_scene(tip), radius=placement.MARK_RADIUS, color=label.get_color())
        label.move_to(in_scene(tip, np.array(spot.center)))
        mark_names(label, view.to_scene(o), view.to_scene(tip))
        scene.labels_3d[f"{role}:{tex}"] = label
        labels.append(label)
        names[tex] = label if mark is None else VGroup(label, mark)
        if mark is not None:
            labels.append(mark)  # (a dot facing the camera is round)
        if spot.leader_to is not None:
            box = placement.box_around(spot.center, label.width, label.height)
            edge = np.array(placement.leader_end(box, end))
            line = LeaderLine(
                in_scene(tip, edge),
                view.to_scene(tip),
                color=scene.theme.muted,
                stroke_width=1.5,
                buff=0.05,
            )
            names[tex] = VGroup(*names[tex], line) if mark is not None else VGroup(label, line)
    # manim adds what it keeps facing the camera to the scene: take every label off again
    # (a label with a leader line too, which its group alone would not take off), so each
    # shows only with its arrow.
    scene.face_camera(*labels)
    scene.remove(*labels, *names.values())
    return names


@dataclass
class _Name:
    """A label :func:`place_names` puts: what it names, its size and where it may go."""

    tex: str
    role: str
    tip: np.ndarray
    label: VMobject
    end: np.ndarray
    visible: bool
    spots: list[placement.Spot]
    own: list[placement.Segment]


def _place(
    board: placement.Board, entries: list[_Name], order: Iterable[int]
) -> tuple[tuple[int, int], dict[str, placement.Spot]]:
    """Place ``entries`` on ``board`` in ``order``; the faults left (labels on something,
    leader lines through a label or another leader line) and each label's spot."""
    covered = crossed = 0
    spots: dict[str, placement.Spot] = {}
    for index in order:
        e = entries[index]
        name = f"label {e.tex}"
        if not e.visible:
            board.add_segments(f"mark {e.tex}", e.own)
        spot = board.place(name, e.spots, e.label.width, e.label.height, own=e.own)
        box = placement.box_around(spot.center, e.label.width, e.label.height)
        covered += board.crowding(box, {name}, own=e.own) >= 1.0
        crossed += board.crossed(spot, box, {name})[0]
        if spot.leader_to is not None:
            edge = np.array(placement.leader_end(box, e.end))
            # On the board, so later labels and their leader lines keep clear of it.
            board.add_segments(
                f"leader {e.tex}",
                placement.path_segments(np.array([edge, e.end]), LEADER_HALF_WIDTH),
            )
        spots[e.tex] = spot
    return (covered, crossed), spots


def _place_in_the_best_order(
    board: placement.Board, entries: list[_Name]
) -> dict[str, placement.Spot]:
    """Each label's spot, placed in the listed order unless that leaves a fault another
    order avoids: then each label that was in trouble is tried first, and the order
    reversed (a handful of tries, each a few milliseconds; the fewest faults wins, the
    listed order on a tie)."""
    listed = list(range(len(entries)))
    best = _place(copy.deepcopy(board), entries, listed)
    if best[0] == (0, 0):
        return best[1]
    orders = [[i, *(j for j in listed if j != i)] for i in listed] + [listed[::-1]]
    for order in orders:
        tried = _place(copy.deepcopy(board), entries, order)
        if sum(tried[0]) < sum(best[0]):
            best = tried
        if best[0] == (0, 0):
            break
    return best[1]


def patch_corners(sides: np.ndarray, through: np.ndarray, reach: Reach) -> list[np.ndarray]:
    """The corners of the patch :meth:`LowRankScene3D.get_span_patch` draws, in order."""
    (lo1, hi1), (lo2, hi2) = reach
    pairs = ((hi1, hi2), (lo1, hi2), (lo1, lo2), (hi1, lo2))
    return [through + s * sides[0] + t * sides[1] for s, t in pairs]


def show_pairs(
    scene: LowRankScene3D, steps: Plan, panel: Panel, names: dict[str, VMobject]
) -> None:
    """Axes, the plane span(u₁, u₂) through the origin, u₁ and u₂, and the equations."""
    axes = scene.get_axes_3d(steps.axes_low, steps.axes_high)
    plane = scene.get_span_patch(steps.sides[0], steps.sides[1], (0, 0, 0), steps.span_reach)
    arrows = {"u1": scene.get_vector_3d(steps.u1, "u"), "u2": scene.get_vector_3d(steps.u2, "u")}
    scene.arrows.update(arrows)
    box, rows = panel[0]
    scene.play(Create(axes), FadeIn(box), FadeIn(rows[0]), FadeIn(rows[1]), run_time=1.5)
    scene.play(*(FadeIn(a) for a in arrows.values()), FadeIn(names["u_1"]), FadeIn(names["u_2"]))
    scene.play(FadeIn(plane))
    scene.wait(0.5)


def show_input(
    scene: LowRankScene3D,
    steps: Plan,
    panel: Panel,
    names: dict[str, VMobject],
    index: int,
    shown: list[list[Mobject]],
    legend: Legend,
) -> list[Mobject]:
    """One input: x, y = Wx, the plane through y, the change α₁u₁ + α₂u₂ in it, and z.
    Returns what it drew (the local patch last)."""
    res, key = steps.results[index], index + 1
    if shown:
        earlier = [m for group in shown for m in group[:-1]]
        scene.play(*(m.animate.set_opacity(FADED) for m in earlier), run_time=0.4)
    show_readouts(scene, panel, steps, index)
    if index == 0:
        box, rows = legend
        scene.play(
            FadeIn(panel[0][1][2]),
            FadeIn(panel[1][0]),
            FadeIn(box),
            *(FadeIn(row) for row in rows[:3]),
            run_time=0.5,
        )
    step = res.y + res.alpha[0] * steps.u1
    local = scene.get_span_patch(steps.sides[0], steps.sides[1], res.y, steps.local_reach[index])
    x_arrow, y_arrow, z_arrow = (
        scene.get_vector_3d(p, r) for p, r in ((res.x, "x"), (res.y, "y"), (res.z, "z"))
    )
    if index == 0:
        # The change built up term by term: α₁u₁, then α₂u₂, tip to tail.
        parts = [
            scene.get_vector_3d(step, "u", start=res.y),
            scene.get_vector_3d(res.z, "u", start=step),
        ]
        scene.arrows.update(alpha1_u1_1=parts[0], alpha2_u2_1=parts[1])
        labels = [names["x"], names["y"], names["z"]]
    else:
        parts = [scene.get_vector_3d(res.z, "u", start=res.y)]
        scene.arrows[f"delta{key}"] = parts[0]
        labels = [names[INPUT_NAMES[index]]]
    scene.arrows.update({f"x{key}": x_arrow, f"y{key}": y_arrow, f"z{key}": z_arrow})
    scene.play(FadeIn(x_arrow), FadeIn(labels[0]), run_time=0.6)
    scene.play(TransformFromCopy(x_arrow, y_arrow), *(FadeIn(n) for n in labels[1:2]), run_time=1)
    scene.play(FadeIn(local), run_time=0.6)
    for piece in parts:
        scene.play(FadeIn(piece), run_time=0.7)
    scene.play(FadeIn(z_arrow), *(FadeIn(n) for n in labels[2:]), run_time=0.7)
    scene.wait(1.5 if index == 0 else 1.2)
    return [x_arrow, y_arrow, *parts, z_arrow, *labels, local]


def gather_changes(
    scene: LowRankScene3D, steps: Plan, panel: Panel, shown: list[list[Mobject]], legend: Legend
) -> None:
    """Each change z − y slides to the origin, into span(u₁, u₂); the given x comes back to
    full strength (the other inputs stay faint, their planes go), and the panel says so."""
    mine = shown[0]
    scene.play(
        *(FadeOut(group[-1]) for group in shown[1:]),
        *(m.animate.set_opacity(FADED) for group in shown[1:] for m in group[:-1]),
        *(m.animate.set_opacity(1) for m in mine[:-1]),
        run_time=0.8,
    )
    show_readouts(scene, panel, steps, 0)
    moves = []
    for key, res in enumerate(steps.results, start=1):
        at_y = scene.get_vector_3d(res.z, "alpha", start=res.y)
        at_origin = scene.get_vector_3d(res.delta, "alpha")
        scene.arrows[f"change{key}"] = at_origin
        moves.append(ReplacementTransform(at_y, at_origin))
    scene.play(*moves, FadeIn(legend[1][3]), run_time=2)
    scene.wait(3.5)
