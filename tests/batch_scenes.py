"""Tiny scenes for the batch tests: quick to render, and one that always fails.

They live in ``tests`` so the real registry never shows them; tests put them in a test-only
registry with ``monkeypatch``.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from manim import RIGHT, Circle, Create, FadeIn, MathTex, Mobject, Scene, Square

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


class HoldingTex(Scene):
    """Compiles a formula, then holds the render open (its caches in use) until released.

    ``LOWRANK_TEST_READY`` names a file it creates once the formula is compiled;
    ``LOWRANK_TEST_RELEASE`` names a file it waits for (at most two minutes) before it ends.
    """

    def construct(self) -> None:
        self.add(MathTex(r"\alpha = v^\top x"))
        Path(os.environ["LOWRANK_TEST_READY"]).touch()
        release = Path(os.environ["LOWRANK_TEST_RELEASE"])
        deadline = time.monotonic() + 120
        while not release.exists() and time.monotonic() < deadline:
            time.sleep(0.05)


def _burn(mobject: Mobject, dt: float) -> None:
    """An updater as costly as a readout rebuilt every frame (about 15 ms of CPU)."""
    sum(i * i for i in range(200_000))


class _Replay(Scene):
    """Twelve one-second plays; an updater runs through the first ``costly`` of them."""

    costly = 0

    def construct(self) -> None:
        square = Square()
        self.add(square)
        if self.costly:
            square.add_updater(_burn)
        for index in range(12):
            if index == self.costly:
                square.clear_updaters()
            self.play(square.animate.shift(0.1 * RIGHT), run_time=1)


class CheapReplay(_Replay):
    """Nothing runs by itself: a chunk skips the plays before its own cheaply."""


class CostlyReplay(_Replay):
    """Every play but the last two runs a costly updater: a chunk must step through it."""

    costly = 10


def spec(name: str) -> SceneSpec:
    """A registry entry for one of the scenes above."""
    return SceneSpec(name, f"tests.batch_scenes:{name}", f"test scene {name}")


class FailsInItsLastPlay(Scene):
    """Three plays; drawing the last one fails (skipping it does not): the chunk that renders
    it fails, and the chunks before it succeed."""

    def construct(self) -> None:
        square = Square()
        self.play(Create(square), run_time=0.4)
        self.play(FadeIn(Circle()), run_time=0.4)

        def fail_when_drawn(mob: Mobject) -> None:
            if not self.renderer.skip_animations:
                raise RuntimeError("deliberately broken in play 2")

        square.add_updater(fail_when_drawn)
        self.play(square.animate.shift([1.0, 0.0, 0.0]), run_time=0.4)
