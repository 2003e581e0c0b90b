"""lowrank_anim.pipeline.termination: SIGTERM unwinds through ``finally`` blocks, not killing."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from lowrank_anim.pipeline.termination import (
    SIGTERM_EXIT_CODE,
    Terminated,
    interruption,
    sigterm_raises,
)
from tests.conftest import ROOT


def test_sigterm_runs_finally_blocks(tmp_path: Path) -> None:
    ready, cleaned = tmp_path / "ready", tmp_path / "cleaned"
    code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from lowrank_anim.pipeline.termination import Terminated, sigterm_raises
        try:
            with sigterm_raises():
                try:
                    Path({str(ready)!r}).touch()
                    time.sleep(600)
                finally:
                    Path({str(cleaned)!r}).touch()
        except Terminated:
            sys.exit(143)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    try:
        for _ in range(600):
            if ready.exists():
                break
            assert proc.poll() is None
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == SIGTERM_EXIT_CODE == 143
    finally:
        proc.kill()
        proc.wait()
    assert cleaned.exists(), "the finally block did not run"


def test_the_previous_handler_comes_back() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with sigterm_raises():
        assert signal.getsignal(signal.SIGTERM) is not before
    assert signal.getsignal(signal.SIGTERM) is before


def test_it_raises_in_this_process() -> None:
    with pytest.raises(Terminated), sigterm_raises():
        signal.raise_signal(signal.SIGTERM)
    assert not issubclass(Terminated, Exception), "no `except Exception` may swallow it"


def test_off_the_main_thread_it_does_nothing() -> None:
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with sigterm_raises():
                pass
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert errors == []


def wrapped(stop: BaseException) -> RuntimeError:
    """What manim's segment encoder raises when ``stop`` lands while it opens a file."""
    try:
        try:
            raise stop
        except BaseException as error:
            raise RuntimeError("Failed to open video segment x.mp4 (mp4/libx264): ") from error
    except RuntimeError as outer:
        return outer


def test_an_interrupt_wrapped_by_a_library_is_found() -> None:
    stop = KeyboardInterrupt()
    assert interruption(wrapped(stop)) is stop
    term = Terminated("received signal SIGTERM")
    assert interruption(wrapped(term)) is term
    assert interruption(wrapped(ValueError("no"))) is None
    assert interruption(RuntimeError("plain")) is None


@pytest.mark.parametrize(
    ("stop", "code", "says"),
    [
        ("KeyboardInterrupt()", 130, "Error: interrupted"),
        ("Terminated('x')", 143, "Error: terminated"),
    ],
    ids=["ctrl-c", "sigterm"],
)
def test_the_cli_reports_a_wrapped_interrupt_as_the_interrupt(
    stop: str, code: int, says: str
) -> None:
    """Ctrl-C during manim's av.open once ended a render with exit 1 and "RuntimeError: Failed to
    open video segment …": the user pressed Ctrl-C, so it is exit 130 and "interrupted"."""
    script = textwrap.dedent(
        f"""
        from lowrank_anim.cli.commands import cli, main
        from lowrank_anim.pipeline.termination import Terminated

        @cli.command("boom")
        def boom() -> None:
            try:
                raise {stop}
            except BaseException as error:
                raise RuntimeError("Failed to open video segment x.mp4: ") from error

        main(["boom"])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == code, done.stderr
    assert done.stderr.startswith(says), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
