"""The explorable figure through every blog engine, built for real: ``export --explorable``'s
snippet pasted into a Jekyll and an MkDocs page and its shortcode into a Hugo page, each site
built, served under a strict Content-Security-Policy and driven in headless Chromium — the arrow
keys move x, and z follows the model, with no CSP violation; and the figure takes the blog's
theme, not the reader's system's, and switches when the blog's own dark mode does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import render
from lowrank_anim.maths.palette import THEMES
from tests.blog_engines import BUILDERS, CLIPS_URL, PAGE_URL, serve, wait_for
from tests.web.test_explorable import CSP, check_matches_model, css_rgb, state
from tests.web.test_web_clips import chromium

__all__ = ["chromium"]  # the fixture

SCENE = "RankOneUpdate"
#: The figure's strict policy, plus the site's own web fonts (MkDocs' theme serves some).
SITE_CSP = f"{CSP}; font-src 'self'"
#: Every CSP violation, with whether it came from the figure: its element (an inline style or
#: script inside it) or its files. Installed before any page script runs.
VIOLATION_LOG = """
window.violations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const t = e.target, inside = !!(t && t.closest && t.closest('lowrank-explorable, div'));
  const ours = inside && !!t.closest('lowrank-explorable')
    || /lowrank-explorable/.test(e.blockedURI + ' ' + e.sourceFile);
  window.violations.push({directive: e.violatedDirective, uri: e.blockedURI, ours: ours});
}, true);
"""
#: MkDocs' own theme has inline scripts and style attributes; our layouts have none.
THEME_HAS_INLINE = {"mkdocs"}
#: How each blog turns dark: MkDocs' own theme sets Bootstrap's data-bs-theme on <html> (its
#: colour-mode switch); the bare Jekyll and Hugo layouts have none, so the attribute the
#: figure's documentation names.
DARK_SWITCH = {"mkdocs": "data-bs-theme", "jekyll": "data-theme", "hugo": "data-theme"}
FIGURE_BACKGROUND = (
    "return getComputedStyle(document.querySelector('lowrank-explorable .lr-figure'))"
    ".backgroundColor"
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    web = tmp_path_factory.mktemp("explorable-engines") / "web"
    args = ["export", SCENE, "-q", "low", "--explorable", "--base-url", CLIPS_URL, "-o", str(web)]
    result = CliRunner().invoke(render.cli, args, prog_name="render.py")
    assert result.exit_code == 0, result.output
    return web


def page_for(engine: str, web: Path) -> str:
    """Prose, the figure as the README says to paste it for ``engine``, prose."""
    if engine == "hugo":
        figure = "{{< rankoneupdate-explorable >}}"
    else:
        figure = (web / f"{SCENE}.explorable.html").read_text(encoding="utf-8").strip()
    return f"Drag x and watch z.\n\n{figure}\n\nInputs orthogonal to v are untouched.\n"


@pytest.mark.sites
@pytest.mark.render
@pytest.mark.browser
@pytest.mark.parametrize("engine", sorted(BUILDERS))
def test_the_figure_works_in_a_real_site_under_a_strict_csp_in_the_blogs_theme(
    engine: str, exported: Path, chromium: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    site = BUILDERS[engine](page_for(engine, exported), exported, tmp_path)
    built = (site / PAGE_URL.strip("/") / "index.html").read_text(encoding="utf-8")
    assert "raw HTML omitted" not in built
    assert built.count("<lowrank-explorable") == 1, built
    chromium.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": VIOLATION_LOG})
    # The reader's system is dark; the blog is light.
    dark_system = [{"name": "prefers-color-scheme", "value": "dark"}]
    chromium.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": dark_system})
    with serve(site, {"Content-Security-Policy": SITE_CSP}) as base:
        chromium.get(base + PAGE_URL)
        wait_for(
            lambda: chromium.execute_script(
                "const f = document.querySelector('lowrank-explorable'); return f && f.cfg && f.x"
            ),
            f"the figure to start in the {engine} page",
        )
        assert chromium.execute_script(FIGURE_BACKGROUND) == css_rgb(THEMES["light"].background)
        chromium.execute_script(
            "document.documentElement.setAttribute(arguments[0], 'dark')", DARK_SWITCH[engine]
        )
        wait_for(
            lambda: (
                chromium.execute_script(FIGURE_BACKGROUND) == css_rgb(THEMES["dark"].background)
            ),
            f"the figure to follow the {engine} blog into its dark mode",
        )
        parent = chromium.execute_script(
            "return document.querySelector('lowrank-explorable').parentElement.tagName"
        )
        assert parent == "DIV", "no engine wrapped the element in a paragraph"
        start = state(chromium)["x"]
        chromium.execute_script("document.querySelector('.lr-handle').focus()")
        ActionChains(chromium).send_keys(
            Keys.ARROW_RIGHT, Keys.ARROW_RIGHT, Keys.ARROW_DOWN
        ).perform()
        now = check_matches_model(chromium)
        assert now["x"] != start
        violations = chromium.execute_script("return window.violations")
        assert [v for v in violations if v["ours"]] == [], "the figure breaks a strict CSP"
        if engine not in THEME_HAS_INLINE:
            assert violations == []


@pytest.mark.sites
@pytest.mark.render
@pytest.mark.browser
def test_the_violation_log_catches_an_inline_style_on_the_figure(
    exported: Path, chromium: Any, tmp_path: Path
) -> None:
    """The check above can fail: the same page with one inline style planted on the element."""
    planted = page_for("jekyll", exported).replace(
        "<lowrank-explorable ", '<lowrank-explorable style="outline:red" ', 1
    )
    site = BUILDERS["jekyll"](planted, exported, tmp_path)
    chromium.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": VIOLATION_LOG})
    with serve(site, {"Content-Security-Policy": SITE_CSP}) as base:
        chromium.get(base + PAGE_URL)
        wait_for(
            lambda: chromium.execute_script("return window.violations.length"),
            "the planted violation",
        )
        violations = chromium.execute_script("return window.violations")
    assert [v["directive"] for v in violations if v["ours"]] == ["style-src-attr"]
