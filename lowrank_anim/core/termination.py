"""Make SIGTERM unwind like Ctrl-C, so ``finally`` blocks (scratch clean-up) run; lose neither.

Python's default for SIGTERM is to die on the spot, which would leave a render's scratch
directory behind; ``kill``, ``timeout``, ``docker stop`` and CI cancellation all send SIGTERM.
Inside :func:`sigterm_raises` the signal raises :class:`Terminated` instead.  It derives from
BaseException, like KeyboardInterrupt, so no library's ``except Exception`` swallows it.

Python raises a signal's exception wherever the main thread happens to be, and some places
cannot raise: a weakref callback or a ``__del__`` run when an object is freed.  Python then
prints "Exception ignored in: …" and carries on as if nothing happened.  A render drops one
encoder thread per play (``threading`` forgets it through a ``WeakSet`` callback), and 2 of
28 Ctrl-C sent mid-render landed there: the render went on, replaced the previous
file and exited 0, after five lines of a swallowed ``KeyboardInterrupt`` on stderr.  Inside
:func:`sigterm_raises` such a lost interrupt is kept (nothing printed) and raised again at the
next checkpoint, :func:`raise_if_lost`: every frame drawn and the end of the command.  And
whatever became of the exception, a process that received a signal publishes no file after it
(:func:`refuse_after_signal`, called by :mod:`lowrank_anim.core.outputs` before a rename).

The first signal unwinds; a second one of the same kind gets the default action (the user
really means it), or, in a render's child process (``child=True``), is ignored so that its
clean-up finishes: its parent stops it with SIGTERM and kills it if it lingers.  A child takes
SIGINT as the same stop (a terminal's Ctrl-C reaches the whole process group), so the
parent's SIGTERM that follows cannot break the clean-up the Ctrl-C started.
"""

from __future__ import annotations

import functools
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

#: Exit status of a process stopped by SIGTERM, as shells report it (128 + 15).
SIGTERM_EXIT_CODE = 128 + signal.SIGTERM


class Terminated(BaseException):
    """The process received SIGTERM."""


@dataclass
class _Signals:
    """What this process heard while :func:`sigterm_raises` was active."""

    received: BaseException | None = None
    lost: BaseException | None = None
    child: bool = False


_signals = _Signals()


def _stop_error(signum: int) -> BaseException:
    if signum == signal.SIGINT:
        return KeyboardInterrupt()
    return Terminated(f"received signal {signal.Signals(signum).name}")


def _raise_stop(signum: int, _frame: FrameType | None) -> None:
    if _signals.received is not None:
        # Only a child still listens after the first (a parent's second signal has the default
        # action): its clean-up is under way, and its parent kills it if it lingers.
        return
    if not _signals.child:
        signal.signal(signum, signal.SIG_DFL)  # a second one: the user really means it
    error = _stop_error(signum)
    _signals.received = error
    raise error


def _keep_lost_interrupt(unraisable: Any, previous: Callable[[Any], object]) -> None:
    """``sys.unraisablehook``: an interrupt Python could not raise is kept, not printed."""
    error = unraisable.exc_value
    if isinstance(error, (KeyboardInterrupt, Terminated)):
        if _signals.lost is None:
            _signals.lost = error
        return
    previous(unraisable)


@contextmanager
def sigterm_raises(*, child: bool = False) -> Iterator[None]:
    """Within the block, SIGTERM raises :class:`Terminated` and SIGINT KeyboardInterrupt, an
    interrupt Python swallows is kept for :func:`raise_if_lost`, and the old handlers (and
    state) come back after.

    In a render's ``child`` process the first of the two signals raises and later ones are
    ignored.  A SIGINT that this process inherited as ignored (``nohup``, a shell's ``&``)
    stays ignored.  Only the main thread may set signal handlers, so elsewhere this does
    nothing.
    """
    global _signals
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    outer, _signals = _signals, _Signals(child=child)
    handled = [signal.SIGTERM]
    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:
        handled.append(signal.SIGINT)
    previous = {signum: signal.signal(signum, _raise_stop) for signum in handled}
    previous_hook = sys.unraisablehook
    sys.unraisablehook = functools.partial(_keep_lost_interrupt, previous=previous_hook)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = previous_hook
        _signals = outer


def raise_if_lost() -> None:
    """Raise again an interrupt that Python swallowed (see the module's docstring); a
    checkpoint, called where raising is safe.  Nothing happens off the main thread."""
    error = _signals.lost
    if error is None or threading.current_thread() is not threading.main_thread():
        return
    _signals.lost = None
    raise error.with_traceback(None)


def refuse_after_signal() -> None:
    """Raise the interrupt this process received, if it received one: the check before a file
    is published, so that a stop signal ends every publication whatever became of its
    exception.  Nothing happens off the main thread (a pool's threads stop with their pool)."""
    error = _signals.received or _signals.lost
    if error is None or threading.current_thread() is not threading.main_thread():
        return
    _signals.lost = None
    raise (KeyboardInterrupt() if isinstance(error, KeyboardInterrupt) else Terminated(*error.args))


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
