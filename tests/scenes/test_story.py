"""Every scene, constructed without rendering, draws exactly the model's numbers at the end of
every beat: for its default example and for random valid parameters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lowrank_anim.maths.formatting import CAPTION_SPEED
from lowrank_anim.maths.params import ParamError, build_example, parse_assignments
from lowrank_anim.registry import SCENES
from tests.conftest import every_scene
from tests.scene_checks import CHECKS


def test_every_scene_has_a_checker() -> None:
    assert set(CHECKS) == set(SCENES)


# FullStory tells the other scenes' beats again (checked each in its own scene): in make test.
@pytest.mark.parametrize("name", every_scene(*(n for n in SCENES if n != "FullStory")))
def test_default_geometry_at_every_beat(name: str, constructed: Any) -> None:
    scene = constructed(name)
    assert scene.records, "the scene played no beat"
    CHECKS[name](
        scene.records,
        scene.ex if name != "FullStory" else scene.example_for(SCENES["RankOneUpdate"].load()),
    )


@pytest.mark.parametrize("name", list(SCENES))
def test_one_caption_per_beat_slow_enough_to_read(name: str, constructed: Any) -> None:
    scene = constructed(name)
    captions = scene.renderer.file_writer.subcaptions
    assert [c.content for c in captions] == [r.caption for r in scene.records]
    for caption in captions:
        seconds = (caption.end - caption.start).total_seconds()
        assert seconds > 0
        # At most CAPTION_SPEED (20) characters a second, so a reader can finish it.
        assert len(caption.content) <= CAPTION_SPEED * seconds, (
            f"{caption.content!r}: {len(caption.content) / seconds:.1f} characters a second"
        )


# Random valid parameters ------------------------------------------------------------------

number = st.floats(-4, 4, allow_nan=False).map(lambda v: round(v, 2))


def vector(n: int) -> st.SearchStrategy[str]:
    return st.lists(number, min_size=n, max_size=n).map(lambda xs: ",".join(map(str, xs)))


def matrix(rows: int, cols: int) -> st.SearchStrategy[str]:
    return st.lists(vector(cols), min_size=rows, max_size=rows).map(";".join)


RANK_ONE = st.tuples(matrix(2, 2), vector(2), vector(2), vector(2)).map(
    lambda t: [f"W={t[0]}", f"u={t[1]}", f"v={t[2]}", f"x={t[3]}"]
)
RANK_TWO = st.tuples(matrix(3, 3), matrix(2, 3), matrix(2, 3), vector(3)).map(
    lambda t: [f"W={t[0]}", f"U={t[1]}", f"V={t[2]}", f"x={t[3]}"]
)


def construct_with(name: str, sets: list[str], run: Any) -> None:
    spec = SCENES[name]
    try:
        example = build_example(name, spec.model, parse_assignments(sets))
    except ParamError:
        return  # a degenerate draw (u = 0, …): the CLI refuses it, tested in test_params
    scene = run(spec.load().variant(example=example))
    CHECKS[name](scene.records, example)


@pytest.fixture(scope="module")
def run_scene(tmp_path_factory: pytest.TempPathFactory, tex_cache: Path) -> Any:
    """The dry_run fixture's runner, shared across hypothesis examples."""
    from manim import tempconfig

    def run(scene_cls: type[Any]) -> Any:
        options = {
            "dry_run": True,
            "media_dir": str(tmp_path_factory.mktemp("media")),
            "tex_dir": str(tex_cache),
            "quality": "low_quality",
            "pixel_width": 160,
            "pixel_height": 90,
            "frame_rate": 5,
            "disable_caching": True,
            "progress_bar": "none",
            "verbosity": "ERROR",
        }
        with tempconfig(options):
            scene = scene_cls()
            scene.renderer.update_frame = lambda *args, **kwargs: None
            scene.render()
        return scene

    return run


RANDOM = settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)


@pytest.mark.parametrize("name", ["LinearMap", "RankOneUpdate", "InputSweep", "UpdateIsALine"])
@RANDOM
@given(sets=RANK_ONE)
def test_random_rank_one_parameters(name: str, sets: list[str], run_scene: Any) -> None:
    construct_with(name, sets, run_scene)


@RANDOM
@given(sets=RANK_TWO)
def test_random_rank_two_parameters(sets: list[str], run_scene: Any) -> None:
    construct_with("RankTwoUpdate", sets, run_scene)


def test_the_checks_catch_a_misplaced_arrow_or_readout(dry_run: Any) -> None:
    import copy

    import numpy as np

    scene = dry_run(SCENES["InputSweep"].load())
    moved = copy.deepcopy(scene.records)
    start, end = moved[2].arrows["alpha_u"]
    moved[2].arrows["alpha_u"] = (start, end + np.array([1e-4, 0.0]))
    with pytest.raises(AssertionError, match="alpha_u end"):
        CHECKS["InputSweep"](moved, scene.ex)
    misread = copy.deepcopy(scene.records)
    misread[1].numbers["alpha"] += 0.01
    with pytest.raises(AssertionError, match="alpha shows"):
        CHECKS["InputSweep"](misread, scene.ex)
