"""Make SIGTERM unwind like Ctrl-C, so ``finally`` blocks (scratch clean-up) run.

Python's default for SIGTERM is to die on the spot, which would leave a render's scratch
directory behind; ``kill``, ``timeout``, ``docker stop`` and CI cancellation all send SIGTERM.
Inside :func:`sigterm_raises` the signal raises :class:`Terminated` instead.  It derives from
BaseException, like KeyboardInterrupt, so no library's ``except Exception`` swallows it.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

#: Exit status of a process stopped by SIGTERM, as shells report it (128 + 15).
SIGTERM_EXIT_CODE = 128 + signal.SIGTERM


class Terminated(BaseException):
    """The process received SIGTERM."""


def _raise_terminated(signum: int, _frame: FrameType | None) -> None:
    # A second SIGTERM during clean-up gets the default action: the user really means it.
    signal.signal(signum, signal.SIG_DFL)
    raise Terminated(f"received signal {signal.Signals(signum).name}")


@contextmanager
def sigterm_raises() -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated`; the old handler comes back after.

    Only the main thread may set signal handlers, so elsewhere this does nothing.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def interruption(error: BaseException) -> BaseException | None:
    """The Ctrl-C or SIGTERM that ``error`` wraps, if any.

    Libraries wrap what they catch: manim's video segment encoder turns a KeyboardInterrupt
    that lands while it opens a file into ``RuntimeError("Failed to open video segment …")``.
    The user still pressed Ctrl-C, so the chain of causes decides what to report.
    """
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, (KeyboardInterrupt, Terminated)):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None
