"""Scene parameters from the command line (``--set x=1.5,-0.5``) or a TOML file (``--params``).

Keys are the model's names: ``W`` (the frozen matrix), ``u``, ``v``, ``x`` for the 2-D rank-1
scenes, and ``W``, ``U``, ``V``, ``x`` for the 3-D rank-2 scene, where ``U`` and ``V`` are
given as their columns (``U=u1;u2``).  Values are parsed as decimal numbers only — never
evaluated — and checked before any rendering starts:

- numbers only, finite, and |value| ≤ :data:`MAX_ABS` (larger ones make a picture of
  nothing but grid lines; scale the numbers down, the geometry is the same);
- the right dimension for the scene (2-D or 3-D, rank 1 or 2);
- nothing degenerate: ``u``, ``v`` and ``x`` at least :data:`MIN_LENGTH` long (a zero vector
  draws nothing and makes the update do nothing), ``W`` not all zeros, ``u₁`` and ``u₂`` not
  parallel (they must span the plane the rank-2 scene shows), and not ``v₁ ∥ v₂`` with ``x``
  along them (the rank-2 scene's other inputs would then all get the same α);
- no unknown keys (with a close-match suggestion).

Every error is a :class:`ParamError` whose message is one line that names the fix; the CLI
turns it into ``click.BadParameter``.  Valid parameters become a :class:`SceneParams`, a
frozen, hashable value whose :attr:`~SceneParams.tag` keeps variants' files apart.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

import numpy as np

from lowrank_anim.maths.model import (
    Example,
    LowRankUpdate,
    default_rank_one,
    default_rank_two,
    turn_spread,
)

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the project runs on 3.11; 3.10 gets the same parser from tomli
    import tomli as tomllib

#: Largest |value| accepted for any entry.
MAX_ABS = 1e3
#: Shortest ``u``, ``v`` or ``x`` accepted: shorter ones draw nothing visible.
MIN_LENGTH = 1e-3

Vector: TypeAlias = tuple[float, ...]
Matrix: TypeAlias = tuple[Vector, ...]
Value: TypeAlias = Vector | Matrix

#: Every key, and how it is written.
KEY_HELP: dict[str, str] = {
    "W": "the frozen matrix, by rows: W=1,0;0,1",
    "u": "the learned output direction: u=1,0.5",
    "v": "the learned input direction: v=0.8,0.6",
    "x": "the input: x=1.5,-0.5",
    "U": "rank-2 output directions, by columns u1;u2: U=1,0,0.5;0,0.8,0.5",
    "V": "rank-2 input directions, by columns v1;v2: V=0.6,0.2,0.4;-0.3,0.7,0.2",
}
MATRIX_KEYS = frozenset({"W", "U", "V"})
#: Matrices given by columns (one vector per pair uᵢ, vᵢ) rather than by rows.
COLUMN_KEYS = frozenset({"U", "V"})

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_NOT_FINITE = re.compile(r"[+-]?(nan|inf|infinity)", re.IGNORECASE)
_TOML_POSITION = re.compile(r"\(at (?:line (\d+), column \d+|end of document)\)")


class ParamError(ValueError):
    """A parameter that cannot be used; the message is one line that names the fix."""


@dataclass(frozen=True)
class ModelKind:
    """What numbers a scene draws, and so which keys it takes."""

    name: str
    dim: int
    rank: int
    keys: tuple[str, ...]
    default: Callable[[], Example] | None = field(default=None, compare=False)


KINDS: dict[str, ModelKind] = {
    "none": ModelKind("none", 0, 0, ()),
    "rank1": ModelKind("rank1", 2, 1, ("W", "u", "v", "x"), default_rank_one),
    "rank2": ModelKind("rank2", 3, 2, ("W", "U", "V", "x"), default_rank_two),
}


@dataclass(frozen=True)
class SceneParams:
    """Validated parameter values, sorted by key: a plain, hashable value.

    ``sources`` says where each value came from (``--set`` or ``file, line N``), for error
    messages only; it takes no part in equality, hashing or the tag.
    """

    values: tuple[tuple[str, Value], ...] = ()
    sources: tuple[tuple[str, str], ...] = field(default=(), compare=False)

    def __bool__(self) -> bool:
        return bool(self.values)

    def as_dict(self) -> dict[str, Value]:
        return dict(self.values)

    def as_json(self) -> dict[str, Any]:
        """Plain lists, for the ``.params.json`` sidecar."""
        return {key: _as_lists(value) for key, value in self.values}

    def source(self, key: str) -> str:
        return dict(self.sources).get(key, "--set")

    @property
    def tag(self) -> str:
        """A short, stable name for these values (``p3fa2c1``), or ``""`` for none.

        Computed from the numbers as floats, so ``x=1.50`` and ``x=1.5`` share a tag.
        """
        if not self.values:
            return ""
        canonical = json.dumps(self.as_json(), sort_keys=True, separators=(",", ":"))
        return "p" + hashlib.sha256(canonical.encode()).hexdigest()[:6]

    def merged(self, override: SceneParams) -> SceneParams:
        """These values with ``override``'s on top (the command line beats a file)."""
        values = {**self.as_dict(), **override.as_dict()}
        sources = {**dict(self.sources), **dict(override.sources)}
        return _make(values, sources)


def _make(values: Mapping[str, Value], sources: Mapping[str, str]) -> SceneParams:
    keys = sorted(values)
    return SceneParams(
        values=tuple((k, values[k]) for k in keys),
        sources=tuple((k, sources[k]) for k in keys if k in sources),
    )


def _as_lists(value: Value) -> list[Any]:
    return [list(row) if isinstance(row, tuple) else row for row in value]


# Parsing ------------------------------------------------------------------------------------


def check_key(key: str) -> str:
    """``key`` if it is a known key, or a ParamError with the closest one."""
    if key in KEY_HELP:
        return key
    folded = [k for k in KEY_HELP if k.lower() == key.lower()]
    close = folded or difflib.get_close_matches(key, KEY_HELP, n=1, cutoff=0.6)
    hint = f"did you mean {close[0]} ({KEY_HELP[close[0]]})? " if close else ""
    raise ParamError(f"unknown key {key!r}: {hint}keys are {', '.join(KEY_HELP)}")


def check_number(key: str, value: float) -> float:
    """``value`` if it is finite and not absurdly large, else a ParamError naming ``key``."""
    if not math.isfinite(value):
        raise ParamError(f"{key}: {value} is not a finite number; give ordinary numbers")
    if abs(value) > MAX_ABS:
        raise ParamError(
            f"{key}: {value:g} is too large (|value| ≤ {MAX_ABS:g}); scale your numbers "
            "down, the picture is fitted to any size"
        )
    return float(value)


def parse_number(key: str, token: str) -> float:
    """One decimal number (``1.5``, ``-2``, ``3e-2``); nothing is evaluated."""
    text = token.strip()
    if _NOT_FINITE.fullmatch(text):
        raise ParamError(f"{key}: {text} is not a finite number; give ordinary numbers")
    if not _NUMBER.fullmatch(text):
        shown = text or "an empty entry"
        raise ParamError(
            f"{key}: {shown!r} is not a number; write decimal numbers separated by commas, "
            f"e.g. {KEY_HELP[key].rpartition(': ')[2]}"
        )
    return check_number(key, float(text))


def parse_value(key: str, text: str) -> Value:
    """A vector (``1.5,-0.5``) or, for W, U and V, a matrix (``1,0;0,1``)."""
    example = KEY_HELP[key].rpartition(": ")[2]
    if not text.strip():
        raise ParamError(f"{key} has no value; e.g. {example}")
    if key not in MATRIX_KEYS:
        if ";" in text:
            raise ParamError(f"{key} is a vector: one row of numbers, e.g. {example}")
        return tuple(parse_number(key, t) for t in text.split(","))
    if ";" not in text:
        what = "columns" if key in COLUMN_KEYS else "rows"
        # A bare ';' ends the command in a shell, which then hands over only the first row.
        raise ParamError(
            f"{key} is a matrix: separate its {what} with ';' and quote the value, as a shell "
            f"ends the command at a bare ';', e.g. --set '{example}'"
        )
    rows = tuple(tuple(parse_number(key, t) for t in row.split(",")) for row in text.split(";"))
    return _check_rectangular(key, rows)


def _check_rectangular(key: str, rows: Matrix) -> Matrix:
    lengths = sorted({len(r) for r in rows})
    if len(lengths) > 1:
        what = "columns" if key in COLUMN_KEYS else "rows"
        raise ParamError(
            f"{key}'s {what} have different lengths ({', '.join(map(str, lengths))}); "
            f"give each the same number of entries, e.g. {KEY_HELP[key].rpartition(': ')[2]}"
        )
    return rows


def parse_assignment(text: str) -> tuple[str, Value]:
    """``KEY=VALUE`` from ``--set``."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise ParamError(f"{text!r} is not KEY=VALUE; e.g. --set x=1.5,-0.5")
    name = check_key(key.strip())
    return name, parse_value(name, value)


def parse_assignments(texts: Iterable[str]) -> SceneParams:
    """Every ``--set`` given, each key at most once."""
    values: dict[str, Value] = {}
    for text in texts:
        key, value = parse_assignment(text)
        if key in values:
            raise ParamError(f"{key} is set twice; keep one --set {key}=…")
        values[key] = value
    return _make(values, dict.fromkeys(values, "--set"))


def _toml_value(key: str, raw: Any, where: str) -> Value:
    """A TOML value: a list of numbers, or for W/U/V a list of lists."""

    def number(item: Any) -> float:
        # bool is an int in Python; `true` is not a coordinate.
        if isinstance(item, bool) or not isinstance(item, int | float):
            raise ParamError(
                f"{where}: {key} holds {item!r}, not a number; write numbers without quotes, "
                f"e.g. {_toml_example(key)}"
            )
        return check_number(key, float(item))

    if not isinstance(raw, list) or not raw:
        raise ParamError(f"{where}: {key} must be a non-empty array, e.g. {_toml_example(key)}")
    if key in MATRIX_KEYS:
        if not all(isinstance(row, list) and row for row in raw):
            raise ParamError(
                f"{where}: {key} must be an array of arrays, e.g. {_toml_example(key)}"
            )
        return _check_rectangular(key, tuple(tuple(number(i) for i in row) for row in raw))
    if any(isinstance(item, list) for item in raw):
        raise ParamError(
            f"{where}: {key} is a vector: one array of numbers, e.g. {_toml_example(key)}"
        )
    return tuple(number(i) for i in raw)


def _toml_example(key: str) -> str:
    cli = KEY_HELP[key].rpartition(": ")[2].partition("=")[2]
    if key in MATRIX_KEYS:
        rows = ", ".join("[" + ", ".join(r.split(",")) + "]" for r in cli.split(";"))
        return f"{key} = [{rows}]"
    return f"{key} = [{', '.join(cli.split(','))}]"


def _key_lines(text: str) -> dict[str, int]:
    """The line each top-level key is set on, so later errors can point at it."""
    lines: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"\s*([A-Za-z_][A-Za-z0-9_-]*)\s*=", line)
        if match and match.group(1) not in lines:
            lines[match.group(1)] = number
    return lines


def load_params_file(path: Path) -> SceneParams:
    """Read a TOML parameter file; errors name the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ParamError(f"{path}: not a text file; give a UTF-8 TOML file") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ParamError(f"cannot read {path}: {reason}; check the path") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        # tomllib names the line, or says "end of document": the error is on the last line.
        line = found.group(1) if found and found.group(1) else max(1, len(text.splitlines()))
        place = f"line {line}"
        reason = _TOML_POSITION.sub("", message).strip().rstrip(".")
        raise ParamError(
            f"{path}, {place}: invalid TOML ({reason.lower()}); write KEY = [numbers], "
            "e.g. x = [1.5, -0.5]"
        ) from None
    lines = _key_lines(text)
    values: dict[str, Value] = {}
    sources: dict[str, str] = {}
    for key, raw in data.items():
        where = f"{path}, line {lines[key]}" if key in lines else str(path)
        try:
            name = check_key(key)
        except ParamError as exc:
            raise ParamError(f"{where}: {exc}") from None
        try:
            values[name] = _toml_value(name, raw, where)
        except ParamError as exc:
            message = str(exc)
            raise ParamError(
                message if message.startswith(where) else f"{where}: {message}"
            ) from None
        sources[name] = where
    if not values:
        raise ParamError(f"{path}: no parameters in it; set at least one, e.g. x = [1.5, -0.5]")
    return _make(values, sources)


def collect(assignments: Iterable[str] = (), params_file: Path | None = None) -> SceneParams:
    """The parameters from an optional file, with ``--set`` values on top."""
    from_file = load_params_file(params_file) if params_file is not None else SceneParams()
    return from_file.merged(parse_assignments(assignments))


# Checking against a scene --------------------------------------------------------------------


def check_for_scene(scene: str, kind_name: str, params: SceneParams) -> None:
    """Raise a ParamError if ``scene`` (of model kind ``kind_name``) cannot take ``params``."""
    kind = KINDS[kind_name]
    if not params:
        return
    if not kind.keys:
        raise ParamError(f"{scene} takes no parameters; drop --set/--params for it")
    for key, value in params.values:
        if key not in kind.keys:
            wanted = [k for k in kind.keys if k.lower() == key.lower()]
            hint = f"use {wanted[0]} ({KEY_HELP[wanted[0]]})" if wanted else "drop it"
            raise ParamError(
                f"{scene} takes {', '.join(kind.keys)}, not {key} ({params.source(key)}); {hint}"
            )
        _check_shape(scene, kind, key, value, params.source(key))


def _check_shape(scene: str, kind: ModelKind, key: str, value: Value, source: str) -> None:
    n = kind.dim
    space = f"{scene} is {n}-D"
    if key not in MATRIX_KEYS:
        if len(value) != n:
            raise ParamError(
                f"{key} ({source}) has {len(value)} numbers but {space}: give {n}, e.g. "
                f"{key}={','.join(['1'] * n)}"
            )
        return
    rows = len(value)
    cols = len(value[0])  # type: ignore[arg-type]
    if key == "W":
        if (rows, cols) != (n, n):
            identity = ";".join(
                ",".join("1" if i == j else "0" for j in range(n)) for i in range(n)
            )
            raise ParamError(
                f"W ({source}) is {rows}×{cols} but {space}: give {n} rows of {n}, e.g. "
                f"W={identity}"
            )
        return
    if (rows, cols) != (kind.rank, n):
        raise ParamError(
            f"{key} ({source}) has {rows} column(s) of {cols} but {scene} needs {kind.rank} of "
            f"{n} (one per rank), e.g. {KEY_HELP[key].rpartition(': ')[2]}"
        )


def build_example(scene: str, kind_name: str, params: SceneParams) -> Example | None:
    """The scene's default example with ``params`` put in, validated; ``None`` when the scene
    takes no parameters or none were given (the scene then uses its own default)."""
    check_for_scene(scene, kind_name, params)
    kind = KINDS[kind_name]
    if not params or kind.default is None:
        return None
    base = kind.default()
    given = params.as_dict()

    def column_matrix(key: str, fallback: np.ndarray) -> np.ndarray:
        # u, v (a vector) or U, V (columns) → n×r
        if key.upper() in given:
            columns: np.ndarray = np.array(given[key.upper()], dtype=float).T
            return columns
        if key.lower() in given and kind.rank == 1:
            return np.array(given[key.lower()], dtype=float).reshape(-1, 1)
        return fallback

    W = np.array(given["W"], dtype=float) if "W" in given else base.update.W
    U = column_matrix("U", base.update.U)
    V = column_matrix("V", base.update.V)
    x = np.array(given["x"], dtype=float) if "x" in given else base.x
    _check_not_degenerate(params, W, U, V, x)
    try:
        return Example(LowRankUpdate(W=W, U=U, V=V), x=x)
    except ValueError as exc:  # pragma: no cover - shapes were checked above
        raise ParamError(f"{scene}: {exc}") from None


def _check_not_degenerate(
    params: SceneParams, W: np.ndarray, U: np.ndarray, V: np.ndarray, x: np.ndarray
) -> None:
    def short(name: str, key: str, vec: np.ndarray, why: str) -> None:
        length = float(np.linalg.norm(vec))
        if length < MIN_LENGTH:
            where = params.source(key)
            raise ParamError(
                f"{name} ({where}) is zero (length {length:.2g} < {MIN_LENGTH:g}): {why}; give "
                f"it a non-zero entry"
            )

    rank = U.shape[1]
    for i in range(rank):
        sub = "" if rank == 1 else "₁₂"[i]
        key_u, key_v = ("u", "v") if rank == 1 else ("U", "V")
        short(f"u{sub}", key_u, U[:, i], "α u would be a point and the update would change nothing")
        short(f"v{sub}", key_v, V[:, i], "α = vᵀx would be 0 for every input")
    short("x", "x", x, "there would be no input to draw and every output would be 0")
    if not np.any(W):
        raise ParamError(
            f"W ({params.source('W')}) is all zeros: y = Wx would be 0 for every input, so "
            "there is no old output to update; give W a non-zero entry"
        )
    if rank == 2:
        u1, u2 = U[:, 0], U[:, 1]
        sine = float(np.linalg.norm(np.cross(u1, u2))) / float(
            np.linalg.norm(u1) * np.linalg.norm(u2)
        )
        if sine < 1e-3:
            raise ParamError(
                f"U ({params.source('U')}) has parallel columns: u₁ and u₂ span a line, not the "
                "plane span(u₁, u₂) the scene shows; make them point different ways"
            )
        # The scene shows x and two turns of it; their changes must differ.
        scale = float(np.linalg.norm(U @ V.T, 2)) * float(np.linalg.norm(x))
        if turn_spread(LowRankUpdate(W=W, U=U, V=V), x) < 1e-3 * scale:
            raise ParamError(
                f"x ({params.source('x')}) lies along v₁ and v₂, which are parallel: the other "
                "inputs RankTwoUpdate shows (turns of x) would get the same α₁, α₂ as each "
                "other; make V's columns point different ways, or turn x away from them"
            )
