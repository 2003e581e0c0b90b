"""Every registered scene runs its construct (no media written), and draws the model's numbers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lowrank_anim.maths.model import default_rank_one
from lowrank_anim.maths.palette import THEMES
from lowrank_anim.registry import SCENES
from tests.conftest import construct
from tests.scene_checks import RANK_ONE_BEATS

TOL = 1e-6


@pytest.mark.parametrize("name", list(SCENES))
def test_every_registered_scene_constructs(name: str, constructed: Any) -> None:
    scene = constructed(name)
    assert scene.time > 0, "the scene played nothing"


def expected_rank_one_ends() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Where each arrow of RankOneUpdate must start and end, straight from the model."""
    ex = default_rank_one()
    res, o = ex.result, np.zeros(2)
    return {
        "x": (o, res.x),
        "y": (o, res.y),
        "u": (o, ex.update.u),
        "v": (o, ex.update.v),
        "alpha_u": (res.y, res.y + res.alpha1 * ex.update.u),
        "z": (o, res.z),
    }


def test_rank_one_arrows_end_where_the_model_says(constructed: Any) -> None:
    scene = constructed("RankOneUpdate")
    expected = expected_rank_one_ends()
    assert [beat for beat, _ in scene.snapshots] == RANK_ONE_BEATS
    final = scene.snapshots[-1][1]
    assert set(final) == set(expected)
    for key, (start, end) in expected.items():
        np.testing.assert_allclose(final[key][0], start, atol=TOL, err_msg=f"{key} start")
        np.testing.assert_allclose(final[key][1], end, atol=TOL, err_msg=f"{key} end")
    # Every beat: whatever is on screen already sits where the model says.
    for beat, ends in scene.snapshots:
        for key, (start, end) in ends.items():
            np.testing.assert_allclose(end, expected[key][1], atol=TOL, err_msg=f"{beat}: {key}")
            np.testing.assert_allclose(start, expected[key][0], atol=TOL, err_msg=f"{beat}: {key}")


def test_rank_one_tip_to_tail_sum_is_z(constructed: Any) -> None:
    ends = constructed("RankOneUpdate").snapshots[-1][1]
    np.testing.assert_allclose(ends["alpha_u"][0], ends["y"][1], atol=TOL)
    np.testing.assert_allclose(ends["alpha_u"][1], ends["z"][1], atol=TOL)


@pytest.mark.parametrize("theme", list(THEMES))
def test_variant_takes_the_theme(theme: str, dry_run: Any) -> None:
    from scenes.rank_one import RankOneUpdate

    scene = dry_run(RankOneUpdate.variant(theme=theme))
    assert scene.theme.name == theme
    assert scene.arrows["z"].get_color().to_hex().upper() == THEMES[theme].z.upper()


def test_beats_write_one_subcaption_each(constructed: Any) -> None:
    scene = constructed("RankOneUpdate")
    captions = scene.renderer.file_writer.subcaptions
    assert len(captions) == len(scene.snapshots)
    # α as the frame writes it: the readout and the equation show "2.0" (one decimal, as
    # every number of the equation), so the caption does too.
    assert any("α = vᵀx = 2.0:" in c.content for c in captions)
    starts = [c.start.total_seconds() for c in captions]
    assert starts == sorted(starts)
    assert starts[0] == 0


# Text: one shape at every render size ---------------------------------------------------------


def title_at(store: Path, media: Path, width: int, height: int) -> Any:
    """The title of TitleCard constructed at ``width`` × ``height`` pixels with the text store
    ``store``."""
    from manim import Text

    from scenes.title import POST_TITLE

    scene = construct(
        SCENES["TitleCard"].load(), media, store, pixel_width=width, pixel_height=height
    )
    family = [m for top in scene.mobjects for m in top.get_family()]
    return next(m for m in family if isinstance(m, Text) and m.original_text == POST_TITLE)


@pytest.mark.latex
def test_text_keeps_its_shape_across_render_sizes_sharing_a_store(tmp_path: Path) -> None:
    """A dry run (160 px wide) and a render sharing a text store draw the same title as a
    render with a store of its own.  manim wraps ``Text`` at the render's pixel width but
    caches it by a name without that width, so a title first built in a dry run came back
    wrapped in the next render (the controls of ``tests/scenes/test_visual.py`` failed after
    ``tests/scenes/test_story.py`` in one process)."""
    shared = tmp_path / "store"
    dry = title_at(shared, tmp_path / "dry", 160, 90)
    after_dry = title_at(shared, tmp_path / "after", 854, 480)
    alone = title_at(tmp_path / "own-store", tmp_path / "alone", 854, 480)
    for title in (dry, after_dry):
        assert (title.width, title.height) == pytest.approx((alone.width, alone.height))
    assert alone.width > 8 * alone.height, "the title is one line"


@pytest.mark.parametrize("name", list(SCENES))
def test_every_text_is_laid_out_at_one_size(name: str, constructed: Any) -> None:
    """Every plain text a scene shows is a StoryText, so none depends on the render's size."""
    from manim import Text

    from scenes.mobjects import StoryText

    scene = constructed(name)
    family = [m for top in scene.mobjects for m in top.get_family()]
    texts = [m for m in family if isinstance(m, Text)]
    assert all(isinstance(m, StoryText) for m in texts), [
        m.original_text for m in texts if not isinstance(m, StoryText)
    ]


def test_a_singular_w_keeps_the_labels_off_the_line_it_folds_the_grid_onto(dry_run: Any) -> None:
    """W = [[1, 2], [2, 4]] folds the moving grid onto one line, W's image; x in its null
    space gives y = 0, a dot named "y = Wx = 0" at the origin, on that line. No label may
    sit on the line (the label for y at first sat across it)."""
    from lowrank_anim.maths import placement
    from lowrank_anim.maths.layout import FRAME
    from lowrank_anim.maths.params import build_example, parse_assignments

    spec = SCENES["LinearMap"]
    numbers = parse_assignments(["W=1,2;2,4", "x=-0.7,0.35"])
    scene_class: Any = spec.load()
    scene = dry_run(scene_class.variant(example=build_example("LinearMap", spec.model, numbers)))
    origin = scene.c2p((0, 0))
    ends = placement.clip_line(origin, scene.c2p((1, 2)) - origin, FRAME)
    assert ends is not None
    line = placement.Segment(placement._pt(ends[0]), placement._pt(ends[1]))
    labels = {k: b for k, b in scene.board.boxes.items() if k.startswith("label")}
    assert any("y = Wx" in k for k in labels), labels
    assert not [k for k, box in labels.items() if line.hits(box)]
