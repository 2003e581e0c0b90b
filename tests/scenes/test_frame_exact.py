"""Frame-exact skipping: a scene rendered in two pieces (plays 0-1, then 2-3) draws the same
frames as the scene rendered whole, even with dt-based and stateful updaters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lowrank_anim.pipeline import manim_patches


def drifting_scene() -> type[Any]:
    """Four plays whose pictures depend on every dt the updaters were given before them."""
    from manim import DOWN, RIGHT, Circle, Dot, Scene, Square

    class Drifting(Scene):
        def construct(self) -> None:
            dot = Dot().shift(3 * RIGHT + DOWN)
            calls = [0]

            def drift(mob: Any, dt: float) -> None:
                # dt-based: a skipped play given dt = run_time at once would move it further.
                mob.shift(-0.9 * dt * RIGHT).rotate(0.7 * dt)

            def count(mob: Any) -> None:
                # Stateful: how far it went depends on how often it was called.
                calls[0] += 1
                mob.set_y(-2 + 0.02 * calls[0])

            square = Square(0.6).add_updater(drift)
            marker = Circle(0.2).add_updater(count)
            self.add(square, marker)
            self.play(dot.animate.shift(2 * DOWN), run_time=1.05)
            self.wait(0.5)
            self.play(dot.animate.shift(2 * RIGHT), run_time=0.7)
            self.wait(0.4)

    return Drifting


def render_plays(
    media: Path, first: int | None, last: int | None, frame_exact: bool
) -> dict[int, bytes]:
    """Render ``Drifting``'s plays ``first..last`` (all when None), frame-exact or as
    manim alone would; the segments by play."""
    from manim import tempconfig

    manim_patches.install()
    options: dict[str, Any] = {
        "media_dir": str(media),
        "pixel_width": 160,
        "pixel_height": 90,
        "frame_rate": 10,
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
        "video_encoder_options": {"preset": "ultrafast", "threads": "1"},
    }
    if first is not None:
        options["from_animation_number"] = first
    if last is not None:
        options["upto_animation_number"] = last
    with tempconfig(options):
        scene = (
            manim_patches.frame_exact_scene(drifting_scene()) if frame_exact else drifting_scene()()
        )
        scene.render()
        writer = scene.renderer.file_writer
        return {
            index: Path(path).read_bytes()
            for index, path in enumerate(writer.partial_movie_files)
            if path is not None
        }


def decoded(segment: bytes, tmp_path: Path) -> list[np.ndarray]:
    import av

    path = tmp_path / "segment.mp4"
    path.write_bytes(segment)
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="rgb24") for frame in container.decode(video=0)]


@pytest.mark.render
def test_a_scene_rendered_in_two_pieces_matches_the_whole(tmp_path: Path) -> None:
    whole = render_plays(tmp_path / "whole", None, None, frame_exact=True)
    first = render_plays(tmp_path / "a", 0, 1, frame_exact=True)
    second = render_plays(tmp_path / "b", 2, 3, frame_exact=True)
    assert sorted(whole) == [0, 1, 2, 3]
    assert sorted(first) == [0, 1]
    assert sorted(second) == [2, 3]
    assert {**first, **second} == whole  # byte for byte, x264's threads pinned


@pytest.mark.render
def test_manims_own_skipping_gives_other_frames(tmp_path: Path) -> None:
    """Without the patch the second piece starts from another state: the test above can fail."""
    whole = render_plays(tmp_path / "whole", None, None, frame_exact=False)
    second = render_plays(tmp_path / "b", 2, 3, frame_exact=False)
    assert second[2] != whole[2]
    assert not np.array_equal(decoded(second[2], tmp_path)[0], decoded(whole[2], tmp_path)[0])


def test_a_skipped_play_keeps_the_clock_a_render_would() -> None:
    """manim adds run_time to the clock of a skipped play; a render adds whole frames."""
    from manim import tempconfig

    manim_patches.install()

    class Clocked(drifting_scene()):  # type: ignore[misc]
        def play(self, *args: Any, **kwargs: Any) -> None:  # wait() plays too
            super().play(*args, **kwargs)
            self.clock.append(self.time)

    clocks = {}
    for skipping in (False, True):
        with tempconfig({"dry_run": True, "frame_rate": 10}):
            scene = manim_patches.frame_exact_scene(Clocked)
            scene.renderer._original_skipping_status = skipping
            scene.clock = []
            scene.render()
            clocks[skipping] = scene.clock
    assert clocks[True] == clocks[False]
    # 11 frames of 0.1 s for 1.05 s, then 5, then 7, then 4.
    assert clocks[False] == pytest.approx([1.1, 1.6, 2.3, 2.7])
