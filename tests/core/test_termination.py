"""lowrank_anim.core.termination: SIGTERM unwinds through ``finally`` blocks, not killing,
and no interrupt is lost where Python cannot raise it."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path

import pytest

from lowrank_anim.core.outputs import publish
from lowrank_anim.core.termination import (
    SIGTERM_EXIT_CODE,
    Terminated,
    interruption,
    raise_if_lost,
    sigterm_raises,
)
from tests.conftest import ROOT
from tests.snapshots import BOOKKEEPING, leftovers, snapshot


def test_sigterm_runs_finally_blocks(tmp_path: Path) -> None:
    ready, cleaned = tmp_path / "ready", tmp_path / "cleaned"
    code = textwrap.dedent(
        f"""
        import sys, time
        from pathlib import Path
        from lowrank_anim.core.termination import Terminated, sigterm_raises
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


def test_the_previous_handlers_come_back() -> None:
    before = [signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)]
    hook = sys.unraisablehook
    with sigterm_raises():
        assert signal.getsignal(signal.SIGTERM) is not before[0]
        assert signal.getsignal(signal.SIGINT) is not before[1]
        assert sys.unraisablehook is not hook
    assert [signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)] == before
    assert sys.unraisablehook is hook


def test_an_inherited_ignored_sigint_stays_ignored() -> None:
    """``nohup`` or a shell's ``&`` start a command with SIGINT ignored: it stays so."""
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with sigterm_raises():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, before)


def interrupt_in_a_weakref_callback(signum: int) -> None:
    """Deliver ``signum`` while Python runs a weakref callback, where an exception cannot
    propagate (as when ``threading`` forgets a finished thread through its ``WeakSet``)."""

    class Freed:
        pass

    freed = Freed()
    ref = weakref.ref(freed, lambda _ref: signal.raise_signal(signum))
    del freed
    assert ref() is None


def test_without_the_block_python_loses_an_interrupt_in_a_callback() -> None:
    """The failure itself, in a plain Python: the KeyboardInterrupt is printed as ignored and
    the code goes on."""
    script = textwrap.dedent(
        """
        import signal
        from tests.core.test_termination import interrupt_in_a_weakref_callback
        interrupt_in_a_weakref_callback(signal.SIGINT)
        print("went on")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0
    assert done.stdout == "went on\n"
    assert "Exception ignored in" in done.stderr
    assert "KeyboardInterrupt" in done.stderr


@pytest.mark.parametrize(
    ("signum", "stop"),
    [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)],
    ids=["SIGINT", "SIGTERM"],
)
def test_an_interrupt_python_swallowed_is_raised_at_the_next_checkpoint(
    signum: int, stop: type[BaseException], capfd: pytest.CaptureFixture[str]
) -> None:
    with sigterm_raises():
        interrupt_in_a_weakref_callback(signum)  # swallowed: this line returns
        with pytest.raises(stop):
            raise_if_lost()
        raise_if_lost()  # raised once, not at every later checkpoint
    assert capfd.readouterr().err == "", "no 'Exception ignored' lines"


def test_an_interrupt_swallowed_off_the_main_thread_waits_for_the_main_thread() -> None:
    with sigterm_raises():
        interrupt_in_a_weakref_callback(signal.SIGINT)
        assert raised_off_the_main_thread(raise_if_lost) == []
        with pytest.raises(KeyboardInterrupt):
            raise_if_lost()


@pytest.mark.parametrize(
    ("signum", "stop"),
    [(signal.SIGINT, KeyboardInterrupt), (signal.SIGTERM, Terminated)],
    ids=["SIGINT", "SIGTERM"],
)
def test_after_a_signal_nothing_is_published(
    signum: int, stop: type[BaseException], tmp_path: Path
) -> None:
    """Whatever became of the signal's exception (here a library caught it and went on), a
    process that received the signal replaces no file."""
    final, produced = tmp_path / "clip.mp4", tmp_path / "new.mp4"
    final.write_bytes(b"previous")
    produced.write_bytes(b"new")
    with sigterm_raises():
        with contextlib.suppress(stop):  # what a careless library's `except` does
            signal.raise_signal(signum)
        with pytest.raises(stop):
            publish(produced, final)
    assert final.read_bytes() == b"previous"
    publish(produced, final)  # outside the block, publishing works again
    assert final.read_bytes() == b"new"


def test_it_raises_in_this_process() -> None:
    with pytest.raises(Terminated), sigterm_raises():
        signal.raise_signal(signal.SIGTERM)
    assert not issubclass(Terminated, Exception), "no `except Exception` may swallow it"


def raised_off_the_main_thread(call: Callable[[], object]) -> list[BaseException]:
    """What ``call()`` raised when run in another thread."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    return errors


def test_off_the_main_thread_it_does_nothing() -> None:
    def enter() -> None:
        with sigterm_raises():
            pass

    assert raised_off_the_main_thread(enter) == []


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
        from lowrank_anim.cli.app import cli, main
        from lowrank_anim.core.termination import Terminated

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


def test_a_child_takes_the_first_stop_and_finishes_its_clean_up(tmp_path: Path) -> None:
    """In a render's child process SIGINT and SIGTERM are one stop: the first unwinds, the
    next ones (a terminal's Ctrl-C, then the pool's SIGTERM) do not break the clean-up."""
    cleaned = tmp_path / "cleaned"
    code = textwrap.dedent(
        f"""
        import signal, sys
        from pathlib import Path
        from lowrank_anim.core.termination import sigterm_raises
        try:
            with sigterm_raises(child=True):
                try:
                    signal.raise_signal(signal.SIGINT)
                finally:
                    signal.raise_signal(signal.SIGTERM)
                    signal.raise_signal(signal.SIGINT)
                    Path({str(cleaned)!r}).touch()
        except KeyboardInterrupt:
            sys.exit(130)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 130, done.stderr
    assert done.stderr == ""
    assert cleaned.exists(), "the clean-up ran to its end"


@pytest.mark.render
@pytest.mark.parametrize(
    ("name", "code", "says"),
    [("INT", 130, "Error: interrupted"), ("TERM", 143, "Error: terminated")],
    ids=["SIGINT", "SIGTERM"],
)
def test_a_signal_python_swallows_mid_render_still_stops_it(
    name: str, code: int, says: str, tmp_path: Path
) -> None:
    """The intermittent failure of the fault-injection test, made certain: the signal lands
    in a weakref callback mid-play. It used to be printed as "Exception ignored" and the render
    went on to replace the previous file, exit 0; now it stops at the next frame."""
    out = tmp_path / "out"
    final = out / "LosesItsSignal" / "480p15" / "LosesItsSignal.mp4"
    final.parent.mkdir(parents=True)
    final.write_bytes(b"the previous good video")
    before = snapshot(out, skip=BOOKKEEPING)
    script = textwrap.dedent(
        f"""
        from lowrank_anim.cli.app import main
        from lowrank_anim.registry import SCENES
        from tests.batch_scenes import spec

        SCENES["LosesItsSignal"] = spec("LosesItsSignal")
        main(["render", "LosesItsSignal", "-q", "low", "-o", {str(out)!r}])
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "LOWRANK_TEST_SIGNAL": name},
    )
    assert (done.returncode, done.stdout) == (code, ""), done.stderr
    # click ends a terminal's ^C echo with a blank line first.
    assert done.stderr.strip().startswith(says), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert final.read_bytes() == b"the previous good video"
    assert leftovers(out) == []
    assert snapshot(out, skip=BOOKKEEPING) == before
