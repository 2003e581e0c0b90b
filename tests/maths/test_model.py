"""The numeric model: unit tests, rank-1 identities as properties, the defaults' promises."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from lowrank_anim.maths.model import (
    Example,
    LowRankUpdate,
    default_rank_one,
    default_rank_two,
    full_update_params,
    low_rank_params,
    span_basis,
    span_normal,
    turned_inputs,
)

finite = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False)


def vectors(n: int) -> st.SearchStrategy[np.ndarray]:
    return arrays(np.float64, (n,), elements=finite)


@st.composite
def updates(draw: st.DrawFn, rank: int | None = None) -> tuple[LowRankUpdate, np.ndarray]:
    n = draw(st.sampled_from([2, 3]))
    r = rank if rank is not None else draw(st.integers(1, n))
    W = draw(arrays(np.float64, (n, n), elements=finite))
    U = draw(arrays(np.float64, (n, r), elements=finite))
    V = draw(arrays(np.float64, (n, r), elements=finite))
    x = draw(vectors(n))
    return LowRankUpdate(W, U, V), x


def test_rank_one_by_hand() -> None:
    upd = LowRankUpdate(W=[[2, 0], [0, 3]], U=[[1], [1]], V=[[1], [2]])
    res = upd.apply([1, 1])
    np.testing.assert_array_equal(res.y, [2, 3])
    np.testing.assert_array_equal(res.alpha, [3])
    np.testing.assert_array_equal(res.delta, [3, 3])
    np.testing.assert_array_equal(res.z, [5, 6])
    np.testing.assert_array_equal(upd.W_prime, [[3, 2], [1, 5]])
    assert (upd.dim, upd.rank) == (2, 1)


def test_vectors_are_accepted_as_single_columns() -> None:
    upd = LowRankUpdate(W=np.eye(2), U=[1, 2], V=[3, 4])
    assert upd.U.shape == (2, 1)
    np.testing.assert_array_equal(upd.u, [1, 2])
    np.testing.assert_array_equal(upd.v, [3, 4])


@given(updates())
def test_z_is_updated_matrix_times_x(case: tuple[LowRankUpdate, np.ndarray]) -> None:
    upd, x = case
    res = upd.apply(x)
    np.testing.assert_allclose(res.z, upd.W_prime @ x, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(res.z, res.y + upd.U @ (upd.V.T @ x), rtol=1e-9, atol=1e-9)
    assert res.alpha.shape == (upd.rank,)


@given(updates(rank=1), st.floats(-5, 5))
def test_input_orthogonal_to_v_is_untouched(
    case: tuple[LowRankUpdate, np.ndarray], t: float
) -> None:
    upd, _ = case
    v = upd.v
    # Any x ⟂ v: in 2-D the rotated v; in 3-D the cross product with a non-parallel axis.
    if upd.dim == 2:
        x = t * np.array([-v[1], v[0]])
    else:
        axis = np.eye(3)[int(np.argmin(np.abs(v)))]
        x = t * np.cross(v, axis)
    res = upd.apply(x)
    assert abs(res.alpha1) <= 1e-9 * (1 + np.linalg.norm(v) * np.linalg.norm(x))
    np.testing.assert_allclose(res.z, res.y, atol=1e-8 * (1 + np.linalg.norm(upd.u)))


@given(updates(rank=1), st.floats(0.1, 5), st.floats(0, 2 * np.pi))
def test_alpha_is_largest_when_x_points_along_v(
    case: tuple[LowRankUpdate, np.ndarray], length: float, angle: float
) -> None:
    upd, _ = case
    # A (near-)zero v makes every α zero: nothing to compare. Hypothesis draws another case
    # instead of counting this one as a pass.
    assume(np.linalg.norm(upd.v) >= 1e-6)
    along_v = length * upd.v / np.linalg.norm(upd.v)
    best = upd.alpha(along_v)[0]
    # |α| = |x||v||cos θ|, so α for x ∥ v is |x||v| and beats any other x of the same length.
    assert best == pytest.approx(length * np.linalg.norm(upd.v))
    other = np.zeros(upd.dim)
    other[:2] = length * np.array([np.cos(angle), np.sin(angle)])
    assert abs(upd.alpha(other)[0]) <= best * (1 + 1e-9) + 1e-12


def test_x_equal_to_v_scales_u_by_squared_norm() -> None:
    ex = default_rank_one()
    v = ex.update.v
    assert ex.update.alpha(v)[0] == pytest.approx(float(v @ v))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"W": [[1, 0], [0, 1], [0, 0]], "U": [1, 0], "V": [0, 1]}, "W must be square"),
        ({"W": np.eye(4), "U": np.ones(4), "V": np.ones(4)}, "2×2 or 3×3"),
        ({"W": np.eye(2), "U": [1, 2, 3], "V": [1, 2]}, "need 2 rows"),
        ({"W": np.eye(2), "U": np.ones((2, 2)), "V": np.ones((2, 1))}, "same number of columns"),
        ({"W": [[1, float("nan")], [0, 1]], "U": [1, 0], "V": [0, 1]}, "W must be finite"),
        ({"W": np.eye(2), "U": [1, float("inf")], "V": [0, 1]}, "U must be finite"),
        ({"W": np.eye(2), "U": ["a", "b"], "V": [0, 1]}, "U must contain numbers"),
        ({"W": [1, 2], "U": [1, 0], "V": [0, 1]}, "W must be a matrix"),
    ],
)
def test_invalid_models_raise_clear_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        LowRankUpdate(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("x", "message"), [([1, 2, 3], "x must have 2 components"), ([1, np.nan], "x must be finite")]
)
def test_invalid_inputs_raise_clear_errors(x: list[float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        default_rank_one().update.apply(x)


def test_results_are_read_only() -> None:
    res = default_rank_one().result
    with pytest.raises(ValueError, match="read-only"):
        res.z[0] = 1.0


# The defaults must draw well: the promises in default_rank_one's docstring.
FRAME_HALF_WIDTH, FRAME_HALF_HEIGHT = 14.222 / 2, 4.0


def default_points() -> dict[str, np.ndarray]:
    ex = default_rank_one()
    res = ex.result
    return {"x": res.x, "v": ex.update.v, "u": ex.update.u, "y": res.y, "z": res.z}


def test_default_arrows_are_long_enough() -> None:
    for name, p in default_points().items():
        assert np.linalg.norm(p) >= 0.8, name


def test_default_arrow_tips_are_pairwise_apart() -> None:
    for (a, p), (b, q) in itertools.combinations(default_points().items(), 2):
        assert np.linalg.norm(p - q) >= 1.0, (a, b)


def test_default_scene_fits_in_the_frame_with_room_for_labels() -> None:
    margin = 0.6
    for name, p in default_points().items():
        assert abs(p[0]) <= FRAME_HALF_WIDTH - margin, name
        assert abs(p[1]) <= FRAME_HALF_HEIGHT - margin, name


def test_default_rank_two_is_three_dimensional() -> None:
    ex = default_rank_two()
    assert (ex.update.dim, ex.update.rank) == (3, 2)
    np.testing.assert_allclose(ex.result.z, ex.update.W_prime @ ex.x)


@pytest.mark.parametrize("u2", [[0.0, 0.8, 0.5], [1.0, 0.05, 0.5], [-2.0, 0.0, -1.0001]])
def test_span_basis_is_orthogonal_and_spans_the_plane(u2: list[float]) -> None:
    update = LowRankUpdate(np.eye(3), np.array([[1.0, 0.0, 0.5], u2]).T, np.eye(3)[:, :2])
    first, second = span_basis(update)
    assert abs(float(first @ second)) < 1e-12
    length = (np.linalg.norm(update.U[:, 0]) + np.linalg.norm(update.U[:, 1])) / 2
    assert np.linalg.norm(first) == pytest.approx(length)
    assert np.linalg.norm(second) == pytest.approx(length)
    np.testing.assert_allclose(np.cross(first, update.U[:, 0]), 0, atol=1e-12)
    # Both lie in span(u₁, u₂): nothing along its normal, even when u₁ ∥ u₂ nearly.
    normal = span_normal(update)
    assert abs(float(first @ normal)) < 1e-12
    assert abs(float(second @ normal)) < 1e-12


def test_turned_inputs_turn_about_the_axis_given() -> None:
    turns = turned_inputs([1.0, 2.0, 3.0], 4, axis=[1.0, 0.0, 0.0])
    np.testing.assert_allclose(turns[:, 0], 1.0)  # the part along the axis stays
    np.testing.assert_allclose(turns[1], [1.0, -3.0, 2.0], atol=1e-12)  # a quarter turn
    np.testing.assert_allclose(np.linalg.norm(turns, axis=1), np.sqrt(14))


def test_example_validates_its_input() -> None:
    with pytest.raises(ValueError, match="3 components"):
        Example(default_rank_two().update, [1, 2])


def test_parameter_counts() -> None:
    assert full_update_params(4096) == 16_777_216
    assert low_rank_params(4096, 1) == 8192
