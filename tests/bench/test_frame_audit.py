"""The frame audit (``bench/audit/frames.py``, run by ``make audit``): it finds nothing wrong
in the scenes' frames for their defaults and random valid numbers, and it does find each kind
of defect when a label, panel or readout is deliberately misplaced."""

from __future__ import annotations

import inspect
import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from bench import audit
from bench.audit.frames import KINDS, caption_defects, measure
from lowrank_anim.maths.layout import FRAME
from lowrank_anim.registry import SCENES


@pytest.fixture(scope="module")
def run_case(tmp_path_factory: pytest.TempPathFactory, tex_store: Path) -> Any:
    """Construct one audit case without rendering, configured as ``make audit`` does it;
    returns (scene, defects)."""

    def run(case: Any) -> tuple[Any, list[Any]]:
        plays: dict[str, int] = {}
        defects: list[Any] = []
        media = str(tmp_path_factory.mktemp("media"))
        with audit.audit_context(case, media, str(tex_store), dry_run=True, frame_rate=5) as ctx:
            scene = audit.audited(ctx.scene_class, plays, defects)()
            scene.renderer.update_frame = lambda *args, **kwargs: None
            scene.render()
        return scene, defects + caption_defects(scene)

    return run


def described(defects: list[Any]) -> str:
    return "\n".join(f"{d.beat}: {d.kind}: {d.what}" for d in defects[:20])


@pytest.mark.parametrize("name", list(SCENES))
def test_default_frames_have_no_defects(name: str, run_case: Any) -> None:
    _, defects = run_case(audit.Case(name, "defaults"))
    assert not defects, described(defects)


def random_cases(count: int = 30, seed: int = 2026) -> list[Any]:
    """``count`` random valid sets, spread over the scenes that take numbers: the first
    round (one set per scene) in ``make check``, the rest ``slow`` (in ``make test``)."""
    rng = random.Random(seed)
    scenes = [*audit.RANK_ONE_SCENES, *audit.RANK_TWO_SCENES]
    cases = []
    for index in range(count):
        scene = scenes[index % len(scenes)]
        kind = "rank2" if scene in audit.RANK_TWO_SCENES else "rank1"
        case = audit.Case(scene, f"random {index}", audit.random_sets(kind, rng))
        marks = () if index < len(scenes) else pytest.mark.slow
        cases.append(pytest.param(case, id=f"{scene}-{index}", marks=marks))
    return cases


@pytest.mark.parametrize("case", random_cases())
def test_random_frames_have_no_defects(case: Any, run_case: Any) -> None:
    _, defects = run_case(case)
    assert not defects, f"{' '.join(case.sets)}\n{described(defects)}"


def found_cases() -> list[Any]:
    """The awkward cases random sets once revealed, each in the scene it was found in: the
    most recent of each scene in ``make check``, every one in ``make test`` (``slow``)."""
    cases = []
    latest = {scene: name for name, scene in audit.FOUND_IN.items()}
    for name, scene in audit.FOUND_IN.items():
        sets = {**audit.AWKWARD_RANK_ONE, **audit.AWKWARD_RANK_TWO}[name]
        marks = [] if latest[scene] == name else [pytest.mark.slow]
        if name in audit.KNOWN_DEFECTS:
            marks.append(pytest.mark.xfail(strict=True, reason=audit.KNOWN_DEFECTS[name]))
        case = audit.Case(scene, name, sets)
        cases.append(pytest.param(case, id=f"{scene}-{name}", marks=marks))
    return cases


@pytest.mark.parametrize("case", found_cases())
def test_cases_random_sets_revealed_have_no_defects(case: Any, run_case: Any) -> None:
    _, defects = run_case(case)
    assert not defects, f"{' '.join(case.sets)}\n{described(defects)}"


# The audit catches each kind of defect ------------------------------------------------------


@pytest.fixture(scope="module")
def rank_one(run_case: Any) -> Any:
    scene, defects = run_case(audit.Case("RankOneUpdate", "defaults"))
    assert not defects, described(defects)
    return scene


@contextmanager
def moved(mob: Any, to: Any) -> Iterator[None]:
    """``mob`` moved to ``to`` for the body, then put back."""
    back = mob.get_center().copy()
    mob.move_to(to)
    try:
        yield
    finally:
        mob.move_to(back)


def kinds(scene: Any) -> set[str]:
    return {d.kind for d in measure(scene, "test")}


def label(scene: Any, text: str) -> Any:
    from manim import MathTex

    found = [
        m
        for top in scene.mobjects
        for m in top.get_family()
        if isinstance(m, MathTex) and m.get_tex_string() == text
    ]
    assert found, f"no label {text!r} on screen"
    return found[0]


def equation_panel(scene: Any) -> Any:
    """The panel lowest on screen (RankOneUpdate's equation)."""
    from scenes.mobjects import Panel

    panels = [m for m in scene.mobjects if isinstance(m, Panel)]
    assert len(panels) == 2, "RankOneUpdate shows the α readout and the equation"
    return min(panels, key=lambda p: p.get_y())


def test_catches_label_on_label(rank_one: Any) -> None:
    with moved(label(rank_one, "z"), label(rank_one, "x").get_center()):
        assert "label/label" in kinds(rank_one)


def test_catches_label_on_arrow(rank_one: Any) -> None:
    with moved(label(rank_one, "z"), rank_one.arrows["x"].get_center()):
        assert "label/arrow" in kinds(rank_one)


def test_catches_label_on_line(rank_one: Any) -> None:
    from manim import Line

    span = next(m for m in rank_one.mobjects if type(m) is Line and m.get_length() > 5)
    with moved(label(rank_one, "z"), span.point_from_proportion(0.9)):
        assert "label/line" in kinds(rank_one)


def test_catches_panel_on_geometry(rank_one: Any) -> None:
    panel = equation_panel(rank_one)
    with moved(panel, rank_one.arrows["z"].get_end()):
        assert "panel/geometry" in kinds(rank_one)


def test_catches_text_at_the_edge(rank_one: Any) -> None:
    z = label(rank_one, "z")
    with moved(z, [FRAME.right - z.width / 2, 0, 0]):
        assert "edge margin" in kinds(rank_one)


def test_catches_a_panel_in_the_bottom_band(rank_one: Any) -> None:
    panel = equation_panel(rank_one)
    with moved(panel, [panel.get_x(), FRAME.bottom + panel.height / 2 + 0.3, 0]):
        assert "bottom band" in kinds(rank_one)


def test_catches_a_readout_spilling_out_of_its_box(rank_one: Any) -> None:
    number = rank_one.numbers["alpha"]
    before = number.get_value()
    number.set_value(-123456.78)
    try:
        assert "text spill" in kinds(rank_one)
    finally:
        number.set_value(before)


def test_catches_small_text(rank_one: Any) -> None:
    tiny = label(rank_one, "z")
    tiny.scale(0.3)
    try:
        assert "small text" in kinds(rank_one)
    finally:
        tiny.scale(1 / 0.3)


def test_catches_a_fast_caption(rank_one: Any) -> None:
    writer = rank_one.renderer.file_writer
    count = len(writer.subcaptions)
    rank_one.add_subcaption("a caption far too long to read in half a second", duration=0.5)
    try:
        assert [d.kind for d in caption_defects(rank_one)] == ["caption speed"]
    finally:
        del writer.subcaptions[count:]


def beyond_tip(scene: Any, arrow: str, mob: Any, gap: float) -> Any:
    """The point ``gap`` beyond ``mob``'s edge past the tip of ``scene.arrows[arrow]``,
    straight on: where ``mob`` touches no arrow but sits at that tip."""
    import numpy as np

    start, end = scene.arrows[arrow].get_start(), scene.arrows[arrow].get_end()
    unit = (end - start) / np.linalg.norm(end - start)
    reach = abs(unit[0]) * mob.width / 2 + abs(unit[1]) * mob.height / 2
    return end + unit * (reach + gap)


def test_catches_a_label_at_another_arrows_tip(rank_one: Any) -> None:
    """What a reader saw in InputSweep with u, v and x nearly parallel: ``u`` printed at v's
    tip, clear of every arrow, names v; the label at its own arrow's tip does not."""
    z = label(rank_one, "z")
    with moved(z, beyond_tip(rank_one, "x", z, 0.1)):
        assert "label/other tip" in kinds(rank_one)
    with moved(z, beyond_tip(rank_one, "z", z, 0.1)):
        assert "label/other tip" not in kinds(rank_one)


def test_catches_a_label_adrift_unless_a_leader_joins_it(rank_one: Any) -> None:
    """A label far from its arrow names nothing a reader can see (``x`` floating by a cluster
    of short arrows), unless a leader line joins it to its tip."""
    from scenes.mobjects import LeaderLine

    z = label(rank_one, "z")
    with moved(z, beyond_tip(rank_one, "z", z, 0.8)):
        assert "label adrift" in kinds(rank_one)
        leader = LeaderLine(z.get_center(), rank_one.arrows["z"].get_end())
        rank_one.add(leader)
        try:
            assert "label adrift" not in kinds(rank_one)
        finally:
            rank_one.remove(leader)


def test_every_kind_has_a_test() -> None:
    """Each kind the audit counts is asserted by one of the ``test_catches_*`` tests above, so a
    kind added to :data:`KINDS` without a test that shows it is caught fails here."""
    catchers = [test for name, test in globals().items() if name.startswith("test_catches_")]
    asserted = {
        kind for test in catchers for kind in KINDS if f'"{kind}"' in inspect.getsource(test)
    }
    assert asserted == set(KINDS), f"no test_catches_* test for {sorted(set(KINDS) - asserted)}"


def test_catches_a_label_on_a_3d_arrow_where_the_camera_shows_it(run_case: Any) -> None:
    """RankTwoUpdate (3-D): a label moved onto an arrow is caught, and so is one moved onto
    it only as the camera sees it (pushed along the line of sight), not as seen from above."""
    scene, defects = run_case(audit.Case("RankTwoUpdate", "defaults"))
    assert not defects, described(defects)
    x, arrow = scene.labels_3d["x:x"], scene.arrows["y1"]
    middle = (arrow.get_start() + arrow.get_end()) / 2
    towards_camera = scene.renderer.camera.generate_rotation_matrix()[2]
    for offset in (0.0, 3.0):
        with moved(x, middle + offset * towards_camera):
            assert "label/arrow" in kinds(scene), f"missed at depth {offset}"


def test_catches_an_arrow_hidden_under_another(run_case: Any) -> None:
    """RankTwoUpdate (3-D): an arrow that the camera shows on top of y, though it lies apart
    from y in space (pushed along the line of sight), is a view hiding it and is caught; an
    arrow that coincides with y in space too (z on y when α = 0) is the maths, not counted."""
    from scenes.space import SpaceArrow

    scene, defects = run_case(audit.Case("RankTwoUpdate", "defaults"))
    assert not defects, described(defects)
    y = scene.arrows["y1"]
    towards_camera = scene.renderer.camera.generate_rotation_matrix()[2]
    for depth, caught in ((3.0, True), (0.0, False)):
        offset = depth * towards_camera
        planted = SpaceArrow(y.get_start() + offset, y.get_end() + offset, "#ffffff")
        scene.add(planted)
        try:
            assert ("arrow/arrow" in kinds(scene)) is caught, f"at depth {depth}"
        finally:
            scene.remove(planted)


def test_readouts_side_by_side_read_alike(run_case: Any) -> None:
    """RankTwoUpdate with x on the turning axis: α₁ and α₂ share one format (the panel read
    ``α₁ = 0.600   α₂ = 0.30`` when each readout chose its own)."""
    scene, _ = run_case(audit.Case("RankTwoUpdate", "x on the turning axis", ["x=0,0,1.5"]))
    assert scene.units["alpha1"] == scene.units["alpha2"]
    places = [scene.numbers[k].num_decimal_places for k in ("alpha1", "alpha2")]
    assert places[0] == places[1], places


# The kinds issue 22 added, each planted in a synthetic frame ---------------------------------


def planted_arrow(found: Any, name: str, start: Any, end: Any, strength: float = 1.0) -> Any:
    """Put an arrow from ``start`` to ``end`` (flat: space and screen alike) on ``found``;
    returns its ends in space."""
    import numpy as np

    from bench.audit.frames import box_of_points
    from lowrank_anim.maths import placement

    ends = (np.array([*start, 0.0]), np.array([*end, 0.0]))
    segments = placement.arrow_segments(start, end)
    found.arrows.append((f"arrow {name}", segments, box_of_points(np.array(ends))))
    found.arrow_ends.append(ends)
    found.arrow_strength.append(strength)
    return ends


def test_catches_an_unnamed_arrow() -> None:
    """An arrow drawn at full strength that no label or legend entry names is "unnamed
    arrow" (RankTwoUpdate's yellow changes, with no name on screen); named by a label, by a
    legend entry, or drawn faint as context, it is not."""
    from bench.audit.frames import Inventory, check_frame
    from lowrank_anim.maths.layout import Box

    found = Inventory()
    ends = planted_arrow(found, "change1", (0, 0), (2, 1))
    assert [d.kind for d in check_frame(found, "t")] == ["unnamed arrow"]
    found.labels.append(("MathTex 'z - y'", Box(2.2, 2.8, 1.0, 1.4), ends))
    assert "unnamed arrow" not in {d.kind for d in check_frame(found, "t")}
    found.labels.clear()
    found.legend.append(ends)
    assert "unnamed arrow" not in {d.kind for d in check_frame(found, "t")}
    found.legend.clear()
    found.arrow_strength[0] = 0.25
    assert "unnamed arrow" not in {d.kind for d in check_frame(found, "t")}


def test_an_arrow_whose_label_is_taken_away_is_unnamed(rank_one: Any) -> None:
    """In a real frame: RankOneUpdate's z without its label."""
    z = label(rank_one, "z")
    rank_one.remove(z)
    try:
        assert any(
            d.kind == "unnamed arrow" and "arrow z" in d.what for d in measure(rank_one, "t")
        )
    finally:
        rank_one.add(z)
    assert "unnamed arrow" not in kinds(rank_one)


def test_catches_a_quantity_not_seen() -> None:
    """A named arrow too short to draw (y = Wx = 0 for x in W's null space) is "missing
    quantity" unless a dot marks where it is and a label names it (a label alone or a dot
    alone is not enough), or the scene warned before its first frame that it cannot show it."""
    import numpy as np

    from bench.audit.frames import Inventory, Quantity, check_frame
    from lowrank_anim.maths import placement
    from lowrank_anim.maths.layout import Box

    found = Inventory()
    origin = np.zeros(3)
    found.quantities.append(Quantity("y", (origin, origin), (origin[:2], origin[:2]), False))
    assert [d.kind for d in check_frame(found, "t")] == ["missing quantity"]
    found.labels.append(("MathTex 'y = Wx = 0'", Box(0.3, 1.5, 0.2, 0.6), (origin, origin)))
    assert [d.kind for d in check_frame(found, "t")] == ["missing quantity"]
    dot = placement.Segment((0.0, 0.0), (0.0, 0.0), placement.MARK_RADIUS)
    found.lines.append(("Dot", [dot], Box(-0.07, 0.07, -0.07, 0.07)))
    assert "missing quantity" not in {d.kind for d in check_frame(found, "t")}
    found.labels.clear()
    assert [d.kind for d in check_frame(found, "t")] == ["missing quantity"]
    # Named in the warning the scene gave before its first frame, it is accounted for.
    found.warned.add("y")
    assert "missing quantity" not in {d.kind for d in check_frame(found, "t")}
    found.warned.clear()
    # Drawn long enough to see, it needs no mark.
    found.quantities[0] = Quantity("y", (origin, origin), (origin[:2], origin[:2]), True)
    assert "missing quantity" not in {d.kind for d in check_frame(found, "t")}


def test_catches_a_sparse_picture() -> None:
    """A picture covering a small part of the free area, when one of its shape would fit far
    larger, is "sparse picture" (once per chapter, at its last beat); one that covers half,
    or a long thin one that spans its room, is not."""
    from bench.audit.frames import Inventory, PictureUse
    from lowrank_anim.maths.layout import Box

    panel = Box(-6.81, -1.21, 1.59, 3.7)  # RankTwoUpdate's, top left

    def chapter(*pictures: Box) -> list[Any]:
        measured = PictureUse()
        defects = []
        for index, picture in enumerate(pictures):
            found = Inventory()
            planted_arrow(found, "x", (picture.left, picture.bottom), (picture.right, picture.top))
            found.panels.append(("panel", panel, []))
            defects += measured.add(found, "", f"beat {index}")
        return defects + measured.close()

    # RankTwoUpdate's default picture before (its measured box): right of the panel, the
    # left column and the bottom empty; and one as small in the middle.
    upper_right = Box(-2.68, 3.92, -2.4, 3.72)
    assert [(d.kind, d.beat) for d in chapter(upper_right)] == [("sparse picture", "beat 0")]
    assert [d.kind for d in chapter(Box(-1.0, 3.0, -1.0, 2.0))] == ["sparse picture"]
    # The union of the beats is the picture: spread over them, it fills enough.
    assert chapter(upper_right, Box(-6.0, 1.0, -2.7, 1.0)) == []
    assert chapter(Box(-2.0, 6.5, -2.7, 3.7)) == []
    # Long and thin across the frame: it cannot grow, however little it covers.
    assert chapter(Box(-6.8, 6.8, -0.3, 0.3)) == []


def test_catches_leader_lines_crossing() -> None:
    """A leader line through a label other than its own, or across another leader line, is
    "leader crossing" (y's leader through "u₂"); one that leaves its own label and runs
    clear is not."""
    import numpy as np

    from bench.audit.frames import Inventory, check_frame
    from lowrank_anim.maths.layout import Box

    found = Inventory()
    found.texts.append(("MathTex 'y'", Box(-1.2, -0.8, 1.8, 2.2), 0.3))
    found.leaders.append((np.array([-0.8, 2.0]), np.array([1.0, 0.0])))
    assert check_frame(found, "t") == []
    found.texts.append(("MathTex 'u_2'", Box(-0.2, 0.3, 1.0, 1.4), 0.3))
    assert [d.what for d in check_frame(found, "t")] == ["leader through MathTex 'u_2'"]
    found.texts.pop()
    found.leaders.append((np.array([-0.8, 0.0]), np.array([1.0, 2.0])))
    assert [d.kind for d in check_frame(found, "t")] == ["leader crossing"]
    # Two leaders meeting at one tip do not cross.
    found.leaders[1] = (np.array([2.0, 1.0]), np.array([1.0, 0.0]))
    assert check_frame(found, "t") == []


@pytest.mark.parametrize("x", ["x=1000,-1000", "x=3.5,1.5"])
def test_one_frame_writes_alpha_one_way(x: str, run_case: Any) -> None:
    """RankOneUpdate's last frame shows α in its readout and in the equation: written alike
    ("α = 1,500" stood beside "1500", and "2.00" beside "2.0")."""
    from scenes.rank_one import equation_style

    scene, _ = run_case(audit.Case("RankOneUpdate", x, [x]))
    number = scene.numbers["alpha"]
    _, power = scene.units["alpha"]
    alpha = scene.result.alpha1
    shown = f"{number.get_value():.{number.num_decimal_places}f}"
    assert not number.group_with_commas
    assert power == 0
    assert shown == equation_style(scene).text(alpha), (shown, equation_style(scene).text(alpha))
