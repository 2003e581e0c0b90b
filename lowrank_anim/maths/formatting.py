"""How every number on screen is written: by magnitude, about 3 significant figures.

Inputs as small as 0.001 and as large as 1000 are valid, so a fixed "2 decimals" shows
``0.00`` for a real, non-zero value, and ``140.00`` where ``140`` says as much.  Every number
builder of the scenes (columns, matrices, readouts, equation panels) goes through
:func:`format_number` / :func:`decimals_for`, and a sum's negative coefficient through
:func:`signed_term`, so ``y − 1.5·u`` is never written ``y + −1.50·u``.

Pure Python, no manim: tested on its own (``tests/maths/test_formatting.py``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

#: Significant figures shown.
SIGNIFICANT = 3
#: The most decimals a number gets; a smaller value is written in scientific notation.
MAX_DECIMALS = 5
#: Below this share of the largest number shown with it, a value is round-off: written "0".
NOISE = 1e-9
#: The typographic minus, for plain text (captions); LaTeX makes its own from "-".
MINUS = "\u2212"


def decimals_for(magnitude: float, significant: int = SIGNIFICANT) -> int:
    """Decimals that show ``magnitude`` (≥ 0) with ``significant`` figures, within
    [0, :data:`MAX_DECIMALS`]: 2.0 → 2 ("2.00"), 0.05 → 4 ("0.0500"), 140 → 0 ("140")."""
    if not math.isfinite(magnitude) or magnitude <= 0:
        return significant - 1
    digits = significant - 1 - math.floor(math.log10(magnitude))
    return max(0, min(MAX_DECIMALS, digits))


def is_noise(value: float, reference: float = 0.0) -> bool:
    """Whether ``value`` is an exact zero or round-off next to ``reference``'s magnitude."""
    return value == 0 or abs(value) <= NOISE * abs(reference)


def format_number(
    value: float, reference: float = 0.0, tex: bool = True, significant: int = SIGNIFICANT
) -> str:
    """``value`` written by its magnitude: ``2.00``, ``-1.50``, ``0.00200``, ``140``,
    ``1.23 \\times 10^{-6}`` (or ``1.23e-6`` with ``tex=False``).

    ``reference`` is the largest magnitude shown alongside (a column, a matrix): a value
    that is round-off next to it is written ``0``.  Never a row of zeros for a non-zero
    value, never ``-0``.
    """
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"cannot show a non-finite number: {value}")
    if is_noise(value, reference):
        return "0"
    magnitude = abs(value)
    if magnitude < 10.0 ** -(MAX_DECIMALS - significant + 1) * 0.9995:
        mantissa, exponent = f"{value:.{significant - 1}e}".split("e")
        power = int(exponent)
        return rf"{mantissa} \times 10^{{{power}}}" if tex else f"{mantissa}e{power}"
    text = f"{value:.{decimals_for(magnitude, significant)}f}"
    return text


def trim(text: str) -> str:
    """A fixed number without the trailing zeros a live readout keeps: ``0.800`` → ``0.8``,
    ``2.00`` → ``2`` (a mantissa in scientific notation keeps its figures)."""
    if "." not in text or "times" in text or "e" in text:
        return text
    return text.rstrip("0").rstrip(".")


def _first_figure(magnitude: float) -> int:
    """Decimals needed for ``magnitude``'s first significant figure to show (0 for ≥ 1)."""
    return max(0, -math.floor(math.log10(magnitude)))


def shared_decimals(values: Iterable[float], significant: int = SIGNIFICANT) -> int:
    """One number of decimals for numbers shown side by side (a column, an equation, a row of
    readouts), so they read alike: ``significant`` figures of the largest, and more where a
    smaller non-zero value would otherwise read as zero (up to :data:`MAX_DECIMALS`; round-off
    next to the largest does not count)."""
    numbers = [abs(float(v)) for v in values if math.isfinite(float(v))]
    peak = max(numbers, default=0.0)
    decimals = decimals_for(peak, significant)
    for magnitude in numbers:
        if not is_noise(magnitude, peak):
            decimals = max(decimals, min(MAX_DECIMALS, _first_figure(magnitude)))
    return decimals


@dataclass(frozen=True)
class Together:
    """How a group of numbers shown side by side is written: one number of decimals for all
    (:func:`shared_decimals`), less the trailing zeros every one of them has (``(2, 0)``,
    ``(0.8, -0.6)``, ``(3.65, -2.00)``), round-off next to the largest as ``0`` and a value too
    small for the decimals in scientific notation (never ``0.00`` for a non-zero value)."""

    decimals: int
    cut: int
    """Trailing zeros dropped from every fixed number (all of them have as many)."""
    reference: float

    def fixed(self, value: float) -> str | None:
        """``value`` with the group's decimals, or None when it must be written otherwise."""
        value = float(value)
        if is_noise(value, self.reference) or not math.isfinite(value):
            return None
        text = f"{value:.{self.decimals}f}"
        return text if any(ch in "123456789" for ch in text) else None

    def decimals_of(self, value: float) -> int | None:
        """The decimals :meth:`text` writes ``value`` with (0 for a "0"), or None when it is
        written in scientific notation: what a live readout of the same number shown in the
        same frame must use, so the frame writes it one way."""
        if self.fixed(value) is None:
            return 0 if self.text(value) == "0" else None
        return max(0, self.decimals - self.cut)

    def text(self, value: float, tex: bool = True) -> str:
        """``value`` as the group writes it."""
        fixed = self.fixed(value)
        if fixed is None:
            return format_number(value, self.reference, tex)
        if self.cut:
            fixed = fixed[: -self.cut].rstrip(".")
        return fixed


def together(values: Iterable[float]) -> Together:
    """The way to write ``values``, shown side by side (see :class:`Together`)."""
    numbers = [float(v) for v in values]
    reference = max((abs(v) for v in numbers), default=0.0)
    style = Together(shared_decimals(numbers), 0, reference)
    fixed = [t for t in (style.fixed(v) for v in numbers) if t is not None and "." in t]
    if not fixed:
        return style
    cut = min(len(t) - len(t.rstrip("0")) for t in fixed)
    return Together(style.decimals, cut, reference)


def format_many(values: Iterable[float]) -> list[str]:
    """Numbers each written on its own but judged together (the explorable figure's live
    text): round-off against the largest of them, no trailing zeros (``0.8``, ``-0.6``, ``2``).
    Numbers *shown side by side* in a frame (a column, a matrix) use :func:`format_alike`."""
    numbers = [float(v) for v in values]
    reference = max((abs(v) for v in numbers), default=0.0)
    return [trim(format_number(v, reference)) for v in numbers]


def format_alike(values: Iterable[float]) -> list[str]:
    """Numbers shown side by side (a column, a matrix's entries), written alike
    (:func:`together`): ``(0.8, -0.6)``, ``(2, 0)``, ``(140.0, 0.5)``, ``(3.65, -2.00)``."""
    numbers = [float(v) for v in values]
    style = together(numbers)
    return [style.text(v) for v in numbers]


def signed_term(
    value: float, reference: float = 0.0, style: Together | None = None
) -> tuple[str, str]:
    """The sign to write before ``value`` in a sum and its magnitude: ``(-, 1.50)`` for
    −1.5, so the sum reads ``y - 1.50 u`` rather than ``y + -1.50 u``; written as ``style``
    writes the numbers around it, if given."""
    value = float(value)
    text = style.text(abs(value)) if style is not None else format_number(abs(value), reference)
    return ("-" if value < 0 and text != "0" else "+"), text


def readout_format(values: Iterable[float]) -> tuple[int, int]:
    """(decimals, power of ten) for a live readout, or readouts side by side, that will show
    every one of ``values`` (their range over a beat): 3 significant figures of the largest, so
    the digits stay put while it moves and readouts next to each other read alike, and more
    decimals where a smaller value shown would otherwise read as zero (:func:`shared_decimals`).
    A range below 0.001 is shown as a mantissa times ``10^power`` (power 0 otherwise)."""
    numbers = [float(v) for v in values]
    peak = max((abs(v) for v in numbers), default=0.0)
    if 0 < peak < 10.0 ** -(MAX_DECIMALS - SIGNIFICANT + 1):
        power = math.floor(math.log10(peak))
        return shared_decimals(v / 10.0**power for v in numbers), power
    return shared_decimals(numbers), 0


def widest_text(values: Iterable[float], decimals: int) -> str:
    """The widest string a readout with ``decimals`` shows for ``values``: what its box must
    fit (a sign and the most integer digits)."""
    numbers = [float(v) for v in values] or [0.0]
    low, high = min(numbers), max(numbers)
    candidates = [f"{low:.{decimals}f}", f"{high:.{decimals}f}"]
    return max(candidates, key=len)


#: The fastest a caption may go by: characters per second a reader can finish.
CAPTION_SPEED = 20.0


def reading_time(caption: str, speed: float = CAPTION_SPEED) -> float:
    """The seconds a caption must stay up to be read at ``speed`` characters per second."""
    return len(caption) / speed
