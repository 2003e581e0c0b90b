"""Tiny scenes for the batch tests: quick to render, and one that always fails.

They live in ``tests`` so the real registry never shows them; tests put them in a test-only
registry with ``monkeypatch``.
"""

from __future__ import annotations

import os
import signal
import time
import weakref
from pathlib import Path
from typing import Any

from manim import (
    RIGHT,
    Circle,
    Create,
    FadeIn,
    MathTex,
    Mobject,
    Scene,
    Square,
    UpdateFromAlphaFunc,
)

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


class _Freed:
    """Something with a weak reference to it, like a finished thread in ``threading``'s set."""


class LosesItsSignal(Scene):
    """Receives ``LOWRANK_TEST_SIGNAL`` (INT or TERM) halfway through its first play while Python
    runs a weakref callback, which cannot raise: Python prints "Exception ignored" and goes on.
    Where a real Ctrl-C mid-render landed about one time in fourteen (threading drops each
    play's encoder thread through a ``WeakSet`` callback), here every time."""

    def construct(self) -> None:
        signum = getattr(signal, f"SIG{os.environ['LOWRANK_TEST_SIGNAL']}")
        square = Square()
        sent: list[weakref.ref[_Freed]] = []

        def signal_in_a_weakref_callback(mob: Mobject, alpha: float) -> None:
            if alpha > 0.5 and not sent:
                freed = _Freed()
                sent.append(weakref.ref(freed, lambda _ref: signal.raise_signal(signum)))
                del freed  # the callback runs now, and the handler's exception is swallowed

        self.play(UpdateFromAlphaFunc(square, signal_in_a_weakref_callback), run_time=1)
        self.play(Create(Circle()), run_time=1)


class LeaksAQueueLock(Scene):
    """Interrupted halfway through its first play the way Python can interrupt ``queue.put``:
    after the frame queue's lock was taken, before the ``with`` that releases it (a Ctrl-C
    landing there left the lock held, and the clean-up that seals the queue waited on it
    forever)."""

    def construct(self) -> None:
        square = Square()
        leaked: list[bool] = []

        def interrupt_holding_the_queue_lock(mob: Mobject, alpha: float) -> None:
            job = self.renderer.file_writer._current_encode_job
            if alpha > 0.5 and job is not None and not leaked:
                leaked.append(job.queue.mutex.acquire())
                raise KeyboardInterrupt

        self.play(UpdateFromAlphaFunc(square, interrupt_holding_the_queue_lock), run_time=1)


class InterruptedWhileSealing(Scene):
    """Interrupted at the end of its first play while manim puts the segment's end marker in
    a full frame queue (a slow encoder): the job is marked sealed, the marker never went in."""

    def construct(self) -> None:
        writer: Any = self.renderer.file_writer
        close = writer.close_partial_movie_stream

        def close_interrupted() -> None:
            job = writer._current_encode_job
            put = job.queue.put
            interrupted: list[bool] = []

            def put_interrupted(item: tuple[int, object], *args: Any, **kwargs: Any) -> None:
                if item[1] is None and not interrupted:
                    interrupted.append(True)
                    raise KeyboardInterrupt  # while it waited for room
                put(item, *args, **kwargs)

            job.queue.put = put_interrupted
            close()

        writer.close_partial_movie_stream = close_interrupted
        self.play(Create(Square()), run_time=0.5)
