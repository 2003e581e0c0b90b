"""The one numeric model behind every picture: a rank-r update of a frozen weight matrix.

A LoRA-style update keeps ``W`` frozen and learns ``U`` and ``V`` (both n×r), so that

    W' = W + U Vᵀ,    z = W' x = W x + U (Vᵀ x) = y + U α = y + Δ

where ``α = Vᵀ x`` holds one scalar per rank that depends on the input.  For rank 1 this is
``z = y + (vᵀx) u``: the old output plus one learned direction, scaled by how much the input
points along ``v``.  Scenes draw these numbers; they never compute their own copy of the maths.

This module imports numpy only, so it can be tested (and reasoned about) without manim.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike, NDArray

Array: TypeAlias = NDArray[np.float64]

#: Dimensions the scenes can draw: a plane or 3-D space.
SUPPORTED_DIMS = (2, 3)


def _to_float(name: str, value: ArrayLike) -> Array:
    try:
        return np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must contain numbers only ({exc})") from None


def _as_array(name: str, value: ArrayLike, ndim: int) -> Array:
    """Convert ``value`` to a float array of ``ndim`` dimensions or raise a ValueError naming it."""
    arr = _to_float(name, value)
    if arr.ndim != ndim:
        kind = "a vector" if ndim == 1 else "a matrix"
        raise ValueError(f"{name} must be {kind} ({ndim}-D), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf), got {arr.tolist()}")
    arr.setflags(write=False)
    return arr


def as_vector(name: str, value: ArrayLike) -> Array:
    """A finite 1-D float vector, or a ValueError that names ``name``."""
    return _as_array(name, value, 1)


def as_columns(name: str, vectors: ArrayLike) -> Array:
    """Stack a vector or a matrix into an n×r matrix of column vectors.

    A single vector becomes an n×1 matrix, so ``u`` and ``U`` are accepted alike.
    """
    arr = _to_float(name, vectors)
    if arr.ndim == 1:
        return _as_array(name, np.reshape(arr, (-1, 1)), 2)
    return _as_array(name, arr, 2)


@dataclass(frozen=True)
class UpdateResult:
    """Everything a scene needs to draw one forward pass through ``W' = W + U Vᵀ``."""

    x: Array
    """The input."""
    y: Array
    """The old output ``W x``."""
    alpha: Array
    """One scalar per rank: ``αᵢ = vᵢᵀ x``."""
    delta: Array
    """The change ``Δ = U α = Σ αᵢ uᵢ``."""
    z: Array
    """The new output ``y + Δ``."""

    @property
    def alpha1(self) -> float:
        """α for a rank-1 update (the first α for higher ranks)."""
        return float(self.alpha[0])


@dataclass(frozen=True)
class LowRankUpdate:
    """A frozen ``W`` (n×n) and learned factors ``U``, ``V`` (n×r), validated on construction."""

    W: Array
    U: Array
    V: Array
    _W_prime: Array = field(init=False, repr=False, compare=False)

    def __init__(self, W: ArrayLike, U: ArrayLike, V: ArrayLike) -> None:
        w = _as_array("W", W, 2)
        u = as_columns("U", U)
        v = as_columns("V", V)
        n = w.shape[0]
        if w.shape != (n, n):
            raise ValueError(f"W must be square, got shape {w.shape}")
        if n not in SUPPORTED_DIMS:
            raise ValueError(f"W must be 2×2 or 3×3 to be drawn, got {n}×{n}")
        if u.shape[0] != n or v.shape[0] != n:
            raise ValueError(
                f"U and V need {n} rows to match W ({n}×{n}), got U {u.shape} and V {v.shape}"
            )
        if u.shape[1] != v.shape[1]:
            raise ValueError(
                f"U and V need the same number of columns (the rank), got {u.shape[1]} and "
                f"{v.shape[1]}"
            )
        w_prime = w + u @ v.T
        w_prime.setflags(write=False)
        object.__setattr__(self, "W", w)
        object.__setattr__(self, "U", u)
        object.__setattr__(self, "V", v)
        object.__setattr__(self, "_W_prime", w_prime)

    @property
    def dim(self) -> int:
        """n, the size of the space the vectors live in."""
        return int(self.W.shape[0])

    @property
    def rank(self) -> int:
        """r, the number of (u, v) pairs."""
        return int(self.U.shape[1])

    @property
    def W_prime(self) -> Array:
        """The updated matrix ``W + U Vᵀ``."""
        return self._W_prime

    @property
    def u(self) -> Array:
        """The first learned output direction (the only one for rank 1)."""
        return self.U[:, 0]

    @property
    def v(self) -> Array:
        """The first learned input direction (the only one for rank 1)."""
        return self.V[:, 0]

    def alpha(self, x: ArrayLike) -> Array:
        """``α = Vᵀ x``: how much the input points along each ``vᵢ``."""
        alpha: Array = self.V.T @ self._input(x)
        return alpha

    def apply(self, x: ArrayLike) -> UpdateResult:
        """One forward pass: ``y = W x``, ``α = Vᵀ x``, ``Δ = U α``, ``z = y + Δ``."""
        xv = self._input(x)
        y = self.W @ xv
        alpha = self.V.T @ xv
        delta = self.U @ alpha
        z = y + delta
        for arr in (y, alpha, delta, z):
            arr.setflags(write=False)
        return UpdateResult(x=xv, y=y, alpha=alpha, delta=delta, z=z)

    def _input(self, x: ArrayLike) -> Array:
        xv = as_vector("x", x)
        if xv.shape != (self.dim,):
            raise ValueError(f"x must have {self.dim} components to match W, got {xv.shape[0]}")
        return xv


@dataclass(frozen=True)
class Example:
    """A model together with the input the scenes show it acting on."""

    update: LowRankUpdate
    x: Array

    def __init__(self, update: LowRankUpdate, x: ArrayLike) -> None:
        object.__setattr__(self, "update", update)
        object.__setattr__(self, "x", update._input(x))

    @property
    def result(self) -> UpdateResult:
        """The forward pass for this example's input."""
        return self.update.apply(self.x)


def default_rank_one() -> Example:
    """The 2-D rank-1 example the scenes use unless told otherwise.

    Chosen so that every arrow is clearly visible and no two labels collide: x, v, u, y and z are
    pairwise far apart, none is shorter than 0.8 units, and everything (including ``α u`` drawn
    tip-to-tail from ``y``) fits in manim's default 14.2 × 8 frame.  ``tests/maths/test_model.py``
    checks each of those promises, so a change here cannot silently break a picture.
    """
    return Example(
        LowRankUpdate(
            W=[[0.8, -0.6], [0.6, 0.8]],
            U=[[-1.5], [0.5]],
            V=[[0.5], [-1.0]],
        ),
        x=[3.0, -0.5],
    )


def default_rank_two() -> Example:
    """A 3-D rank-2 example: z − y stays in the plane span(u₁, u₂)."""
    return Example(
        LowRankUpdate(
            W=[[1.0, 0.2, 0.0], [-0.2, 1.0, 0.1], [0.0, 0.3, 0.9]],
            U=[[1.0, 0.0], [0.0, 0.8], [0.5, 0.5]],
            V=[[0.6, -0.3], [0.2, 0.7], [0.4, 0.2]],
        ),
        x=[1.5, 1.0, 1.0],
    )


def full_update_params(n: int) -> int:
    """Trainable numbers in a full update of an n×n matrix."""
    return n * n


def low_rank_params(n: int, r: int) -> int:
    """Trainable numbers in rank-r factors U, V of an n×n matrix (two n×r matrices)."""
    return 2 * n * r


# Sweeps, samples and spans: the extra numbers the other scenes draw ---------------------------


def change(update: LowRankUpdate, points: ArrayLike) -> Array:
    """``U Vᵀ p`` for one point or for each row of ``points``: what the update alone does.

    For rank 1 this is ``(vᵀp) u``, a multiple of ``u`` whatever ``p`` is.
    """
    pts = _to_float("points", points)
    out = np.asarray(pts @ update.V @ update.U.T, dtype=np.float64)
    out.setflags(write=False)
    return out


def direction_angle(vector: ArrayLike) -> float:
    """The angle of a 2-D vector from the positive first axis, in radians, in [0, 2π)."""
    vec = as_vector("vector", vector)
    return float(np.arctan2(vec[1], vec[0]) % (2 * np.pi))


def on_circle(radius: float, angle: float) -> Array:
    """The 2-D point at ``angle`` (radians) on the circle of ``radius`` about the origin."""
    point = radius * np.array([np.cos(angle), np.sin(angle)])
    point.setflags(write=False)
    return point


def perpendicular(vector: ArrayLike) -> Array:
    """The 2-D vector turned a quarter turn anticlockwise: same length, at right angles."""
    vec = as_vector("vector", vector)
    out = np.array([-vec[1], vec[0]])
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class SweepEvent:
    """A moment of :func:`sweep_events`: ``x`` at ``angle`` is along, against or ⟂ to ``v``."""

    name: str
    """``"along"``, ``"perpendicular"``, ``"against"`` or ``"perpendicular again"``."""
    angle: float
    """The absolute angle of x, radians; increasing from the sweep's start."""


def sweep_events(x: ArrayLike, v: ArrayLike) -> list[SweepEvent]:
    """The four moments of one anticlockwise turn of ``x`` (starting where ``x`` points) at
    which it is along ``v`` (α largest), ⟂ ``v`` (α = 0), against ``v`` (α most negative) and
    ⟂ again, in the order they happen, with angles increasing from ``angle(x)`` to below
    ``angle(x) + 2π``.

    |α| = |x||v||cos θ| for the angle θ between them, so these are α's extremes and zeros.
    """
    start = direction_angle(x)
    theta_v = direction_angle(v)
    events = []
    for quarter, name in enumerate(("along", "perpendicular", "against", "perpendicular")):
        offset = (theta_v + quarter * np.pi / 2 - start) % (2 * np.pi)
        events.append((offset, name))
    events.sort()
    names_seen: set[str] = set()
    out = []
    for offset, name in events:
        label = f"{name} again" if name in names_seen else name
        names_seen.add(name)
        out.append(SweepEvent(label, start + offset))
    return out


def circle_inputs(x: ArrayLike, count: int) -> Array:
    """``count`` inputs evenly spaced on the circle through ``x`` (|x| fixed), starting at x."""
    xv = as_vector("x", x)
    radius, start = float(np.linalg.norm(xv)), direction_angle(xv)
    angles = start + np.linspace(0, 2 * np.pi, count, endpoint=False)
    out = radius * np.stack([np.cos(angles), np.sin(angles)], axis=1)
    out.setflags(write=False)
    return out


def lattice(radius: float, per_side: int) -> Array:
    """A square grid of ``per_side``² 2-D points spanning [-radius, radius]² (rows)."""
    ticks = np.linspace(-radius, radius, per_side)
    out = np.array([[a, b] for a in ticks for b in ticks], dtype=np.float64)
    out.setflags(write=False)
    return out


#: How far apart (a share of the most they can be) the changes of the turned inputs are kept
#: when the turning axis is chosen to show each input's change beside its y (:func:`turning`).
TURN_SPREAD_KEPT = 0.8


def turned_inputs(x: ArrayLike, count: int, axis: ArrayLike = (0.0, 0.0, 1.0)) -> Array:
    """``count`` 3-D inputs: ``x`` and its turns by whole multiples of 2π/count about ``axis``
    (rows), so a rank-2 scene can show several inputs without typing any."""
    xv = as_vector("x", x)
    a = as_vector("axis", axis)
    a = a / float(np.linalg.norm(a))
    out = []
    for k in range(count):
        angle = 2 * np.pi * k / count
        # Rodrigues: the part along the axis stays, the rest turns by ``angle``.
        along = a * float(a @ xv)
        out.append(along + np.cos(angle) * (xv - along) + np.sin(angle) * np.cross(a, xv))
    arr = np.array(out)
    arr.setflags(write=False)
    return arr


def turning_axis(update: LowRankUpdate, x: ArrayLike, count: int = 3) -> Array:
    """The axis to turn ``x`` about (:func:`turned_inputs`) so that its turns' changes are as
    far apart as they can be: see :func:`turning`."""
    return turning(update, x, count)[0]


def turn_spread(update: LowRankUpdate, x: ArrayLike, count: int = 3) -> float:
    """How far apart the closest two changes of ``x``'s turns about :func:`turning_axis` are.

    Zero only when v₁ ∥ v₂ and x lies along them: then α depends on x only through its
    angle with v₁, which the second and third turns share."""
    return turning(update, x, count)[1]


def turning(update: LowRankUpdate, x: ArrayLike, count: int = 3) -> tuple[Array, float]:
    """The axis to turn ``x`` about so that its ``count`` turns (:func:`turned_inputs`) give
    changes ``Δ = U Vᵀ x`` far apart from one another (at least :data:`TURN_SPREAD_KEPT` of
    the most they can be) and each turn's z = y + Δ pointing well away from its y and x, and
    the least distance between two of those changes.

    The axis is at right angles to ``x`` (each turn moves x as far as a turn can); which of
    those directions is chosen from the data, so the inputs are never all alike (a fixed axis
    leaves an x lying along it where it is) and neither are their changes, except in the one
    case :func:`turn_spread` names.
    """
    xv = update._input(x)
    if update.dim != 3 or count < 2:
        raise ValueError("turning_axis needs a 3-D update and at least two inputs")
    length = float(np.linalg.norm(xv))
    if length == 0:
        raise ValueError("x is zero: every turn of it is the same point")
    unit = xv / length
    # Two directions at right angles to x; the axis turns between them.
    helper = np.eye(3)[int(np.argmin(np.abs(unit)))]
    e1 = np.cross(unit, helper)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(unit, e1)
    psi = np.linspace(0.0, np.pi, 180, endpoint=False)[:, None]
    axes = np.cos(psi) * e1 + np.sin(psi) * e2
    # About an axis ⟂ x, the k-th turn is cos·x + sin·(axis × x), so its change is
    # cos·Δ(x) + sin·Δ(axis × x): every candidate axis at once.
    angles = 2 * np.pi * np.arange(count) / count
    moved, sideways = change(update, xv), change(update, np.cross(axes, xv))
    changes = (
        np.cos(angles)[None, :, None] * moved[None, None, :]
        + np.sin(angles)[None, :, None] * sideways[:, None, :]
    )
    pairs = [(i, j) for i in range(count) for j in range(i + 1, count)]
    gaps = np.min([np.linalg.norm(changes[:, i] - changes[:, j], axis=1) for i, j in pairs], axis=0)
    # Among the axes whose changes are nearly as far apart as they can be, the one whose
    # turned inputs show their change best: z = y + Δ pointing away from y and x, not along
    # them (where a 3-D picture would draw z over y from every side).
    inputs = (
        np.cos(angles)[None, :, None] * xv[None, None, :]
        + np.sin(angles)[None, :, None] * np.cross(axes, xv)[:, None, :]
    )
    outputs = inputs @ update.W.T
    ends = outputs + changes
    apart = np.minimum(_sine(outputs, ends), _sine(inputs, ends))[:, 1:].min(axis=1)
    good = gaps >= TURN_SPREAD_KEPT * gaps.max()
    score = np.where(good, apart, -1.0)
    # The first of the (near) best, so that nearby numbers choose the same axis.
    best = int(np.argmax(score >= score.max() - 1e-9 * max(float(score.max()), 1.0)))
    out: Array = axes[best]
    out.setflags(write=False)
    return out, float(gaps[best])


def _sine(a: Array, b: Array) -> Array:
    """|sin| of the angle between vectors ``a`` and ``b`` (last axis), 0 for a zero one."""
    size = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    out: Array = np.linalg.norm(np.cross(a, b), axis=-1) / np.maximum(size, 1e-300)
    return out


def span_normal(update: LowRankUpdate) -> Array:
    """The unit normal of the plane span(u₁, u₂) of a 3-D rank-2 update."""
    if update.dim != 3 or update.rank != 2:
        raise ValueError("span_normal needs a 3-D rank-2 update")
    normal = np.cross(update.U[:, 0], update.U[:, 1])
    length = float(np.linalg.norm(normal))
    if length == 0:
        raise ValueError("u₁ and u₂ are parallel, so they span a line, not a plane")
    out = normal / length
    out.setflags(write=False)
    return out


def span_basis(update: LowRankUpdate) -> Array:
    """Two orthogonal vectors (rows) spanning span(u₁, u₂), the first along u₁, each as long
    as u₁ and u₂ on average: a piece of the plane drawn on them looks like a plane even
    when u₁ and u₂ point almost the same way."""
    normal = span_normal(update)
    u1, u2 = update.U.T
    length = (float(np.linalg.norm(u1)) + float(np.linalg.norm(u2))) / 2
    first = u1 / float(np.linalg.norm(u1))
    out = length * np.array([first, np.cross(normal, first)])
    out.setflags(write=False)
    return out


def low_rank_share(n: int, r: int) -> float:
    """Rank-r factors' parameters as a fraction of a full n×n update's: 2r/n."""
    return low_rank_params(n, r) / full_update_params(n)
