"""The explorable figure (``render.py export SCENE --explorable``): its configuration comes from
the video's model, parameters and palette; its snippet survives Markdown and Liquid; and in a
real headless Chromium, under a strict Content-Security-Policy, a mouse drag, a touch drag,
arrow keys and the range inputs move x while y, α u and z follow the model exactly; and for
every reader: the page stays put, steps are exact decimals, the figure takes the blog's theme
and prints light, the slider keys follow the ARIA practices, speech hears each step once, a
phone gets readable letters and a 44-px handle, and axe-core (npm, `make node-deps`) finds
no violation and nothing it cannot decide, in both themes."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from fractions import Fraction
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
from tests.blog_engines import headless_chromium, serve, wait_for
from tests.conftest import ROOT, in_ci

HUGO = "layouts/shortcodes"

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


def test_the_export_theme_is_the_figures_default_and_is_checked(tmp_path: Path) -> None:
    """``theme`` (export's --theme) becomes data-default-theme: what the figure shows when the
    page says nothing it can read; no theme, no attribute (the reader's system decides)."""
    config = explorable_config(SCENE)
    parser = Elements()
    parser.feed(explorable_html(config, None, theme="light"))
    assert dict(parser.tags)["lowrank-explorable"]["data-default-theme"] == "light"
    assert "data-default-theme" not in explorable_html(config, None)
    with pytest.raises(KeyError, match="expected one of dark, light"):
        explorable_html(config, None, theme="sepia")
    write_explorable(SCENE, tmp_path, theme="dark")
    assert 'data-default-theme="dark"' in (tmp_path / "RankOneUpdate.explorable.html").read_text()


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


def page(snippet: str, extra: str = "", *, root: str = "", head: str = "") -> str:
    """A plain page around ``snippet``; ``root`` adds attributes to ``<html>``, ``head`` tags
    to ``<head>`` (a stylesheet: the CSP forbids inline style)."""
    return (
        f"<!doctype html><html lang=en{root}><head><meta charset=utf-8><title>figure</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<script src="violations.js"></script>{head}</head>'
        f"<body>\n<p>Before.</p>\n{snippet}{extra}<p>After.</p>\n</body></html>\n"
    )


def sheet(name: str) -> str:
    return f'<link rel="stylesheet" href="{name}">'


#: Stylesheets for the test pages: a dark blog, tall prose around the figure, a page that
#: names a colour scheme, one that follows the system, one with a picture behind the text.
SHEETS = {
    "dark.css": "body { background: #121212; color: #e8e8e8; }",
    "tall.css": ".tall { height: 1500px; }",
    "scheme-dark.css": ":root { color-scheme: dark; }",
    "scheme-both.css": ":root { color-scheme: light dark; }",
    "picture.css": "body { background-image: linear-gradient(#777, #888); color: #000; }",
}
#: name → (attributes on <html>, tags in <head>, attributes on the element)
THEMED_PAGES = {
    "plain": ("", "", ""),
    "attribute-dark": (' data-theme="dark"', sheet("dark.css"), ""),
    "background-dark": ("", sheet("dark.css"), ""),
    "scheme-dark": ("", sheet("scheme-dark.css"), ""),
    "meta-dark": ("", '<meta name="color-scheme" content="dark">', ""),
    "scheme-both": ("", sheet("scheme-both.css"), ""),
    "picture-default-light": ("", sheet("picture.css"), ' data-default-theme="light"'),
    "picture": ("", sheet("picture.css"), ""),
}


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
    for name, text in SHEETS.items():
        (root / name).write_text(text)
    for name, (attrs, head, element) in THEMED_PAGES.items():
        themed = snippet.replace("<lowrank-explorable ", f"<lowrank-explorable{element} ", 1)
        (root / f"{name}.html").write_text(page(themed, root=attrs, head=head))
    for name in ("plain", "attribute-dark"):
        attrs, head, _ = THEMED_PAGES[name]
        (root / f"sweep-{name}.html").write_text(page(sweep, root=attrs, head=head))
    tall = f'<div class="tall"></div>\n{snippet}<div class="tall"></div>\n'
    (root / "tall.html").write_text(page(tall, head=sheet("tall.css")))
    return root


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One headless Chromium for the module's fifty-odd pages (starting one per test cost
    about a minute of CPU); each test gets it reset by :func:`chromium`."""
    with headless_chromium(tmp_path_factory.mktemp("chromium-profile")) as driver:
        yield driver


@pytest.fixture
def chromium(browser: Any) -> Any:
    """The module's browser as a fresh one starts: a blank page, no emulated media or device,
    the default window. (Each test serves its pages on a new port, a new origin: no storage
    carries over.)"""
    browser.get("about:blank")
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "", "features": []})
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    browser.set_window_size(1280, 1000)
    browser.base = None
    return browser


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
    width: int = 900,
) -> Any:
    features = [
        {"name": "prefers-color-scheme", "value": scheme},
        {"name": "prefers-reduced-motion", "value": "reduce" if reduced else "no-preference"},
    ]
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": features})
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 1000, "deviceScaleFactor": density, "mobile": width < 600},
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
    assert announced(figure).startswith("α = ")
    assert ", z = (" in announced(figure)
    valuetext = handle.get_attribute("aria-valuetext")
    assert valuetext == f"x = ({', '.join(format_many(now['x']))})".replace("-", "\u2212")
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
        f"α = {format_many([now['alpha']])[0]}, z = ({', '.join(format_many(now['z']))})"
    ).replace("-", "\u2212")
    assert announced(figure) == expected
    handle = figure.find_element("css selector", ".lr-handle")
    where = f"x = ({', '.join(format_many(now['x']))})".replace("-", "\u2212")
    assert handle.get_attribute("aria-valuetext") == where
    # The slider's value follows the coordinate the last key moved: ↑ moved x₂.
    assert float(handle.get_attribute("aria-valuenow")) == now["x"][1]
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
        for (const r of svg.closest('lowrank-explorable').labelBoxes())
          if (r.x < 0 || r.y < 0 || r.x + r.width > b.width || r.y + r.height > b.height)
            out.push(r.name);
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
@pytest.mark.parametrize(("name", "scheme"), [("attribute-dark", "dark"), ("plain", "light")])
def test_z_tip_has_zs_palette_colour(figure: Any, density: float, name: str, scheme: str) -> None:
    open_figure(figure, f"{name}.html", density=density)
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
    assert "α = vTx = 2" in readout  # vᵀx, with T a superscript


#: For one position of x: labels that overlap another label, leave the figure, or cover an
#: arrow (points sampled along every arrow, the label's own included).
LABEL_PROBLEMS = """
const f = document.querySelector('lowrank-explorable'), svg = f.querySelector('svg');
f.setX(...arguments[0]);
const b = svg.viewBox.baseVal, boxes = [], problems = [];
for (const r of f.labelBoxes()) boxes.push([r.name, r]);
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
@pytest.mark.parametrize("width", [900, 375], ids=["desktop", "phone"])
@pytest.mark.parametrize(("name", "scene"), [("index.html", SCENE), ("sweep.html", SWEEP)])
def test_labels_never_overlap_each_other_an_arrow_or_the_edge(
    figure: Any, name: str, scene: SceneSpec, width: int
) -> None:
    """On a phone too, where the letters are larger for the drawing's size."""
    open_figure(figure, name, width=width)
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


# For every reader: a page that stays put, exact numbers, the blog's theme, WCAG 2.2 AA -------


def press(driver: Any, *keys: str, shift: bool = False) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    chain = ActionChains(driver)
    if shift:
        chain.key_down(Keys.SHIFT)
    chain.send_keys(*keys)
    if shift:
        chain.key_up(Keys.SHIFT)
    chain.perform()


def focus_handle(driver: Any) -> None:
    driver.execute_script("document.querySelector('.lr-handle').focus({preventScroll: true})")


@pytest.mark.browser
def test_the_page_stays_put_while_keys_and_a_drag_move_x(figure: Any) -> None:
    """With the figure's top scrolled above the window, the browser must not anchor the scroll
    to the moving drawing: no key press and no drag step may scroll the page, and the handle
    stays under the pointer."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.keys import Keys

    open_figure(figure, "tall.html")
    figure.execute_script(
        "const r = document.querySelector('lowrank-explorable svg').getBoundingClientRect();"
        "window.scrollTo(0, window.scrollY + r.top + r.height / 2 - 40);"
    )
    top = figure.execute_script(
        "return document.querySelector('lowrank-explorable svg').getBoundingClientRect().top"
    )
    assert top < -100, "the figure's top is above the window"
    scrolled = figure.execute_script("return window.scrollY")
    focus_handle(figure)
    keys = [Keys.ARROW_UP] * 6 + [Keys.ARROW_DOWN] * 9 + [Keys.ARROW_LEFT, Keys.ARROW_RIGHT]
    keys += [Keys.PAGE_UP, Keys.PAGE_DOWN, Keys.PAGE_DOWN, Keys.HOME, Keys.END]
    for key in keys:
        before = state(figure)["x"]
        press(figure, key)
        assert figure.execute_script("return window.scrollY") == scrolled, (key, before)
    x0, y0 = (round(a) for a in handle_centre(figure))
    pointer = ActionBuilder(figure)
    pointer.pointer_action.move_to_location(x0, y0).pointer_down()
    pointer.perform()
    for k in range(1, 9):
        pointer = ActionBuilder(figure)
        pointer.pointer_action.move_to_location(x0 - 12 * k, y0 - 9 * k)
        pointer.perform()
        assert figure.execute_script("return window.scrollY") == scrolled, k
        hx, hy = handle_centre(figure)
        # Snapped to the step: within half a step (a few pixels) of the pointer.
        assert np.hypot(hx - (x0 - 12 * k), hy - (y0 - 9 * k)) < 6, k
    pointer = ActionBuilder(figure)
    pointer.pointer_action.pointer_up()
    pointer.perform()
    assert figure.execute_script("return window.scrollY") == scrolled


#: How each key moves x (axis, steps; None puts x₁ at an edge), as the page's hint says.
KEY_MOVES: dict[str, tuple[int, int | None]] = {
    "ArrowLeft": (0, -1),
    "ArrowRight": (0, 1),
    "ArrowDown": (1, -1),
    "ArrowUp": (1, 1),
    "PageDown": (1, -10),
    "PageUp": (1, 10),
    "Home": (0, None),
    "End": (0, None),
}


def exact_model(config: dict[str, Any], x: list[Fraction]) -> dict[str, Any]:
    """The model's numbers in exact rationals, from the configuration's decimals."""
    W = [[Fraction(str(a)) for a in row] for row in config["W"]]
    u, v = ([Fraction(str(a)) for a in config[k]] for k in ("u", "v"))
    y = [W[i][0] * x[0] + W[i][1] * x[1] for i in (0, 1)]
    alpha = v[0] * x[0] + v[1] * x[1]
    return {"x": x, "y": y, "alpha": alpha, "z": [y[i] + alpha * u[i] for i in (0, 1)]}


def exact_step(config: dict[str, Any], x: list[Fraction], key: str, shift: bool) -> None:
    h, step = Fraction(str(config["domain"])), Fraction(str(config["step"]))
    axis, steps = KEY_MOVES[key]
    if steps is None:
        x[0] = -h if key == "Home" else h
        return
    times = 10 if shift and abs(steps) == 1 else 1
    x[axis] = min(h, max(-h, x[axis] + steps * times * step))


def check_exact(driver: Any, config: dict[str, Any], x: list[Fraction], what: str) -> None:
    """The element's numbers are the nearest doubles to the exact ones (no 1.5000000000000002,
    no 2e-16 for 0), and the readout and the live region write them as the video does."""
    exact = exact_model(config, x)
    now = state(driver)
    want: dict[str, Any] = {
        "x": [float(a) for a in exact["x"]],
        "y": [float(a) for a in exact["y"]],
        "alpha": float(exact["alpha"]),
        "z": [float(a) for a in exact["z"]],
    }
    assert {k: now[k] for k in want} == want, what
    col = lambda values: f"({', '.join(format_many(values))})".replace("-", "\u2212")  # noqa: E731
    alpha = format_many([want["alpha"]])[0].replace("-", "\u2212")
    readout = driver.execute_script("return document.querySelector('.lr-readout').textContent")
    assert f"x = {col(want['x'])}" in readout, what
    assert f"α = vTx = {alpha}" in readout, what
    assert f"z = y + αu = {col(want['z'])}" in readout, what
    assert announced(driver) == f"α = {alpha}, z = {col(want['z'])}", what


@pytest.mark.browser
def test_numbers_stay_exact_decimals_after_any_sequence_of_steps(figure: Any) -> None:
    open_figure(figure)
    config = explorable_config(SCENE)
    x = [Fraction(str(a)) for a in config["x"]]
    focus_handle(figure)
    # The case: twenty presses of ↑ from the start put x on v's perpendicular.
    for _ in range(20):
        press(figure, "\ue013")  # ↑
        exact_step(config, x, "ArrowUp", False)
    check_exact(figure, config, x, "twenty ↑")
    assert exact_model(config, x)["alpha"] == 0
    assert "α = vTx = 0" in figure.execute_script(
        "return document.querySelector('.lr-readout').textContent"
    )
    assert announced(figure).startswith("α = 0, ")
    selenium_key = {
        "ArrowLeft": "\ue012",
        "ArrowRight": "\ue014",
        "ArrowDown": "\ue015",
        "ArrowUp": "\ue013",
        "PageDown": "\ue00f",
        "PageUp": "\ue00e",
        "Home": "\ue011",
        "End": "\ue010",
    }
    rng = np.random.default_rng(23)
    for round_ in range(4):
        for _ in range(12):
            key = str(rng.choice(list(KEY_MOVES)))
            shift = bool(rng.random() < 0.3)
            press(figure, selenium_key[key], shift=shift)
            exact_step(config, x, key, shift)
        check_exact(figure, config, x, f"round {round_}")
    # A drag lands on the step grid too.
    from selenium.webdriver.common.action_chains import ActionChains

    handle = figure.find_element("css selector", ".lr-handle")
    ActionChains(figure).move_to_element(handle).click_and_hold().move_by_offset(
        37, -23
    ).release().perform()
    step = Fraction(str(config["step"]))
    x = [Fraction(str(a)) for a in state(figure)["x"]]
    assert all((a / step).denominator == 1 for a in x), x
    check_exact(figure, config, x, "drag")
    press(figure, selenium_key["ArrowDown"], selenium_key["ArrowLeft"])
    for key in ("ArrowDown", "ArrowLeft"):
        exact_step(config, x, key, False)
    check_exact(figure, config, x, "keys after the drag")


#: Every change of what assistive technology is told: the live region's text and the
#: slider's value text, recorded in order.
RECORD_SPEECH = """
window.spoken = [];
const f = document.querySelector('lowrank-explorable');
const status = f.querySelector('.lr-status'), handle = f.querySelector('.lr-handle');
new MutationObserver(() => window.spoken.push(['status', status.textContent]))
  .observe(status, {childList: true, characterData: true, subtree: true});
new MutationObserver(() => window.spoken.push(['value', handle.getAttribute('aria-valuetext')]))
  .observe(handle, {attributes: true, attributeFilter: ['aria-valuetext']});
"""


def spoken(driver: Any) -> list[tuple[str, str]]:
    return [tuple(item) for item in driver.execute_script("return window.spoken")]


@pytest.mark.browser
def test_each_step_is_announced_once_and_nothing_twice(figure: Any) -> None:
    """A key press changes the slider's value text (where x is) and the live region (what that
    did) once each, and neither repeats the other; a drag speaks once, when it ends."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_figure(figure)
    figure.execute_script(RECORD_SPEECH)
    focus_handle(figure)
    press(figure, Keys.ARROW_LEFT, Keys.ARROW_LEFT, Keys.ARROW_UP)
    said = spoken(figure)
    assert sorted(kind for kind, _ in said) == ["status"] * 3 + ["value"] * 3, said
    for kind, text in said:
        assert ("x = " in text) == (kind == "value"), said
        assert ("z = " in text) == (kind == "status"), said
    figure.execute_script("window.spoken = []")
    handle = figure.find_element("css selector", ".lr-handle")
    chain = ActionChains(figure).move_to_element(handle).click_and_hold()
    for _ in range(8):
        chain.move_by_offset(-9, 6)
    chain.release().perform()
    said = spoken(figure)
    assert sorted(kind for kind, _ in said) == ["status", "value"], said
    figure.execute_script("window.spoken = []")
    figure.find_elements("css selector", ".lr-range")[1].send_keys(Keys.ARROW_RIGHT * 3)
    said = spoken(figure)
    assert [kind for kind, _ in said if kind == "status"] == ["status"] * 3, said
    assert all("x = " not in text for kind, text in said if kind == "status"), said


@pytest.mark.browser
def test_slider_keys_follow_the_aria_practices_and_a_pointer_focuses(figure: Any) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    open_figure(figure)
    config = explorable_config(SCENE)
    h, step = config["domain"], config["step"]
    handle = figure.find_element("css selector", ".lr-handle")
    # A click focuses the handle, so the keys work after a drag.
    ActionChains(figure).move_to_element(handle).click_and_hold().move_by_offset(
        5, 0
    ).release().perform()
    assert figure.execute_script(
        "return document.activeElement === document.querySelector('.lr-handle')"
    )
    value = lambda: float(handle.get_attribute("aria-valuenow"))  # noqa: E731
    start = state(figure)["x"]
    press(figure, Keys.HOME)
    assert state(figure)["x"] == [-h, start[1]]
    assert value() == -h
    assert float(handle.get_attribute("aria-valuemin")) == -h
    press(figure, Keys.END)
    assert state(figure)["x"] == [h, start[1]]
    assert value() == h == float(handle.get_attribute("aria-valuemax"))
    press(figure, Keys.PAGE_DOWN)
    x2 = state(figure)["x"][1]
    assert x2 == pytest.approx(start[1] - 10 * step, abs=1e-12)
    assert value() == x2, "the value follows the coordinate the key moved"
    press(figure, Keys.PAGE_UP)
    assert state(figure)["x"][1] == start[1]
    press(figure, Keys.ARROW_LEFT)
    assert value() == state(figure)["x"][0] == h - step
    hint = figure.execute_script(
        "const h = document.querySelector('.lr-handle'),"
        "  hint = document.getElementById(h.getAttribute('aria-describedby'));"
        "const r = hint.getBoundingClientRect();"
        "return [hint.textContent, r.width > 0 && r.height > 0,"
        "  getComputedStyle(hint).visibility];"
    )
    assert hint[1], "the hint takes room on screen"
    assert hint[2] == "visible"
    for words in ("arrow keys", "Shift", "Page Up/Down", "Home/End"):
        assert words in hint[0]


@pytest.mark.browser
def test_input_sweep_has_the_slider_keys_too(figure: Any) -> None:
    from selenium.webdriver.common.keys import Keys

    open_figure(figure, "sweep.html")
    handle = figure.find_element("css selector", ".lr-handle")
    focus_handle(figure)
    press(figure, Keys.HOME)
    assert float(handle.get_attribute("aria-valuenow")) == 0
    assert state(figure)["x"][1] == 0
    press(figure, Keys.PAGE_UP)
    assert (
        float(handle.get_attribute("aria-valuenow")) == 10 * explorable_config(SWEEP)["angle_step"]
    )
    press(figure, Keys.END)
    assert float(handle.get_attribute("aria-valuenow")) == 360


def contrast_of(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    def lum(c: tuple[int, int, int]) -> float:
        lin = [
            v / 255 / 12.92 if v / 255 <= 0.04045 else ((v / 255 + 0.055) / 1.055) ** 2.4 for v in c
        ]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    high, low = sorted((lum(a), lum(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.browser
@pytest.mark.parametrize("name", ["plain", "attribute-dark"])
def test_the_focus_ring_changes_what_it_covers_by_3_to_1(figure: Any, name: str) -> None:
    """WCAG 1.4.11 for the focus indicator: where the ring is drawn, the pixels before and
    after focus differ by at least 3:1."""
    from selenium.webdriver.common.keys import Keys

    open_figure(figure, f"{name}.html")
    where = figure.execute_script(
        "const h = document.querySelector('.lr-handle'), r = h.getBoundingClientRect();"
        "const s = r.width / (2 * h.r.baseVal.value);"  # CSS pixels per SVG unit
        "const ring = document.querySelector('.lr-ring');"
        "const out = ring ? ring.r.baseVal.value * s : r.width / 2 + 1.5;"
        "return [r.left + r.width / 2 + out, r.top + r.height / 2];"
    )
    before = pixel(figure, where[0], where[1], 1.0)
    focus_handle(figure)
    press(figure, Keys.ARROW_RIGHT, Keys.ARROW_LEFT)  # the keyboard shows focus
    after = pixel(figure, where[0], where[1], 1.0)
    assert contrast_of(before, after) >= 3, (before, after)


@pytest.mark.browser
def test_on_a_phone_labels_are_readable_the_handle_is_44_px_and_the_height_holds(
    figure: Any,
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    open_figure(figure, width=375)
    sizes = figure.execute_script(
        "const svg = document.querySelector('lowrank-explorable svg');"
        "const fonts = [...document.querySelectorAll('.lr-label')]"
        "  .map((t) => parseFloat(getComputedStyle(t).fontSize));"
        "const h = svg.querySelector('.lr-handle').getBoundingClientRect();"
        "return {fonts, handle: Math.min(h.width, h.height),"
        "  svg: svg.getBoundingClientRect().width};"
    )
    assert sizes["svg"] < 375
    assert min(sizes["fonts"]) >= 12, sizes
    assert sizes["handle"] >= 44, sizes
    config = explorable_config(SCENE)
    h = config["domain"]
    height = "return document.querySelector('lowrank-explorable').getBoundingClientRect().height"
    first = figure.execute_script(height)
    rng = np.random.default_rng(5)
    corners = [[a * h, b * h] for a in (-1, 1) for b in (-1, 1)]
    for x in [*corners, *rng.uniform(-h, h, (30, 2)).tolist(), [0.001, -0.002]]:
        figure.execute_script(
            "document.querySelector('lowrank-explorable').setX(...arguments[0])", x
        )
        assert figure.execute_script(height) == first, x
    handle = figure.find_element("css selector", ".lr-handle")
    chain = ActionChains(figure).move_to_element(handle).click_and_hold()
    for _ in range(6):
        chain.move_by_offset(-15, 10)
    chain.release().perform()
    assert figure.execute_script(height) == first


#: name → the colour set the figure must show (the reader's system says the opposite, so a
#: figure that follows the system fails), as [page, system, expected].
THEME_CASES = [
    ("plain", "dark", "light"),  # a white page, whatever the system
    ("attribute-dark", "light", "dark"),
    ("background-dark", "light", "dark"),
    ("scheme-dark", "light", "dark"),
    ("meta-dark", "light", "dark"),
    ("scheme-both", "dark", "dark"),  # the page follows the system, so does the figure
    ("scheme-both", "light", "light"),
    ("picture-default-light", "dark", "light"),  # nothing to read: the export's --theme
    ("picture", "dark", "dark"),  # …and without one, the system
]


@pytest.mark.browser
@pytest.mark.parametrize(("name", "system", "expected"), THEME_CASES)
def test_the_figure_takes_the_pages_theme(
    figure: Any, name: str, system: str, expected: str
) -> None:
    open_figure(figure, f"{name}.html", scheme=system)
    colours = figure.execute_script(
        "const f = document.querySelector('lowrank-explorable .lr-figure');"
        "return [getComputedStyle(f).backgroundColor, getComputedStyle(f).color];"
    )
    theme = THEMES[expected]
    assert colours == [css_rgb(theme.background), css_rgb(theme.text)], name


def css_rgb(colour: str) -> str:
    return "rgb({}, {}, {})".format(*hex_rgb(colour))


@pytest.mark.browser
def test_the_figure_switches_when_the_blog_does(figure: Any) -> None:
    """A blog's dark-mode switch sets an attribute on <html>: the figure follows at once."""
    open_figure(figure, "plain.html", scheme="light")
    background = (
        "return getComputedStyle(document.querySelector('lowrank-explorable .lr-figure'))"
        ".backgroundColor"
    )
    assert figure.execute_script(background) == css_rgb(THEMES["light"].background)
    figure.execute_script("document.documentElement.setAttribute('data-theme', 'dark')")
    wait_for(
        lambda: figure.execute_script(background) == css_rgb(THEMES["dark"].background),
        "the figure to turn dark",
    )
    figure.execute_script("document.documentElement.setAttribute('data-theme', 'light')")
    wait_for(
        lambda: figure.execute_script(background) == css_rgb(THEMES["light"].background),
        "the figure to turn light",
    )


@pytest.mark.browser
def test_print_shows_the_light_figure(figure: Any) -> None:
    open_figure(figure, "attribute-dark.html")
    dark = [{"name": "prefers-color-scheme", "value": "dark"}]
    figure.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print", "features": dark})
    colours = figure.execute_script(
        "const f = document.querySelector('lowrank-explorable .lr-figure');"
        "const z = document.querySelector('.lr-arrow.lr-z polygon');"
        "return [getComputedStyle(f).backgroundColor,"
        "  getComputedStyle(document.querySelector('.lr-readout')).color,"
        "  getComputedStyle(z).fill];"
    )
    light = THEMES["light"]
    assert colours == [css_rgb(light.background), css_rgb(light.text), css_rgb(light.z)]
    figure.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def ax_nodes(driver: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = driver.execute_cdp_cmd("Accessibility.getFullAXTree", {})["nodes"]
    return [n for n in nodes if not n.get("ignored")]


def ax_value(node: dict[str, Any], key: str) -> Any:
    return (node.get(key) or {}).get("value")


def ax_property(node: dict[str, Any], name: str) -> Any:
    for prop in node.get("properties", []):
        if prop["name"] == name:
            return prop["value"].get("value")
    return None


@pytest.mark.browser
def test_the_accessibility_tree_names_the_figure_and_the_slider(figure: Any) -> None:
    open_figure(figure)
    nodes = ax_nodes(figure)
    figures = [n for n in nodes if ax_value(n, "role") == "figure"]
    assert len(figures) == 1
    name = ax_value(figures[0], "name")
    assert name.startswith("A rank-1 update adds αu"), name
    description = ax_value(figures[0], "description") or ""
    for given in ("u = (\u22121.5, 0.5)", "v = (0.5, \u22121)", "W has rows"):
        assert given in description, description
    sliders = [n for n in nodes if ax_value(n, "role") == "slider"]
    handle = [n for n in sliders if ax_value(n, "name") == "tip of x"]
    assert len(handle) == 1, [ax_value(n, "name") for n in sliders]
    assert ax_value(handle[0], "value") == 3  # x₁, the coordinate ←/→ move
    assert (ax_property(handle[0], "valuemin"), ax_property(handle[0], "valuemax")) == (-4, 4)
    # Chromium's DevTools protocol reports "valuetext" empty for every ARIA slider (a <div
    # role=slider> too), so the value text is read from the attribute the tree is built from.
    valuetext = figure.find_element("css selector", ".lr-handle").get_attribute("aria-valuetext")
    assert valuetext == "x = (3, \u22120.5)"
    assert "arrow keys" in (ax_value(handle[0], "description") or "")
    assert sorted(ax_value(n, "name") for n in sliders if n is not handle[0]) == ["x1", "x2"]
    # The SVG's letters are hidden: no stray "αu" or "v" text in the tree.
    texts = [ax_value(n, "name") for n in nodes if ax_value(n, "role") == "StaticText"]
    assert "αu" not in texts, texts
    in_drawing = []
    for node in nodes:
        if ax_value(node, "role") == "StaticText" and "backendDOMNodeId" in node:
            found = figure.execute_cdp_cmd(
                "DOM.resolveNode", {"backendNodeId": node["backendDOMNodeId"]}
            )
            inside = figure.execute_cdp_cmd(
                "Runtime.callFunctionOn",
                {
                    "objectId": found["object"]["objectId"],
                    "functionDeclaration": "function () {"
                    " return !!this.parentElement.closest('.lr-plot, svg'); }",
                    "returnByValue": True,
                },
            )
            if inside["result"]["value"]:
                in_drawing.append(ax_value(node, "name"))
    assert in_drawing == [], "the drawing's letters are hidden"
    spoken_text = " ".join(str(ax_value(n, "name")) for n in nodes)
    assert "ᵀ" not in spoken_text, "speech spells out the character's code"
    assert "₁" not in spoken_text


AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def axe_source() -> str:
    if not AXE.exists():
        message = "needs axe-core from npm: make node-deps (npm ci)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return AXE.read_text(encoding="utf-8")


@pytest.mark.browser
@pytest.mark.parametrize(("name", "scheme"), [("plain", "light"), ("attribute-dark", "dark")])
@pytest.mark.parametrize("scene", ["index", "sweep"])
def test_axe_finds_no_violation_and_nothing_it_cannot_decide(
    figure: Any, name: str, scheme: str, scene: str
) -> None:
    """axe-core (WCAG 2.0–2.2 A and AA): no violation, and no "incomplete" item — a contrast
    it could not measure is one a reader may not see."""
    open_figure(figure, f"{name}.html" if scene == "index" else f"sweep-{name}.html")
    wait_for(
        lambda: (
            figure.execute_script(
                "return document.querySelector('lowrank-explorable').dataset.lrScheme"
            )
            == scheme
        ),
        f"the {scheme} figure",
    )
    figure.execute_script(axe_source())
    result = figure.execute_async_script(
        "const done = arguments[0];"
        # The arrows' letters are one character each, which axe leaves unmeasured unless told
        # (it takes them for icon glyphs): measure them, with axe's own thresholds.
        "axe.configure({checks: [{id: 'color-contrast', options: {ignoreUnicode: true,"
        "  ignoreLength: true, ignorePseudo: false, boldValue: 700, boldTextPt: 14,"
        "  largeTextPt: 18, contrastRatio: {normal: {expected: 4.5}, large: {expected: 3}},"
        "  pseudoSizeThreshold: 0.25, shadowOutlineEmMax: 0.2, textStrokeEmMin: 0.03}}]});"
        "axe.run(document.querySelector('lowrank-explorable'), {runOnly: {type: 'tag',"
        "  values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})"
        "  .then((r) => done({violations: r.violations, incomplete: r.incomplete,"
        "    passes: Object.fromEntries(r.passes.map((p) => [p.id, p.nodes.map((n) => n.html)]))}),"
        "  (e) => done({error: String(e)}));"
    )
    assert "error" not in result, result
    found = {
        kind: [(item["id"], [n["html"][:80] for n in item["nodes"]]) for item in result[kind]]
        for kind in ("violations", "incomplete")
    }
    assert found == {"violations": [], "incomplete": []}
    measured = " ".join(result["passes"].get("color-contrast", []))
    for role in ("x", "v", "u", "y", "z", "alpha"):
        assert f'class="lr-label lr-{role}"' in measured, f"axe measured {role}'s label"
    assert 'class="lr-readout"' in measured or "lr-term" in measured


#: Each arrow's line as drawn: its stroke colour and the opacity it is painted with.
ARROW_COLOURS = """
const out = [];
for (const line of document.querySelectorAll('lowrank-explorable .lr-arrow line')) {
  let opacity = 1;
  for (let n = line; n && n.tagName !== 'svg'; n = n.parentNode)
    opacity *= parseFloat(getComputedStyle(n).opacity);
  out.push([line.parentNode.getAttribute('class'), getComputedStyle(line).stroke, opacity]);
}
return out;
"""


@pytest.mark.browser
@pytest.mark.parametrize(("name", "scheme"), [("plain", "light"), ("attribute-dark", "dark")])
def test_every_arrow_is_3_to_1_against_the_figure(figure: Any, name: str, scheme: str) -> None:
    """WCAG 1.4.11 as painted: each arrow's colour, blended by its opacity over the
    background, is at least 3:1 against the background."""
    open_figure(figure, f"{name}.html")
    background = hex_rgb(THEMES[scheme].background)
    arrows = figure.execute_script(ARROW_COLOURS)
    assert len(arrows) == 7
    low = []
    for role, stroke, opacity in arrows:
        colour = [int(c) for c in re.findall(r"\d+", stroke)[:3]]
        seen = tuple(
            round(opacity * c + (1 - opacity) * b) for c, b in zip(colour, background, strict=True)
        )
        if contrast_of(seen, background) < 3:
            low.append((role, stroke, opacity))
    assert low == []


@pytest.mark.browser
def test_a_figure_moved_in_the_page_still_follows_its_theme(figure: Any) -> None:
    open_figure(figure, "plain.html", scheme="light")
    figure.execute_script(
        "const f = document.querySelector('lowrank-explorable'); document.body.append(f);"
        "document.documentElement.setAttribute('data-theme', 'dark');"
    )
    wait_for(
        lambda: (
            figure.execute_script(
                "return document.querySelector('lowrank-explorable').dataset.lrScheme"
            )
            == "dark"
        ),
        "the moved figure to turn dark",
    )
