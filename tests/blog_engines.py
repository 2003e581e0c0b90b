"""Real blog engines for the tests: build a Jekyll, Hugo or MkDocs site around one Markdown page
and an export's files, serve it with HTTP Range support, and drive it in headless Chromium.

Every builder takes the page's Markdown (without front matter) and the export folder, and
returns the built site's folder, where the page is ``post/index.html`` and the export's files
are under :data:`CLIPS_URL` — so export with ``--base-url /clips``.  The sites use each engine's
default configuration; they add only a minimal page layout (an engine with no theme writes no
HTML at all) and, for Hugo, the shortcode the export writes, where the README says it goes.
A build that fails fails the test with the engine's own output.  Reused by the tests of the
other blog-facing outputs (``tests/web/test_blog_engines.py``, ``tests/web/test_web_clips.py``).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, BinaryIO

import pytest

from lowrank_anim.web.embed import HUGO_SHORTCODE_PATH
from tests.conftest import in_ci

#: Where every test site serves the export's files (export with ``--base-url /clips``).
CLIPS_URL = "/clips"
#: Where every test site puts the page.
PAGE_URL = "/post/"
TITLE = "What is going on with low-rank updates?"

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def require_tool(name: str, package: str) -> str:
    """The path of ``name``; fail in CI, skip elsewhere, when it is not installed."""
    found = shutil.which(name)
    if found is None:
        message = f"needs {name}: apt-get install {package} (make system-deps-test)"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return found


def run_engine(engine: str, command: list[str], cwd: Path) -> None:
    """Run a site build; a failure fails the test with the engine's own messages.

    ``make check`` builds no sites (``LOWRANK_TEST_NO_SITES=1``): a test that builds one
    without the ``sites`` marker fails here instead of quietly slowing the fast loop."""
    if os.environ.get("LOWRANK_TEST_NO_SITES") == "1":
        pytest.fail(f"make check builds no {engine} site: mark this test sites", pytrace=False)
    result = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )
    if result.returncode != 0:
        output = (result.stderr + result.stdout).strip()
        pytest.fail(f"{engine} build failed (exit {result.returncode}):\n{output}", pytrace=False)


def copy_clips(assets: Path, target: Path) -> None:
    """The export's media into ``target``, as the README says: not its folders (the LaTeX
    store, the Hugo layouts) nor the snippets (MkDocs would make each ``.md`` a page)."""
    target.mkdir(parents=True, exist_ok=True)
    for path in assets.iterdir():
        if path.is_file() and not path.name.startswith(".") and ".embed." not in path.name:
            shutil.copyfile(path, target / path.name)


PAGE_LAYOUT = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main>
{content}
</main></body></html>
"""


def build_jekyll(markdown: str, assets: Path, workdir: Path) -> Path:
    """Debian's ``jekyll`` (kramdown, Liquid): the page as a post with a permalink, like the
    seed post's."""
    jekyll = require_tool("jekyll", "jekyll")
    source, site = workdir / "jekyll-src", workdir / "jekyll-site"
    (source / "_layouts").mkdir(parents=True)
    (source / "_posts").mkdir()
    (source / "_config.yml").write_text(f"title: {TITLE}\n", encoding="utf-8")
    layout = PAGE_LAYOUT.format(title="{{ page.title }}", content="{{ content }}")
    (source / "_layouts" / "default.html").write_text(layout, encoding="utf-8")
    front = f'---\nlayout: default\ntitle: "{TITLE}"\npermalink: {PAGE_URL}\nmathjax: true\n---\n'
    post = source / "_posts" / "2026-12-01-low-rank-updates.md"
    post.write_text(front + markdown, encoding="utf-8")
    copy_clips(assets, source / CLIPS_URL.strip("/"))
    run_engine("jekyll", [jekyll, "build", "--source", str(source), "--destination", str(site)],
               workdir)  # fmt: skip
    return site


def build_hugo(markdown: str, assets: Path, workdir: Path) -> Path:
    """Debian's ``hugo`` with its default configuration (Goldmark drops raw HTML), the export's
    ``layouts/`` (its shortcodes) copied into the site."""
    hugo = require_tool("hugo", "hugo")
    source, site = workdir / "hugo-src", workdir / "hugo-site"
    (source / "content").mkdir(parents=True)
    (source / "layouts" / "_default").mkdir(parents=True)
    (source / "hugo.toml").write_text(
        f'baseURL = "http://localhost/"\ntitle = "{TITLE}"\n', encoding="utf-8"
    )
    layout = PAGE_LAYOUT.format(title="{{ .Title }}", content="{{ .Content }}")
    (source / "layouts" / "_default" / "single.html").write_text(layout, encoding="utf-8")
    # The export's layouts/ (the clip shortcode, an explorable figure's), as the README says.
    if (assets / HUGO_SHORTCODE_PATH.parts[0]).is_dir():
        shutil.copytree(
            assets / HUGO_SHORTCODE_PATH.parts[0], source / "layouts", dirs_exist_ok=True
        )
    front = f'---\ntitle: "{TITLE}"\n---\n'
    (source / "content" / "post.md").write_text(front + markdown, encoding="utf-8")
    copy_clips(assets, source / "static" / CLIPS_URL.strip("/"))
    run_engine("hugo", [hugo, "--source", str(source), "--destination", str(site)], workdir)
    return site


def build_mkdocs(markdown: str, assets: Path, workdir: Path) -> Path:
    """MkDocs from PyPI (the ``dev`` extra) with its own ``mkdocs`` theme and default Markdown
    extensions; highlight.js off, so the page loads nothing from the network."""
    pytest.importorskip("mkdocs", reason="needs mkdocs: make venv (the dev extra)")
    source, site = workdir / "mkdocs-src", workdir / "mkdocs-site"
    docs = source / "docs"
    docs.mkdir(parents=True)
    (source / "mkdocs.yml").write_text(
        f'site_name: "{TITLE}"\ntheme:\n  name: mkdocs\n  highlightjs: false\n', encoding="utf-8"
    )
    (docs / "index.md").write_text(f"# {TITLE}\n\n[The post](post.md)\n", encoding="utf-8")
    (docs / "post.md").write_text(markdown, encoding="utf-8")
    copy_clips(assets, docs / CLIPS_URL.strip("/"))
    command = [sys.executable, "-m", "mkdocs", "build", "--quiet", "--site-dir", str(site)]
    run_engine("mkdocs", command, source)
    return site


BUILDERS: dict[str, Callable[[str, Path, Path], Path]] = {
    "jekyll": build_jekyll,
    "hugo": build_hugo,
    "mkdocs": build_mkdocs,
}


# Serving ----------------------------------------------------------------------------------


RANGE = re.compile(r"bytes=(\d*)-(\d*)")


class RangeRequestHandler(SimpleHTTPRequestHandler):
    """A static file server that answers a single ``Range: bytes=…`` with 206 Partial Content
    (what browsers ask for media, and need to seek), 416 when it lies past the end."""

    extensions_map = {  # noqa: RUF012 (the base class declares it this way)
        **SimpleHTTPRequestHandler.extensions_map,
        ".mp4": "video/mp4",
        ".webm": "video/webm",
        ".vtt": "text/vtt",
    }
    range_length: int | None = None

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def send_head(self) -> Any:
        self.range_length = None
        path = self.translate_path(self.path)
        match = RANGE.fullmatch(self.headers.get("Range", "").strip())
        if match is None or not os.path.isfile(path) or match.groups() == ("", ""):
            return super().send_head()
        size = os.path.getsize(path)
        first, last = match.groups()
        if first:
            start, end = int(first), min(int(last), size - 1) if last else size - 1
        else:  # bytes=-N: the last N bytes
            start, end = max(0, size - int(last)), size - 1
        if start >= size or end < start:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return None
        f = open(path, "rb")  # noqa: SIM115 (closed by the handler after copyfile)
        f.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(path))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self.range_length = end - start + 1
        return f

    def copyfile(self, source: Any, outputfile: Any) -> None:
        remaining = self.range_length
        if remaining is None:
            super().copyfile(source, outputfile)
            return
        reader: BinaryIO = source
        while remaining > 0:
            chunk = reader.read(min(1 << 16, remaining))
            if not chunk:
                break
            outputfile.write(chunk)
            remaining -= len(chunk)


@contextmanager
def serve(directory: Path, headers: dict[str, str] | None = None) -> Iterator[str]:
    """Serve ``directory`` on 127.0.0.1 (any free port) with Range support, adding ``headers``
    (a Content-Security-Policy, say) to every response; yields the base URL."""

    class Handler(RangeRequestHandler):
        def end_headers(self) -> None:
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            super().end_headers()

    handler = functools.partial(Handler, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# The browser ------------------------------------------------------------------------------


@contextmanager
def headless_chromium(profile: Path) -> Iterator[Any]:
    """Debian's chromium through Selenium and /usr/bin/chromedriver, headless and muted."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        if in_ci():
            pytest.fail("chromium and chromium-driver are missing: run `make system-deps-test`")
        pytest.skip("needs Debian's chromium and chromium-driver (make system-deps-test)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        f"--user-data-dir={profile}",
        "--window-size=1280,1000",
        "--mute-audio",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_script_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    """``check()``'s first truthy value, polled every 0.1 s; fails after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def play_until(driver: Any, video: Any, seconds: float) -> None:
    """Start playback (the promise must resolve) and wait until the clip's time passes
    ``seconds``, still playing."""
    started = driver.execute_async_script(
        "const done = arguments[1];"
        "arguments[0].play().then(() => done('ok'), e => done(String(e)));",
        video,
    )
    assert started == "ok"
    advanced = "return arguments[0].currentTime > arguments[1]"
    wait_for(lambda: driver.execute_script(advanced, video, seconds), "playback to advance")
    assert driver.execute_script("return arguments[0].paused", video) is False


def check_clip_plays(driver: Any, video: Any) -> None:
    """The clip loads, plays (its time advances) and seeks (the server answers ranges)."""
    js = driver.execute_script
    wait_for(lambda: js("return arguments[0].readyState >= 1", video), "video metadata")
    assert js("return arguments[0].error", video) is None
    duration = float(js("return arguments[0].duration", video))
    assert duration > 1
    play_until(driver, video, 0.3)
    # Seeking needs the server's 206 answers: without them the clip is not seekable.
    assert js("return arguments[0].seekable.length", video) == 1
    assert float(js("return arguments[0].seekable.end(0)", video)) >= duration - 0.1
    target = round(duration - 1, 2)
    seeked = driver.execute_async_script(
        "const [v, t, done] = arguments; v.pause();"
        "v.addEventListener('seeked', () => done(v.currentTime), {once: true});"
        "v.currentTime = t;",
        video,
        target,
    )
    assert abs(float(seeked) - target) < 0.2


def caption_track(driver: Any, video: Any) -> dict[str, Any]:
    """The video's one text track: its kind, mode, and (once loaded) how many cues it has."""
    js = driver.execute_script
    assert js("return arguments[0].textTracks.length", video) == 1
    facts: dict[str, Any] = js(
        "const t = arguments[0].textTracks[0];"
        "return {kind: t.kind, mode: t.mode, label: t.label,"
        "        default: arguments[0].querySelector('track').default};",
        video,
    )
    if facts["mode"] != "disabled":
        wait_for(
            lambda: js("return arguments[0].querySelector('track').readyState", video) == 2,
            "the captions to load",
        )
        facts["cues"] = js("return arguments[0].textTracks[0].cues.length", video)
    return facts
