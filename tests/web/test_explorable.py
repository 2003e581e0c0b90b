"""The explorable figure (``render.py export SCENE --explorable``): its configuration comes from
the video's model, parameters and palette; its snippet survives Markdown and Liquid; and in a
real headless Chromium, under a strict Content-Security-Policy, a mouse drag, a touch drag,
arrow keys and the range inputs move x while y, α u and z follow the model exactly."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

import render
from lowrank_anim.maths.formatting import format_many, format_number, trim
from lowrank_anim.maths.palette import THEMES
from lowrank_anim.maths.params import ParamError, parse_assignments
from lowrank_anim.registry import SceneSpec, get_scene
from lowrank_anim.web.explorable import (
    SCRIPT,
    STYLE,
    explorable_config,
    explorable_html,
    static_asset,
    write_explorable,
)
from tests.blog_engines import serve, wait_for
from tests.web.test_web_clips import chromium

HUGO = "layouts/shortcodes"

__all__ = ["chromium"]  # the fixture, shared with the clip tests

SCENE = get_scene("RankOneUpdate")
SWEEP = get_scene("InputSweep")
CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'"


# The configuration and the snippet ------------------------------------------------------------


def test_config_holds_the_videos_numbers_and_palette() -> None:
    params = parse_assignments(["x=1.5,-0.5", "W=1,0.5;0,1"])
    config = explorable_config(SCENE, params)
    assert config["W"] == [[1.0, 0.5], [0.0, 1.0]]
    assert config["x"] == [1.5, -0.5]
    assert config["u"] == [-1.5, 0.5]
    assert config["v"] == [0.5, -1.0]
    for name, theme in THEMES.items():
        assert config["palette"][name]["z"] == theme.z
        assert config["palette"][name]["background"] == theme.background
    assert config["labels"]["alpha"] == "αu"


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("W=0,0;0,0", "W (--set) is all zeros"),
        ("x=a,1", "x: 'a' is not a number"),
        ("v=0,0", "v (--set) is zero"),
    ],
)
def test_bad_numbers_are_refused_with_the_set_message(assignment: str, message: str) -> None:
    """The function refuses them with the same ParamError, and the command with the same line
    `render.py render --set` prints, before anything is rendered."""
    runner = CliRunner()
    args = ["--set", assignment, "-o"]
    exported = runner.invoke(render.cli, ["export", "RankOneUpdate", "--explorable", *args, "x"])
    rendered = runner.invoke(render.cli, ["render", "RankOneUpdate", *args, "x"])
    assert exported.exit_code == rendered.exit_code == 2
    line = exported.output.strip()
    assert line.startswith(f"Error: Invalid value for '--set': {message}"), line
    assert line.replace("export", "render") == rendered.output.strip()
    assert "\n" not in line
    with pytest.raises(ParamError, match=re.escape(message)):
        explorable_config(SCENE, parse_assignments([assignment]))


def test_a_scene_without_a_figure_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        render.cli, ["export", "LinearMap", "--explorable", "-o", str(tmp_path)]
    )
    assert result.exit_code == 2
    assert result.output.startswith(
        "Error: LinearMap has no explorable figure yet; --explorable works for RankOneUpdate"
    )
    assert list(tmp_path.iterdir()) == []


class Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def test_snippet_is_one_html_block_without_inline_script_style_or_braces() -> None:
    config = explorable_config(SCENE)
    snippet = explorable_html(config, "RankOneUpdate.png", "/assets/clips")
    lines = snippet.splitlines()
    assert lines[0].startswith("<div ")
    assert lines[-1] == "</div>"
    assert all(line.strip() and not line[0].isspace() for line in lines), "no blank/indented line"
    assert "{" not in snippet, "Liquid/Hugo would see a tag"
    assert "}" not in snippet
    parser = Elements()
    parser.feed(snippet)
    tags = dict(parser.tags)
    assert tags["script"]["src"] == f"/assets/clips/{SCRIPT}"
    assert tags["link"]["href"] == f"/assets/clips/{STYLE}"
    assert tags["img"]["src"] == "/assets/clips/RankOneUpdate.png"
    assert not any(
        "style" in attrs or any(k.startswith("on") for k in attrs) for _, attrs in parser.tags
    )
    data = tags["lowrank-explorable"]["data-config"]
    assert data is not None
    assert json.loads(data) == json.loads(json.dumps(config))


def test_files_are_written_together_with_a_hugo_shortcode(tmp_path: Path) -> None:
    files = write_explorable(SCENE, tmp_path, poster="RankOneUpdate.png")
    names = sorted(str(p.relative_to(tmp_path)) for p in files)
    assert names == sorted(
        [SCRIPT, STYLE, "RankOneUpdate.explorable.html", f"{HUGO}/rankoneupdate-explorable.html"]
    )
    snippet = (tmp_path / "RankOneUpdate.explorable.html").read_text()
    assert (tmp_path / HUGO / "rankoneupdate-explorable.html").read_text() == snippet
    assert (tmp_path / SCRIPT).read_text() == static_asset(SCRIPT)
    assert not [p for p in tmp_path.rglob(".render-*")], "no scratch folder left"


def test_shared_files_have_no_eval_and_no_network() -> None:
    script = static_asset(SCRIPT)
    for banned in ("eval(", "new Function", "fetch(", "XMLHttpRequest", "innerHTML", "import("):
        assert banned not in script
    assert "@import" not in static_asset(STYLE)
    assert "url(" not in static_asset(STYLE)


# In a real browser, under a strict CSP ---------------------------------------------------------


#: Loaded first (a file: inline script is what the CSP forbids), it records every violation.
VIOLATION_LOG = (
    "window.violations = [];\n"
    "document.addEventListener('securitypolicyviolation', (e) =>\n"
    "  window.violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`));\n"
)


def page(snippet: str, extra: str = "") -> str:
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>figure</title>"
        '<script src="violations.js"></script></head>'
        f"<body>\n<p>Before.</p>\n{snippet}{extra}<p>After.</p>\n</body></html>\n"
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The exported figure beside a poster, and pages that embed it."""
    root = tmp_path_factory.mktemp("site")
    write_explorable(SCENE, root, poster="RankOneUpdate.png")
    Image.new("RGB", (64, 36), "#336699").save(root / "RankOneUpdate.png")
    (root / "violations.js").write_text(VIOLATION_LOG)
    snippet = (root / "RankOneUpdate.explorable.html").read_text()
    (root / "index.html").write_text(page(snippet))
    # The same page with one inline style attribute: the violation log must catch it.
    (root / "planted.html").write_text(page(snippet, '<p style="color:red">inline</p>\n'))
    write_explorable(SWEEP, root, poster="InputSweep.png")
    sweep = (root / "InputSweep.explorable.html").read_text()
    (root / "sweep.html").write_text(page(sweep))
    broken = re.sub(r'data-config="[^"]*"', 'data-config="not json"', snippet)
    (root / "broken.html").write_text(page(broken))
    return root


@pytest.fixture
def figure(site: Path, chromium: Any) -> Iterator[Any]:
    with serve(site, {"Content-Security-Policy": CSP}) as url:
        chromium.base = url
        yield chromium


def open_figure(
    driver: Any,
    name: str = "index.html",
    *,
    scheme: str = "dark",
    reduced: bool = False,
    density: float = 1.0,
) -> Any:
    features = [
        {"name": "prefers-color-scheme", "value": scheme},
        {"name": "prefers-reduced-motion", "value": "reduce" if reduced else "no-preference"},
    ]
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 900, "height": 1000, "deviceScaleFactor": density, "mobile": False},
    )
    driver.get(f"{driver.base}/{name}")
    wait_for(
        lambda: driver.execute_script(
            "const f = document.querySelector('lowrank-explorable'); return f && f.cfg && f.x"
        ),
        "the figure to start",
    )
    return driver.find_element("css selector", "lowrank-explorable")


def state(driver: Any) -> dict[str, Any]:
    result: dict[str, Any] = driver.execute_script(
        "return document.querySelector('lowrank-explorable').state"
    )
    return result


def model_of(config: dict[str, Any], x: list[float]) -> dict[str, np.ndarray]:
    W, u, v = (np.array(config[k], dtype=float) for k in ("W", "u", "v"))
    xv = np.array(x, dtype=float)
    return {"x": xv, "y": W @ xv, "z": W @ xv + float(v @ xv) * u, "alpha": np.array(v @ xv)}


#: Each tip, as drawn: the arrowhead's first point in the page's CSS pixels.
DRAWN_TIPS = """
const f = document.querySelector('lowrank-explorable'), svg = f.querySelector('svg');
const m = svg.getScreenCTM(), r = svg.getBoundingClientRect();
const out = {svg: [r.left, r.top, r.width]};
for (const role of ['x', 'y', 'z']) {
  const head = f.querySelector(`.lr-arrow.lr-${role} polygon`).points[0];
  const p = new DOMPoint(head.x, head.y).matrixTransform(m);
  out[role] = [p.x, p.y];
}
return out;
"""


def check_matches_model(driver: Any, scene: SceneSpec = SCENE) -> dict[str, Any]:
    """The element's numbers equal numpy's to 1e-9, and each drawn tip is within half a pixel of
    where the model's numbers belong on screen; returns the state."""
    config = explorable_config(scene)
    now = state(driver)
    expected = model_of(config, now["x"])
    np.testing.assert_allclose(now["z"], expected["z"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(now["y"], expected["y"], rtol=0, atol=1e-9)
    assert now["alpha"] == pytest.approx(float(expected["alpha"]), abs=1e-9)
    drawn = driver.execute_script(DRAWN_TIPS)
    left, top, width = drawn["svg"]
    view = config["view"]
    per_unit = width / (view["xmax"] - view["xmin"])
    for role in ("x", "y", "z"):
        point = expected[role]
        where = (
            left + (point[0] - view["xmin"]) * per_unit,
            top + (view["ymax"] - point[1]) * per_unit,
        )
        assert np.hypot(*(np.array(drawn[role]) - where)) <= 0.5, (role, drawn[role], where)
    return now


def announced(driver: Any) -> str:
    text: str = driver.execute_script(
        "return document.querySelector('lowrank-explorable .lr-status').textContent"
    )
    return text


def handle_centre(driver: Any) -> tuple[float, float]:
    centre: list[float] = driver.execute_script(
        "const r = document.querySelector('.lr-handle').getBoundingClientRect();"
        "return [r.left + r.width / 2, r.top + r.height / 2];"
    )
    return centre[0], centre[1]


def no_violations(driver: Any) -> None:
    assert driver.execute_script("return window.violations") == []


@pytest.mark.browser
def test_mouse_drag_moves_x_and_z_follows_the_model(figure: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    open_figure(figure)
    start = state(figure)["x"]
    handle = figure.find_element("css selector", ".lr-handle")
    ActionChains(figure).move_to_element(handle).click_and_hold().move_by_offset(
        -90, -70
    ).release().perform()
    now = check_matches_model(figure)
    assert now["x"][0] < start[0] - 0.5
    assert now["x"][1] > start[1] + 0.5
    assert announced(figure).startswith("x = (")
    assert "α = " in announced(figure)
    assert ", z = (" in announced(figure)
    no_violations(figure)


@pytest.mark.browser
def test_touch_drag_moves_x(figure: Any) -> None:
    open_figure(figure)
    start = state(figure)["x"]
    x0, y0 = handle_centre(figure)
    touch = functools.partial(figure.execute_cdp_cmd, "Input.dispatchTouchEvent")
    touch({"type": "touchStart", "touchPoints": [{"x": x0, "y": y0}]})
    for k in range(1, 6):
        touch({"type": "touchMove", "touchPoints": [{"x": x0 - 20 * k, "y": y0 + 15 * k}]})
    touch({"type": "touchEnd", "touchPoints": []})
    now = check_matches_model(figure)
    assert now["x"][0] < start[0] - 0.5
    assert now["x"][1] < start[1] - 0.5
    wait_for(lambda: announced(figure), "the announcement after the touch")
    no_violations(figure)


@pytest.mark.browser
def test_arrow_keys_move_x_by_the_step_and_announce_when_released(figure: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_figure(figure)
    config = explorable_config(SCENE)
    start = state(figure)["x"]
    figure.execute_script("document.querySelector('.lr-handle').focus()")
    keys = [Keys.ARROW_LEFT] * 3 + [Keys.ARROW_UP] * 2
    ActionChains(figure).send_keys(*keys).perform()
    now = check_matches_model(figure)
    step = config["step"]
    assert now["x"] == pytest.approx([start[0] - 3 * step, start[1] + 2 * step], abs=1e-12)
    # Written from the element's own numbers (numpy's agree to 1e-9, but a value on a rounding
    # tie, like 2.205, may round either way in its last bit).
    expected = (
        f"x = ({', '.join(format_many(now['x']))}), α = {format_many([now['alpha']])[0]}, "
        f"z = ({', '.join(format_many(now['z']))})"
    ).replace("-", "\u2212")
    assert announced(figure) == expected
    handle = figure.find_element("css selector", ".lr-handle")
    assert handle.get_attribute("aria-valuetext") == expected.split(", α")[0]
    assert float(handle.get_attribute("aria-valuenow")) == pytest.approx(now["x"][0])
    no_violations(figure)


@pytest.mark.browser
def test_range_input_moves_x1(figure: Any) -> None:
    from selenium.webdriver.common.keys import Keys

    open_figure(figure)
    start = state(figure)["x"]
    figure.find_elements("css selector", ".lr-range")[0].send_keys(Keys.ARROW_LEFT * 4)
    now = check_matches_model(figure)
    assert now["x"] == pytest.approx([start[0] - 4 * explorable_config(SCENE)["step"], start[1]])


@pytest.mark.browser
def test_x_is_clamped_so_no_arrow_leaves_the_figure(figure: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    open_figure(figure)
    handle = figure.find_element("css selector", ".lr-handle")
    ActionChains(figure).move_to_element(handle).click_and_hold().move_by_offset(
        250, 500
    ).release().perform()
    now = check_matches_model(figure)
    half = explorable_config(SCENE)["domain"]
    assert now["x"] == pytest.approx([half, -half])
    outside = figure.execute_script(
        """const svg = document.querySelector('lowrank-explorable svg'), b = svg.viewBox.baseVal;
        const out = [];
        for (const p of svg.querySelectorAll('.lr-arrow polygon')) for (const q of p.points)
          if (q.x < 0 || q.y < 0 || q.x > b.width || q.y > b.height) out.push([q.x, q.y]);
        for (const t of svg.querySelectorAll('.lr-label')) { const r = t.getBBox();
          if (r.x < 0 || r.y < 0 || r.x + r.width > b.width || r.y + r.height > b.height)
            out.push(t.textContent); }
        return out;"""
    )
    assert outside == []


def pixel(driver: Any, x: float, y: float, density: float) -> tuple[int, int, int]:
    shot = Image.open(BytesIO(driver.get_screenshot_as_png())).convert("RGB")
    rgb = shot.getpixel((round(x * density), round(y * density)))
    assert isinstance(rgb, tuple)
    return int(rgb[0]), int(rgb[1]), int(rgb[2])


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


@pytest.mark.browser
@pytest.mark.parametrize("density", [1.0, 2.0])
@pytest.mark.parametrize("scheme", ["dark", "light"])
def test_z_tip_has_zs_palette_colour(figure: Any, density: float, scheme: str) -> None:
    open_figure(figure, scheme=scheme, density=density)
    # The middle of z's arrowhead: solidly inside it, away from its anti-aliased edges.
    centroid = figure.execute_script(
        """const poly = document.querySelector('.lr-arrow.lr-z polygon'), m = poly.getScreenCTM();
        let x = 0, y = 0;
        for (const p of poly.points) {
          const q = new DOMPoint(p.x, p.y).matrixTransform(m); x += q.x / 3; y += q.y / 3; }
        return [x, y];"""
    )
    got = pixel(figure, centroid[0], centroid[1], density)
    want = hex_rgb(THEMES[scheme].z)
    assert max(abs(a - b) for a, b in zip(got, want, strict=True)) <= 2, (got, want)
    background = hex_rgb(THEMES[scheme].background)
    corner = figure.execute_script(
        "const r = document.querySelector('lowrank-explorable svg').getBoundingClientRect();"
        "return [r.left + 3, r.top + 3];"
    )
    assert pixel(figure, corner[0], corner[1], density) == background


@pytest.mark.browser
def test_strict_csp_logs_no_violation_and_the_log_can_catch_one(figure: Any) -> None:
    open_figure(figure)
    no_violations(figure)
    open_figure(figure, "planted.html")
    caught = figure.execute_script("return window.violations")
    assert caught, "the log missed the planted inline style"
    assert all("style-src" in v for v in caught), caught


@pytest.mark.browser
def test_reduced_motion_turns_the_only_transition_off_and_nothing_animates(figure: Any) -> None:
    duration = "return getComputedStyle(document.querySelector('.lr-handle')).transitionDuration"
    open_figure(figure)
    assert figure.execute_script(duration) == "0.2s"
    open_figure(figure, reduced=True)
    assert figure.execute_script(duration) == "0s"
    assert figure.execute_script("return document.getAnimations().length") == 0
    no_violations(figure)


@pytest.mark.browser
def test_the_poster_stays_when_the_figure_cannot_start(figure: Any) -> None:
    figure.get(f"{figure.base}/broken.html")
    wait_for(
        lambda: figure.execute_script("return !!customElements.get('lowrank-explorable')"), "script"
    )
    shown = figure.execute_script(
        "const img = document.querySelector('lowrank-explorable img');"
        "return img && img.complete && img.naturalWidth"
    )
    assert shown == 64


@pytest.mark.browser
def test_the_figure_works_as_a_plain_file(site: Path, chromium: Any) -> None:
    chromium.get((site / "index.html").as_uri())
    wait_for(
        lambda: chromium.execute_script(
            "const f = document.querySelector('lowrank-explorable'); return f && f.state"
        ),
        "the figure from a file:// page",
    )


@pytest.mark.browser
def test_numbers_are_written_as_the_video_writes_them(figure: Any) -> None:
    open_figure(figure)
    values = [2.0, -1.5, 0.05, 140.0, 0.000123, -0.0020, 1234.6, 0.3333333, -7.891, 1e-7, 0.0]
    ours = figure.execute_script(
        "const E = customElements.get('lowrank-explorable');"
        "return [arguments[0].map((v) => E.formatNumber(v)), E.formatMany(arguments[0])]",
        values,
    )
    assert ours[0] == [format_number(v, tex=False) for v in values]
    reference = max(abs(v) for v in values)
    assert ours[1] == [trim(format_number(v, reference, tex=False)) for v in values]
    # The readout shows them the same way (with a typographic minus).
    readout = figure.execute_script("return document.querySelector('.lr-readout').textContent")
    assert "y = Wx = (2.7, 1.4)" in readout
    assert "z = y + αu = (\u22120.3, 2.4)" in readout
    assert "α = vᵀx = 2" in readout


#: For one position of x: labels that overlap another label, leave the figure, or cover an
#: arrow (points sampled along every arrow, the label's own included).
LABEL_PROBLEMS = """
const f = document.querySelector('lowrank-explorable'), svg = f.querySelector('svg');
f.setX(...arguments[0]);
const b = svg.viewBox.baseVal, boxes = [], problems = [];
for (const t of svg.querySelectorAll('.lr-label')) boxes.push([t.textContent, t.getBBox()]);
const points = [];
for (const line of svg.querySelectorAll('.lr-arrow line')) {
  const [x1, y1, x2, y2] = ['x1', 'y1', 'x2', 'y2'].map((k) => line[k].baseVal.value);
  for (let s = 0; s <= 1; s += 1 / 50) points.push([x1 + (x2 - x1) * s, y1 + (y2 - y1) * s]);
}
for (const [name, r] of boxes) {
  if (r.x < 0 || r.y < 0 || r.x + r.width > b.width || r.y + r.height > b.height)
    problems.push(`${name} leaves the figure`);
  for (const [other, o] of boxes)
    if (other < name && r.x < o.x + o.width && o.x < r.x + r.width && r.y < o.y + o.height
        && o.y < r.y + r.height) problems.push(`${name} overlaps ${other}`);
  if (points.some(([px, py]) => px > r.x && px < r.x + r.width && py > r.y && py < r.y + r.height))
    problems.push(`${name} covers an arrow`);
}
return problems;
"""


@pytest.mark.browser
@pytest.mark.parametrize(("name", "scene"), [("index.html", SCENE), ("sweep.html", SWEEP)])
def test_labels_never_overlap_each_other_an_arrow_or_the_edge(
    figure: Any, name: str, scene: SceneSpec
) -> None:
    open_figure(figure, name)
    config = explorable_config(scene)
    h, v = config["domain"], np.array(config["v"])
    along = v / np.linalg.norm(v) * h * 0.9
    positions = {
        "start": config["x"],
        **{f"corner {c}": [c[0] * h, c[1] * h] for c in ((1, 1), (1, -1), (-1, 1), (-1, -1))},
        "along v (alpha largest)": along.tolist(),
        "perpendicular to v (alpha 0)": [-along[1], along[0]],
        "small": [0.1, 0.05],
    }
    rng = np.random.default_rng(3)
    positions.update({f"random {i}": rng.uniform(-h, h, 2).tolist() for i in range(12)})
    for name, x in positions.items():
        assert figure.execute_script(LABEL_PROBLEMS, x) == [], name


@pytest.mark.render
def test_export_writes_the_figure_beside_the_clip_with_the_same_numbers(tmp_path: Path) -> None:
    """One real low-quality export: the snippet sits beside the clip, its poster is the clip's
    poster, and its numbers are the ones --set gave the video."""
    web = tmp_path / "web"
    result = CliRunner().invoke(
        render.cli,
        [
            "export",
            "RankOneUpdate",
            "--explorable",
            "--set",
            "x=1.5,-0.5",
            "-q",
            "low",
            "-o",
            f"{web}",
        ],
        prog_name="render.py",
    )
    assert result.exit_code == 0, result.output
    clip = json.loads(next(web.glob("RankOneUpdate-p*.clip.json")).read_text())
    stem = Path(clip["files"]["poster"]["name"]).stem
    printed = {Path(line.rsplit("  ", 1)[0].strip()) for line in result.stdout.splitlines()}
    for name in (SCRIPT, STYLE, f"{stem}.explorable.html", f"{stem}.mp4", f"{stem}.png"):
        assert web / name in printed, name
    assert web / "layouts" / "shortcodes" / f"{stem.lower()}-explorable.html" in printed
    parser = Elements()
    parser.feed((web / f"{stem}.explorable.html").read_text())
    tags = dict(parser.tags)
    assert tags["img"]["src"] == f"{stem}.png"
    data = tags["lowrank-explorable"]["data-config"]
    assert data is not None
    assert json.loads(data)["x"] == [1.5, -0.5]
    assert json.loads(data) == json.loads(
        json.dumps(explorable_config(SCENE, parse_assignments(["x=1.5,-0.5"])))
    )


@pytest.mark.browser
def test_input_sweep_keys_and_drags_turn_x_on_its_circle(figure: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_figure(figure, "sweep.html")
    config = explorable_config(SWEEP)
    radius = config["domain"]
    start = np.array(state(figure)["x"])
    assert np.linalg.norm(start) == pytest.approx(radius, abs=1e-12)
    figure.execute_script("document.querySelector('.lr-handle').focus()")
    ActionChains(figure).send_keys(*[Keys.ARROW_UP] * 5).perform()
    now = check_matches_model(figure, SWEEP)
    turned = np.degrees(np.arctan2(now["x"][1], now["x"][0]) - np.arctan2(start[1], start[0]))
    assert turned % 360 == pytest.approx(5 * config["angle_step"], abs=1e-9)
    assert np.linalg.norm(now["x"]) == pytest.approx(radius, abs=1e-9)
    handle = figure.find_element("css selector", ".lr-handle")
    ActionChains(figure).move_to_element(handle).click_and_hold().move_by_offset(
        -150, -40
    ).release().perform()
    dragged = check_matches_model(figure, SWEEP)
    assert np.linalg.norm(dragged["x"]) == pytest.approx(radius, abs=1e-9)
    assert not np.allclose(dragged["x"], now["x"])
    angle_range = figure.find_elements("css selector", ".lr-range")
    assert len(angle_range) == 1
    assert figure.execute_script("return arguments[0].max", angle_range[0]) == "360"
    no_violations(figure)
