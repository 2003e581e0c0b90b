"""Numbers on screen written by magnitude, and captions timed for reading."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lowrank_anim.maths.formatting import (
    decimals_for,
    format_alike,
    format_many,
    format_number,
    reading_time,
    readout_format,
    signed_term,
    together,
    widest_text,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (2.0, "2.00"),
        (-1.5, "-1.50"),
        (140.0, "140"),
        (-3.4, "-3.40"),
        (12.345, "12.3"),
        (0.05, "0.0500"),
        (0.002, "0.00200"),
        (0.001, "0.00100"),
        (0.0, "0"),
        (-0.0, "0"),
        (1.234e-6, r"1.23 \times 10^{-6}"),
        (-4.5e-5, r"-4.50 \times 10^{-5}"),
        (123456.0, "123456"),
    ],
)
def test_numbers_are_written_by_magnitude(value: float, text: str) -> None:
    assert format_number(value) == text


def test_plain_text_scientific_has_no_latex() -> None:
    assert format_number(1.5e-7, tex=False) == "1.50e-7"


@given(st.floats(min_value=1e-12, max_value=1e7, allow_nan=False))
def test_a_non_zero_value_never_reads_as_zero(value: float) -> None:
    for signed in (value, -value):
        text = format_number(signed)
        assert any(ch in "123456789" for ch in text.split(r"\times")[0]), text


@given(st.floats(min_value=1e-3, max_value=1e6, allow_nan=False))
def test_about_three_significant_figures(value: float) -> None:
    shown = float(format_number(value))
    assert abs(shown - value) <= 5e-3 * value + 0.5  # 3 figures, or a whole number when ≥ 100


def test_round_off_next_to_larger_numbers_reads_zero() -> None:
    assert format_many([1.5, 3e-17]) == ["1.5", "0"]
    assert format_many([0.001, 0.0025]) == ["0.001", "0.0025"]
    assert format_alike([1.5, 3e-17]) == ["1.5", "0"]
    assert format_alike([0.001, 0.0025]) == ["0.0010", "0.0025"]


def test_fixed_numbers_drop_trailing_zeros() -> None:
    assert format_many([0.8, -0.6, 2.0, 1 / 3, 140.0]) == ["0.8", "-0.6", "2", "0.333", "140"]
    assert format_many([1.5e-6, 1.0]) == [r"1.50 \times 10^{-6}", "1"]


def test_fixed_numbers_drop_the_trailing_zeros_they_all_have() -> None:
    assert format_alike([0.8, -0.6, 0.6, 0.8]) == ["0.8", "-0.6", "0.6", "0.8"]
    assert format_alike([2.0, 0.0, 0.0, 1.0]) == ["2", "0", "0", "1"]
    assert format_alike([3.65, -2.0]) == ["3.65", "-2.00"]
    assert format_alike([1.5e-6, 1.0]) == [r"1.50 \times 10^{-6}", "1"]


def decimals_of(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


@given(
    st.lists(
        st.floats(min_value=-1e3, max_value=1e3, allow_nan=False).filter(lambda v: abs(v) > 1e-3),
        min_size=2,
        max_size=6,
    )
)
def test_numbers_side_by_side_read_alike(values: list[float]) -> None:
    """One group (a column, an equation, a row of readouts): one number of decimals, the
    largest with about 3 figures, no non-zero value read as zero."""
    texts = format_alike(values)
    fixed = [t for t in texts if "times" not in t and t != "0"]
    assert len({decimals_of(t) for t in fixed}) <= 1, texts
    peak = max(values, key=abs)
    assert abs(float(texts[values.index(peak)]) - peak) <= 5e-3 * abs(peak) + 0.5, texts
    for value, text in zip(values, texts, strict=True):
        assert any(ch in "123456789" for ch in text.split(r"\times")[0]), (value, texts)


def test_one_equation_is_written_alike() -> None:
    """z = y + α u with α = 0.6 among numbers up to 3.4: α reads 0.60, not 0.600."""
    style = together([3.4, -1.25, 2.5, -0.5, 0.6, -1.5, 0.5])
    assert [style.text(v) for v in (3.4, -1.25, 0.6)] == ["3.40", "-1.25", "0.60"]
    assert signed_term(-0.6, style=style) == ("-", "0.60")


def test_negative_coefficient_in_a_sum_takes_a_minus() -> None:
    assert signed_term(-1.5) == ("-", "1.50")
    assert signed_term(2.0) == ("+", "2.00")
    assert signed_term(0.0) == ("+", "0")


def test_decimals_keep_three_figures_within_limits() -> None:
    assert decimals_for(2.0) == 2
    assert decimals_for(0.05) == 4
    assert decimals_for(999.0) == 0
    assert decimals_for(0.0) == 2


def test_readout_format_from_its_range() -> None:
    assert readout_format([-3.4, 0.0, 3.4]) == (2, 0)
    assert readout_format([0.0, 140.0]) == (0, 0)
    assert readout_format([0.002, -0.001]) == (5, 0)
    assert readout_format([2e-6, -1e-6]) == (2, -6)


def test_readouts_side_by_side_share_one_format() -> None:
    """RankTwoUpdate's α₁ = 0.6 and α₂ = 1.2 (x = (0, 0, 1.5)) read 0.60 and 1.20: one format
    from every value either readout shows, not 0.600 beside 0.30."""
    alphas = [0.6, 1.2, 0.3, -0.9]
    assert readout_format(alphas) == (2, 0)
    assert readout_format([0.6]) == (3, 0)  # alone, 3 figures of its own
    # A smaller value shown beside a large one still shows a figure.
    assert readout_format([140.0, 0.05]) == (2, 0)


def test_widest_text_has_the_sign_and_the_most_digits() -> None:
    assert widest_text([-3.4, 0.5, 2.0], 2) == "-3.40"
    assert widest_text([0.0, 140.0], 0) == "140"


def test_reading_time_is_twenty_characters_a_second() -> None:
    assert reading_time("x" * 50) == pytest.approx(2.5)


@given(
    st.lists(
        st.floats(min_value=-1000, max_value=1000, allow_nan=False).filter(lambda v: v != 0),
        min_size=1,
        max_size=7,
    ),
    st.integers(min_value=0, max_value=6),
)
def test_a_readout_beside_an_equation_writes_its_number_alike(
    values: list[float], index: int
) -> None:
    """One frame writes one number one way: a live readout (fixed decimals, no thousands
    separators) given ``decimals_of`` shows what the equation beside it shows (RankOneUpdate
    read "α = 1,500" beside "1500", "2.00" beside "2.0")."""
    style = together(values)
    value = values[index % len(values)]
    decimals = style.decimals_of(value)
    written = style.text(value)
    if decimals is None:
        assert "times" in written  # scientific notation: the readout keeps its own power
    else:
        assert f"{round(value, decimals) + 0.0:.{decimals}f}" == written


@pytest.mark.parametrize(
    ("values", "value", "readout"),
    [
        ([1500.0, 3.2, -1.0], 1500.0, "1500"),
        ([2.0, 0.5, 1.25], 2.0, "2.00"),
        ([2.0, 0.5, -1.0], 2.0, "2.0"),
        ([0.0, 1.5, 2.0], 0.0, "0"),
    ],
)
def test_decimals_of_match_the_text(values: list[float], value: float, readout: str) -> None:
    style = together(values)
    decimals = style.decimals_of(value)
    assert decimals is not None
    assert f"{value:.{decimals}f}" == style.text(value) == readout
