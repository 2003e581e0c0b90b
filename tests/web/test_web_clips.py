"""One real low-quality web export, checked by decoding its files, then its embed snippet and
the gallery page driven in a real headless Chromium (Debian's chromium + chromedriver).

The export runs once for the module; the browser tests reuse it.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

import render
from lowrank_anim.pipeline import cache, texstore
from lowrank_anim.web.embed import ENGINES, HUGO_SHORTCODE_PATH, Clip, video_html
from lowrank_anim.web.webexport import top_level_boxes
from tests.blog_engines import headless_chromium, play_until, serve, wait_for
from tests.media_probe import probe

SCENE = "RankOneUpdate"
EXPECTED_FILES = {
    f"{SCENE}{suffix}"
    for suffix in (
        ".mp4",
        ".webm",
        ".png",
        ".gif",
        ".srt",
        ".vtt",
        ".embed.html",
        ".embed.md",
        ".embed.hugo.md",
        ".embed.mkdocs.md",
        ".embed.mdx",
        ".clip.json",
    )
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """``media/web`` after ``render.py export RankOneUpdate --web --gif -q low``, and the
    command's output."""
    media = tmp_path_factory.mktemp("site") / "media"
    web = media / "web"
    result = CliRunner().invoke(
        render.cli,
        ["export", SCENE, "--web", "--gif", "-q", "low", "-o", str(web)],
        prog_name="render.py",
    )
    assert result.exit_code == 0, result.output
    return web, result.stdout


# The export, decoded -------------------------------------------------------------------------


@pytest.mark.render
def test_export_prints_every_file_with_its_size(exported: tuple[Path, str]) -> None:
    web, stdout = exported
    # The clip's files, the manifest that records them, the Hugo shortcode every clip shares,
    # and the LaTeX store and manifest lock (hidden); nothing else, and no scratch folder.
    visible = {p.name for p in web.iterdir() if not p.name.startswith(".")}
    assert visible == EXPECTED_FILES | {"manifest.json", "layouts"}
    assert [p.relative_to(web) for p in (web / "layouts").rglob("*") if p.is_file()] == [
        HUGO_SHORTCODE_PATH
    ]
    assert {p.name for p in web.iterdir() if p.name.startswith(".")} <= {".cache", ".manifest.lock"}
    assert not [p for p in web.rglob(".render-*")], "no scratch files left behind"
    assert all(p.suffix == ".svg" for p in texstore.store_dir(web, "tex_dir").iterdir())
    printed = {}
    for line in stdout.strip().splitlines():
        path, size = line.rsplit("  ", 1)
        printed[Path(path.strip()).name] = size.strip()
    assert set(printed) == EXPECTED_FILES | {HUGO_SHORTCODE_PATH.name}
    assert all(size.endswith(("B", "KiB", "MiB")) for size in printed.values())


@pytest.mark.render
def test_mp4_is_faststart_h264_yuv420p(exported: tuple[Path, str]) -> None:
    mp4 = exported[0] / f"{SCENE}.mp4"
    info = probe(mp4)
    assert (info.codec, info.pix_fmt, info.width, info.height) == ("h264", "yuv420p", 854, 480)
    assert info.fps == 15
    assert 10 <= info.duration <= 30
    boxes = top_level_boxes(mp4)
    assert boxes.index("moov") < boxes.index("mdat"), boxes


@pytest.mark.render
def test_webm_is_vp9_yuv420p_and_as_long_as_the_mp4(exported: tuple[Path, str]) -> None:
    webm, mp4 = probe(exported[0] / f"{SCENE}.webm"), probe(exported[0] / f"{SCENE}.mp4")
    assert (webm.codec, webm.pix_fmt, webm.width, webm.height) == ("vp9", "yuv420p", 854, 480)
    assert webm.frames == mp4.frames
    assert abs(webm.duration - mp4.duration) < 0.1


@pytest.mark.render
def test_gif_is_800_wide_at_12_fps(exported: tuple[Path, str]) -> None:
    gif, mp4 = probe(exported[0] / f"{SCENE}.gif"), probe(exported[0] / f"{SCENE}.mp4")
    assert (gif.codec, gif.width, gif.height, gif.fps) == ("gif", 800, 450, 12)
    assert abs(gif.frames - mp4.duration * 12) <= 2


@pytest.mark.render
def test_poster_is_the_last_frame(exported: tuple[Path, str]) -> None:
    with Image.open(exported[0] / f"{SCENE}.png") as poster:
        assert poster.size == (854, 480)
        assert colour_count(poster) > 50, "the whole story, not black"


@pytest.mark.render
def test_captions_are_webvtt_with_one_cue_per_beat(exported: tuple[Path, str]) -> None:
    web = exported[0]
    vtt = (web / f"{SCENE}.vtt").read_text(encoding="utf-8")
    srt = (web / f"{SCENE}.srt").read_text(encoding="utf-8")
    assert vtt.startswith("WEBVTT\n\n")
    assert vtt.count(" --> ") == srt.count(" --> ") == 6
    assert "y = Wx" in vtt
    assert "00:00:00.000 --> " in vtt


@pytest.mark.render
def test_manifest_and_snippets_agree_with_the_files(exported: tuple[Path, str]) -> None:
    web = exported[0]
    clip = Clip.load(web / f"{SCENE}.clip.json")
    assert (clip.width, clip.height, clip.fps) == (854, 480, 15)
    for role, file in clip.files.items():
        assert (web / file.name).stat().st_size == file.size, role
    assert (web / f"{SCENE}.embed.html").read_text(encoding="utf-8") == video_html(clip)
    code = CliRunner().invoke(render.cli, ["embed", SCENE, "-o", str(web)], prog_name="render.py")
    assert code.exit_code == 0
    assert code.output == video_html(clip)
    # Every engine's file is what `render.py embed --engine` prints, and captions are off
    # unless the export asked for them.
    assert not clip.captions_on
    for engine in ENGINES.values():
        written = (web / f"{SCENE}{engine.suffix}").read_text(encoding="utf-8")
        assert written == engine.make(clip), engine.name
        args = ["embed", SCENE, "--engine", engine.name, "-o", str(web)]
        printed = CliRunner().invoke(render.cli, args, prog_name="render.py")
        assert (printed.exit_code, printed.output) == (0, written), engine.name
    on = CliRunner().invoke(
        render.cli, ["embed", SCENE, "--captions-on", "-o", str(web)], prog_name="render.py"
    )
    assert on.output == video_html(clip, captions_on=True)
    assert " default>" in on.output


def colour_count(image: Image.Image) -> int:
    return len(image.convert("RGB").getcolors(1 << 24) or [])


# In a real browser -------------------------------------------------------------------------


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Any]:
    with headless_chromium(tmp_path / "chromium-profile") as driver:
        yield driver


def check_video_plays(driver: Any, video: Any, web: Path) -> str:
    """The element loads, has the file's duration, shows its poster, plays; returns the
    source the browser chose."""
    js = driver.execute_script
    wait_for(lambda: js("return arguments[0].readyState >= 1", video), "video metadata")
    assert js("return arguments[0].error", video) is None
    chosen = Path(str(js("return arguments[0].currentSrc", video))).name
    assert chosen in {f"{SCENE}.mp4", f"{SCENE}.webm"}
    duration = float(js("return arguments[0].duration", video))
    assert abs(duration - probe(web / chosen).duration) < 0.1
    # The poster: loaded, full size, and on screen before playback (frame 0 is nearly black).
    poster_width = driver.execute_async_script(
        "const done = arguments[1]; const img = new Image();"
        "img.onload = () => done(img.naturalWidth); img.onerror = () => done(-1);"
        "img.src = arguments[0].poster;",
        video,
    )
    assert poster_width == 854
    with Image.open(io.BytesIO(video.screenshot_as_png)) as shot:
        assert colour_count(shot) > 50, "the poster is showing"
    play_until(driver, video, 0.5)
    return chosen


@pytest.mark.render
@pytest.mark.browser
def test_snippet_plays_in_chromium(
    exported: tuple[Path, str], chromium: Any, tmp_path: Path
) -> None:
    web = exported[0]
    snippet = (web / f"{SCENE}.embed.html").read_text(encoding="utf-8")
    (web / "snippet-page.html").write_text(
        f"<!doctype html><html lang=en><meta charset=utf-8><title>post</title><body>"
        f"<p>Some prose.</p>\n{snippet}</body></html>",
        encoding="utf-8",
    )
    try:
        with serve(web) as base:
            chromium.get(f"{base}/snippet-page.html")
            video = chromium.find_element("css selector", "video")
            chosen = check_video_plays(chromium, video, web)
            smallest = min(
                (f"{SCENE}.mp4", f"{SCENE}.webm"), key=lambda n: (web / n).stat().st_size
            )
            assert chosen == smallest, "the browser takes the first source: the smallest"
            # The captions track is WebVTT the browser can parse: one cue per beat.
            chromium.execute_script("arguments[0].textTracks[0].mode = 'showing'", video)
            wait_for(
                lambda: (
                    chromium.execute_script("return document.querySelector('track').readyState")
                    == 2
                ),
                "captions to load",
            )
            assert (
                chromium.execute_script("return arguments[0].textTracks[0].cues.length", video) == 6
            )
            assert chromium.execute_script("return arguments[0].getAttribute('aria-label')", video)
            chromium.save_screenshot(str(tmp_path / "snippet.png"))
            # Each source on its own also plays (the other browser families pick the other).
            for name in (f"{SCENE}.mp4", f"{SCENE}.webm"):
                chromium.get(f"{base}/snippet-page.html")
                video = chromium.find_element("css selector", "video")
                chromium.execute_script(
                    "const v = arguments[0];"
                    "for (const s of [...v.querySelectorAll('source')])"
                    "  if (!s.src.endsWith(arguments[1])) s.remove();"
                    "v.load();",
                    video,
                    name,
                )
                assert check_video_plays(chromium, video, web) == name
    finally:
        (web / "snippet-page.html").unlink()
    assert (tmp_path / "snippet.png").stat().st_size > 0


@pytest.mark.render
@pytest.mark.browser
def test_gallery_lists_plays_and_copies(
    exported: tuple[Path, str], chromium: Any, tmp_path: Path
) -> None:
    web = exported[0]
    media = web.parent
    # A clip as `render` would have left it, beside the export: the video, its poster and its
    # manifest entry (the gallery lists what manifests record, not what file names suggest).
    rendered = media / SCENE / "480p15" / f"{SCENE}.mp4"
    rendered.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(web / f"{SCENE}.mp4", rendered)
    poster = shutil.copyfile(web / f"{SCENE}.png", rendered.with_suffix(".poster.png"))
    shutil.copyfile(web / f"{SCENE}.mp4", rendered.with_name("Unrecorded.mp4"))
    entry = {
        "scene": SCENE,
        "format": "mp4",
        "theme": "dark",
        "resolution": "480p15",
        "duration": 1.0,
        "parameters": {},
        "companions": {poster.name: poster.stat().st_size},
    }
    cache.update_manifest(media, {f"{SCENE}/480p15/{SCENE}.mp4": entry})
    result = CliRunner().invoke(render.cli, ["gallery", "-o", str(media)], prog_name="render.py")
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{media / 'index.html'}  (2 clips)"

    with serve(media) as base:
        chromium.get(f"{base}/index.html")
        articles = chromium.find_elements("css selector", "article.clip")
        assert len(articles) == 2
        exported_video = articles[0].find_element("css selector", ".player video")
        check_video_plays(chromium, exported_video, web)
        poster = articles[0].find_element("css selector", ".poster img")
        assert chromium.execute_script("return arguments[0].naturalWidth", poster) == 854
        assert "KiB" in articles[0].find_element("css selector", "table.files").text

        # Copy through the Clipboard API (localhost is a secure context).
        chromium.execute_cdp_cmd(
            "Browser.grantPermissions",
            {"origin": base, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
        )
        expected = video_html(Clip.load(web / f"{SCENE}.clip.json"))
        button = articles[0].find_element("css selector", "button.copy")
        button.click()
        wait_for(lambda: button.get_attribute("data-state") == "copied", "the copy")
        assert read_clipboard(chromium) == expected

        # And through the fallback for pages served over plain http (no Clipboard API).
        chromium.execute_script(
            "window.realClipboard = navigator.clipboard;"
            "Object.defineProperty(navigator, 'clipboard', {value: undefined, configurable: true});"
            "return window.realClipboard.writeText('something else');"
        )
        rendered_poster = articles[1].find_element("css selector", ".poster img")
        assert chromium.execute_script("return arguments[0].naturalWidth", rendered_poster) == 854
        second = articles[1].find_element("css selector", "button.copy")
        second.click()
        wait_for(lambda: second.get_attribute("data-state") == "copied", "the fallback copy")
        code = articles[1].find_element("css selector", "code").get_attribute("textContent")
        assert read_clipboard(chromium, "window.realClipboard") == code
        assert f'src="{SCENE}/480p15/{SCENE}.mp4"' in code

        # Static: every request the page made went to our server, none to the network.
        urls = chromium.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        assert urls
        assert all(url.startswith(base) for url in urls), urls
        chromium.save_screenshot(str(tmp_path / "gallery.png"))
    assert (tmp_path / "gallery.png").stat().st_size > 0


def read_clipboard(driver: Any, clipboard: str = "navigator.clipboard") -> str:
    text: str = driver.execute_async_script(
        f"const done = arguments[0]; {clipboard}.readText().then(done, e => done('ERR ' + e));"
    )
    return text
