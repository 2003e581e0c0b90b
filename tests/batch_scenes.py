"""Tiny scenes for the batch tests: quick to render, and one that always fails.

They live in ``tests`` so the real registry never shows them; tests put them in a test-only
registry with ``monkeypatch``.
"""

from __future__ import annotations

import os
import signal

from manim import Circle, Create, FadeIn, Scene, Square

from lowrank_anim.registry import SceneSpec


class TinySquare(Scene):
    def construct(self) -> None:
        self.play(Create(Square()), run_time=0.5)


class TinyCircle(Scene):
    def construct(self) -> None:
        self.play(FadeIn(Circle()), run_time=0.5)


class BrokenScene(Scene):
    def construct(self) -> None:
        raise RuntimeError("deliberately broken for the batch tests")


class CrashingScene(Scene):
    """Dies the way a segfault or the OOM killer would: no exception, no report."""

    def construct(self) -> None:
        os.kill(os.getpid(), signal.SIGKILL)


def spec(name: str) -> SceneSpec:
    """A registry entry for one of the scenes above."""
    return SceneSpec(name, f"tests.batch_scenes:{name}", f"test scene {name}")
