"""The explorable figure beside a clip: readers drag x and watch y, α u and z move.

``render.py export SCENE --explorable`` (RankOneUpdate; InputSweep, whose x turns on the
circle through its starting point) writes, next to the clip's files:

* ``lowrank-explorable.js`` and ``lowrank-explorable.css`` — shared by every figure on a site
  (a vanilla custom element, ``<lowrank-explorable>``, drawing SVG; package data under
  ``lowrank_anim/web/static/``);
* ``SCENE.explorable.html`` — the snippet: a ``<div>`` holding the element, whose
  ``data-config`` JSON (W, u, v, the starting x, the drag square, the view, both themes'
  palette colours, the label texts) comes from the same model, ``--set``/``--params`` and
  palette as the video, with the poster image inside as the fallback for readers without
  script.  It has no blank line (CommonMark would end the HTML block there) and no brace
  (written as character references, so Liquid sees no tag), so Jekyll, MkDocs and any
  CommonMark renderer keep it whole;
* ``layouts/shortcodes/scene-explorable.html`` — the same block as a Hugo shortcode (Hugo drops raw
  HTML in content by default): copy ``layouts/`` into the site and write
  ``{{< rankoneupdate-explorable >}}``.

Nothing here runs inline script or inline style, so the figure works under
``Content-Security-Policy: script-src 'self'; style-src 'self'``.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from lowrank_anim.core.outputs import publish_together, scratch_dir
from lowrank_anim.maths.explorable_view import STEPS_PER_SIDE, explorable_view, grid_step
from lowrank_anim.maths.model import Example
from lowrank_anim.maths.palette import ROLES, THEMES, get_theme
from lowrank_anim.maths.params import KINDS, SceneParams, build_example
from lowrank_anim.registry import SceneSpec
from lowrank_anim.web.embed import attr, liquid_safe, url_for

#: The scenes that have an explorable figure so far.
EXPLORABLE_SCENES = ("RankOneUpdate", "InputSweep")
#: The scenes whose x stays on the circle through the starting x (only its angle moves).
CIRCLE_SCENES = ("InputSweep",)
#: The shared files, the same for every figure.
SCRIPT = "lowrank-explorable.js"
STYLE = "lowrank-explorable.css"
SNIPPET_SUFFIX = ".explorable.html"
SHORTCODE_DIR = "layouts/shortcodes"  # beside the clips' lowrank-clip.html, as Hugo lays them out

#: What the figure writes beside each arrow, and how its controls are named.
LABELS: dict[str, Any] = {
    "x": "x",
    "v": "v",
    "u": "u",
    "y": "y",
    "z": "z",
    "alpha": "αu",
    "handle": "tip of x",
    "circle": "tip of x, on a circle",
    # "_" marks a subscript (the page writes x<sub>1</sub>, which speech reads as "x 1").
    "ranges": ["x_1", "x_2"],
    "angle": "angle of x (°)",
    "hint": "Drag the tip of x, or focus it: arrow keys move it (Shift: 10 steps), "
    "Page Up/Down move it up or down, Home/End to the left or right edge.",
    "hint_circle": "Drag the tip of x, or focus it: arrow keys turn it (Shift: 10 steps), "
    "Page Up/Down turn it 10 steps, Home/End to 0° or 360°.",
}
#: What each figure shows, in words: its caption (the figure's accessible name).
CLAIMS = {
    "RankOneUpdate": "A rank-1 update adds αu to the old output y = Wx, where α = vᵀx: "
    "x along v changes z the most, and x at right angles to v gives α = 0, so z = y.",
    "InputSweep": "x turns around a circle: α = vᵀx is largest when x points along v, "
    "0 when x is at right angles to v (then z = y), and below 0 beyond, where αu points "
    "against u.",
}
#: Degrees an arrow key turns x on InputSweep's circle.
ANGLE_STEP = 2.0


#: The theme colours the figure uses besides the objects' own.
SURFACES = ("background", "text", "muted", "grid", "axes")
#: No custom numbers: the scene's own example.
NO_PARAMS = SceneParams()


class NotExplorableError(ValueError):
    """A scene without an explorable figure; the message names the ones that have one."""


def check_explorable(spec: SceneSpec) -> None:
    """Raise :class:`NotExplorableError` unless ``spec`` has an explorable figure."""
    if spec.name not in EXPLORABLE_SCENES:
        raise NotExplorableError(
            f"{spec.name} has no explorable figure yet; --explorable works for "
            f"{', '.join(EXPLORABLE_SCENES)}"
        )


def scene_example(spec: SceneSpec, params: SceneParams) -> Example:
    """The numbers the video draws: the scene's default, with ``--set``/``--params`` put in
    and checked by the same code (a :class:`~lowrank_anim.maths.params.ParamError` with the
    same one-line message)."""
    example = build_example(spec.name, spec.model, params)
    if example is not None:
        return example
    default = KINDS[spec.model].default
    if default is None:  # pragma: no cover - explorable scenes all draw a model
        raise NotExplorableError(f"{spec.name} draws no model")
    return default()


def _plain(values: Any) -> Any:
    return [_plain(v) for v in values] if hasattr(values, "__len__") else float(values)


def explorable_config(spec: SceneSpec, params: SceneParams = NO_PARAMS) -> dict[str, Any]:
    """The figure's configuration: the model's numbers, the drag square, the fitted view,
    both themes' colours and the label texts."""
    check_explorable(spec)
    example = scene_example(spec, params)
    update = example.update
    circle = spec.name in CIRCLE_SCENES
    half_width, view = explorable_view(example, circle)
    palette = {
        name: {key: getattr(theme, key) for key in (*ROLES, *SURFACES)}
        for name, theme in THEMES.items()
    }
    return {
        "scene": spec.name,
        "title": spec.description,
        "claim": CLAIMS[spec.name],
        "W": _plain(update.W),
        "u": _plain(update.u),
        "v": _plain(update.v),
        "x": _plain(example.x),
        "domain": half_width,
        "step": 2 * half_width / STEPS_PER_SIDE,
        "circle": circle,
        "angle_step": ANGLE_STEP,
        "view": view.as_json(),
        "grid": grid_step(view),
        "palette": palette,
        "labels": LABELS,
    }


def explorable_html(
    config: dict[str, Any],
    poster: str | None,
    base_url: str = "",
    stem: str | None = None,
    theme: str | None = None,
) -> str:
    """The snippet: a ``<div>`` with the stylesheet, the script and the element, the poster
    inside it; no blank line, no brace, every attribute escaped.

    ``theme`` (``render.py export --theme``) is the figure's default, written as
    ``data-default-theme``: the page's own theme wins when it states one (a ``data-theme``
    attribute, its ``color-scheme``, its background), and the reader's system decides when
    neither does."""
    if theme is not None:
        get_theme(theme)
    data = json.dumps(config, ensure_ascii=False, separators=(",", ":"))
    view = config["view"]
    inner = ""
    if poster is not None:
        inner = (
            f'<img src="{attr(url_for(base_url, poster))}" alt="{attr(config["title"])}" '
            f'width="{attr(int(view["width"]))}" loading="lazy">'
        )
    name = stem or config["scene"]
    default = f' data-default-theme="{attr(theme)}"' if theme else ""
    lines = [
        f'<div class="lowrank-explorable-wrap" id="{attr(name)}-explorable">',
        f'<link rel="stylesheet" href="{attr(url_for(base_url, STYLE))}">',
        f'<script src="{attr(url_for(base_url, SCRIPT))}" defer></script>',
        f'<lowrank-explorable{default} data-config="{attr(data)}">{inner}</lowrank-explorable>',
        "</div>",
    ]
    return liquid_safe("\n".join(lines) + "\n")


def shortcode_name(stem: str) -> str:
    """The Hugo shortcode's name for a scene's figure (``rankoneupdate-explorable``)."""
    return f"{stem.lower()}-explorable"


def static_asset(name: str) -> str:
    """The text of a shared file shipped with the package (``lowrank-explorable.js``)."""
    return (resources.files("lowrank_anim.web") / "static" / name).read_text(encoding="utf-8")


def write_explorable(
    spec: SceneSpec,
    output_dir: Path,
    params: SceneParams = NO_PARAMS,
    *,
    stem: str | None = None,
    poster: str | None = None,
    base_url: str = "",
    theme: str | None = None,
) -> list[Path]:
    """Write the shared script and style, the scene's snippet and its Hugo shortcode into
    ``output_dir``, all together and atomically; return their paths.  ``theme`` is the
    figure's default theme (see :func:`explorable_html`)."""
    config = explorable_config(spec, params)
    name = stem or spec.name
    snippet = explorable_html(config, poster, base_url, name, theme)
    texts = {
        Path(SCRIPT): static_asset(SCRIPT),
        Path(STYLE): static_asset(STYLE),
        Path(SHORTCODE_DIR) / f"{shortcode_name(name)}.html": snippet,
        Path(f"{name}{SNIPPET_SUFFIX}"): snippet,
    }
    output_dir.mkdir(parents=True, exist_ok=True)
    (output_dir / SHORTCODE_DIR).mkdir(parents=True, exist_ok=True)
    with scratch_dir(output_dir / f"{name}-explorable") as work:
        made: dict[Path, Path | None] = {}
        for relative, text in texts.items():
            produced = work / relative.name
            produced.write_text(text, encoding="utf-8")
            made[output_dir / relative] = produced
        return publish_together(made)
