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

from lowrank_anim.pipeline.termination import SIGTERM_EXIT_CODE, Terminated, sigterm_raises
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
