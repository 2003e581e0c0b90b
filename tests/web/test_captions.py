"""Captions: ``srt_to_vtt`` (built on the ``srt`` library) writes what the hand-written
converter it replaced wrote, for the SubRip files manim writes (``srt.compose``)."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import srt
from hypothesis import given
from hypothesis import strategies as st

from lowrank_anim.web.embed import srt_to_vtt
from tests.conftest import every_scene

#: Caption files as renders of the project wrote them (``render.py render``, ``-q low``).
CAPTIONS = sorted((Path(__file__).parent / "captions").glob("*.srt"))


def hand_written_srt_to_vtt(srt_text: str) -> str:
    """The converter ``srt_to_vtt`` replaced, kept verbatim as the reference."""
    blocks = re.split(r"\n\s*\n", srt_text.replace("\r\n", "\n").replace("\r", "\n").strip())
    cues = []
    timing = re.compile(r"^(\d+:\d\d:\d\d)[,.](\d{3})\s*-->\s*(\d+:\d\d:\d\d)[,.](\d{3})(.*)$")
    for block in blocks:
        lines = block.split("\n")
        index = next((i for i, line in enumerate(lines) if timing.match(line.strip())), None)
        if index is None:
            continue
        match = timing.match(lines[index].strip())
        assert match is not None
        start, start_ms, end, end_ms, _ = match.groups()
        text = "\n".join(html.escape(line, quote=False) for line in lines[index + 1 :] if line)
        identifier = lines[index - 1].strip() if index > 0 else ""
        head = f"{identifier}\n" if identifier and "-->" not in identifier else ""
        cues.append(f"{head}{start}.{start_ms} --> {end}.{end_ms}\n{text}")
    return "WEBVTT\n\n" + "\n\n".join(cues) + ("\n" if cues else "")


def composed(*cues: tuple[float, float, str, str]) -> str:
    """SubRip as manim writes it: ``srt.compose`` of (start, end, text, cue settings)."""
    return srt.compose(
        srt.Subtitle(None, timedelta(seconds=a), timedelta(seconds=b), text, settings)
        for a, b, text, settings in cues
    )


def test_there_are_real_caption_files() -> None:
    assert len(CAPTIONS) >= 2
    assert all(
        path.read_text(encoding="utf-8").startswith("1\n00:00:00,000 --> ") for path in CAPTIONS
    )


@pytest.mark.parametrize("path", CAPTIONS, ids=lambda path: path.stem)
def test_real_caption_files_convert_as_before(path: Path) -> None:
    subrip = path.read_text(encoding="utf-8")
    vtt = srt_to_vtt(subrip)
    assert vtt == hand_written_srt_to_vtt(subrip)
    assert vtt.count(" --> ") == subrip.count(" --> ")
    # The same with Windows line ends, as an edited file may have them.
    assert srt_to_vtt(subrip.replace("\n", "\r\n")) == vtt


@pytest.mark.parametrize(
    "subrip",
    [
        composed((0, 2.466, "Two lines:\nα = vᵀx", ""), (2.466, 5, "Scores < 1 & w --> y", "")),
        # SubRip cue settings (pixel coordinates) mean nothing to WebVTT: both drop them.
        composed((0, 1, "placed", "X1:100 X2:600 Y1:50 Y2:90"), (1, 2.5, "<i>a</i>", "")),
        composed((3599.999, 36001.5, "over ten hours\nand\nthree lines", "")),
        "",
    ],
    ids=["multi-line", "cue-settings", "long", "empty"],
)
def test_multi_line_cues_and_cue_settings_convert_as_before(subrip: str) -> None:
    assert srt_to_vtt(subrip) == hand_written_srt_to_vtt(subrip)


def test_cue_settings_and_markup() -> None:
    subrip = composed((0, 1.5, "a <b> & c\nsecond line", "X1:1 X2:2 Y1:3 Y2:4"))
    assert srt_to_vtt(subrip) == (
        "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.500\na &lt;b&gt; &amp; c\nsecond line\n"
    )


@pytest.mark.parametrize("name", every_scene("RankOneUpdate"))
def test_every_scenes_captions_convert_as_before(name: str, constructed: Any) -> None:
    """The captions each scene makes, written as manim writes its ``.srt``."""
    subrip = srt.compose(constructed(name).renderer.file_writer.subcaptions)
    assert " --> " in subrip
    assert srt_to_vtt(subrip) == hand_written_srt_to_vtt(subrip)


# A caption line as a scene writes one: printable text, not blank, no space at either end.
LINE = (
    st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=30)
    .map(str.strip)
    .filter(bool)
)


@given(
    st.lists(
        st.tuples(
            st.integers(0, 10**7),
            st.integers(1, 10**6),
            st.lists(LINE, min_size=1, max_size=3),
            st.sampled_from(["", "X1:0 X2:10 Y1:0 Y2:10", "align:start"]),
        ),
        max_size=6,
    )
)
def test_any_composed_subtitles_convert_as_before(
    cues: list[tuple[int, int, list[str], str]],
) -> None:
    subrip = composed(
        *((ms / 1000, (ms + length) / 1000, "\n".join(lines), settings)
          for ms, length, lines, settings in cues)
    )  # fmt: skip
    assert srt_to_vtt(subrip) == hand_written_srt_to_vtt(subrip)
