"""Beat recording: a story beat is a section, a subcaption and a record of what is on screen.

Each beat holds its caption long enough to be read, and records, in model coordinates, every
named arrow, number readout and probe at its end: what the tests compare with the model and the
frame audit (``bench.audit``) measures.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from manim import *

from lowrank_anim.maths.formatting import reading_time


@dataclass
class BeatRecord:
    """What was on screen at the end of one beat, in model coordinates."""

    name: str
    caption: str
    arrows: dict[str, tuple[np.ndarray, np.ndarray]]
    numbers: dict[str, float]
    """Every registered number readout (α, counts) as it is displayed."""
    precision: dict[str, float] = field(default_factory=dict)
    """Half the last shown digit of each readout: how far it may be from the exact value."""
    values: dict[str, Any] = field(default_factory=dict)
    """Anything else a scene registered a probe for (dots, the sweep angle, bar widths)."""


class BeatRecorder(Scene):
    """Story beats and their records, for :class:`~scenes.base.LowRankScene` (which sets the
    attributes below per chapter)."""

    records: list[BeatRecord]
    chapter_prefix: str
    arrows: dict[str, Mobject]
    numbers: dict[str, DecimalNumber]
    units: dict[str, tuple[int, int]]
    probes: dict[str, Callable[[], Any]]
    p2c: Callable[[Any], np.ndarray]
    """Scene point → model coordinates (:meth:`scenes.builders.GeometryBuilders.p2c`)."""

    @property
    def snapshots(self) -> list[tuple[str, dict[str, tuple[np.ndarray, np.ndarray]]]]:
        """(beat, {arrow name: (start, end)}) at the end of every beat."""
        return [(record.name, record.arrows) for record in self.records]

    @contextmanager
    def beat(self, name: str, caption: str) -> Iterator[None]:
        """One beat of the story: its own section (one clip with ``--sections``), a subcaption
        spanning it (the ``.srt`` beside the video) and a geometry snapshot at its end."""
        title = f"{self.chapter_prefix}: {name}" if self.chapter_prefix else name
        self.next_section(title)
        start = self.time
        yield
        # A caption stays up long enough to be read (CAPTION_SPEED characters a second).
        # (Two frames more than the bare minimum: frame times are rounded.)
        short = reading_time(caption) - (self.time - start) + 2 / config.frame_rate
        if short > 2 / config.frame_rate:
            self.wait(math.ceil(short * config.frame_rate + 1e-9) / config.frame_rate)
        elapsed = self.time - start
        if elapsed > 0:
            self.add_subcaption(caption, duration=elapsed, offset=-elapsed)
        powers = {key: 10.0 ** self.units.get(key, (0, 0))[1] for key in self.numbers}
        record = BeatRecord(
            name=title,
            caption=caption,
            arrows=self.arrow_ends(),
            numbers={key: float(n.get_value()) * powers[key] for key, n in self.numbers.items()},
            precision={
                key: 0.5 * 10.0 ** -self.units.get(key, (2, 0))[0] * powers[key]
                for key in self.numbers
            },
            values={key: probe() for key, probe in self.probes.items()},
        )
        self.records.append(record)
        self.end_of_beat(record)

    def end_of_beat(self, record: BeatRecord) -> None:
        """Called at the end of every beat, with what it recorded; the frame audit
        (``bench.audit``) measures the frame here."""

    def arrow_ends(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """Every named arrow's (start, end) in model coordinates, as drawn right now."""
        return {
            key: (self.p2c(arrow.get_start()), self.p2c(arrow.get_end()))
            for key, arrow in self.arrows.items()
        }
