#!/usr/bin/env python3
"""Benchmark: web export vs manim's own files for the same scene, in one run.

* manim's default mp4 (``rendering.render``, libx264 CRF 23, index at the end) at QUALITY;
* ``export --web --gif`` at QUALITY: our mp4, webm and GIF;
* manim's own ``--format gif`` at the GIF's resolution and frame rate (800×450, 12 fps).

* the same export again, unchanged: the manifest says its files are there, so nothing is
  rendered or encoded (``--reexport-only`` measures just this pair, e.g. at ``--quality low``).

Prints a Markdown table: sizes, size ratios, SSIM of our mp4/webm against manim's mp4 (ffmpeg's
``ssim`` filter, all planes) and wall times.  Targets: mp4 ≥ 40% smaller at SSIM ≥ 0.98; GIF ≤
1/10 of manim's.  Not a test: it measures, it does not assert.

    .venv/bin/python bench/web_export.py [--scene RankOneUpdate] [--quality high]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lowrank_anim.pipeline.ffmpeg import probe_source  # noqa: E402
from lowrank_anim.pipeline.outputs import human_size  # noqa: E402
from lowrank_anim.pipeline.rendering import render  # noqa: E402
from lowrank_anim.pipeline.request import RenderRequest  # noqa: E402
from lowrank_anim.registry import get_scene  # noqa: E402
from lowrank_anim.web.webexport import (  # noqa: E402
    WebEncoding,
    WebExportRequest,
    export_web,
    is_faststart,
)

MANIM = Path(sys.executable).with_name("manim")
T = TypeVar("T")


def ssim(distorted: Path, reference: Path) -> float:
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", "-i", str(distorted), "-i", str(reference),
         "-lavfi", "ssim", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"All:([0-9.]+)", done.stderr)
    if match is None:
        raise RuntimeError(done.stderr[-500:])
    return float(match.group(1))


def manim_gif(scene_file: str, scene: str, width: int, height: int, fps: int, media: Path) -> Path:
    subprocess.run(
        [str(MANIM), "render", "--format", "gif", "-r", f"{width},{height}", "--fps", str(fps),
         "--media_dir", str(media), "-v", "ERROR", "--disable_caching", scene_file, scene],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return next(media.rglob(f"{scene}*.gif"))


def timed(label: str, times: dict[str, float], func: Callable[..., T], *args: Any) -> T:
    started = time.perf_counter()
    result = func(*args)
    times[label] = time.perf_counter() - started
    print(f"  {label}: {times[label]:.3f} s", file=sys.stderr)
    return result


def reexport(spec: Any, quality: str, settings: WebEncoding) -> None:
    """Time one export and the same export again (skipped by the manifest), and print both."""
    times: dict[str, float] = {}
    request = WebExportRequest(spec, quality=quality, gif=True)
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        timed("first export", times, export_web, request, Path(tmp), settings)
        again = timed("unchanged re-export", times, export_web, request, Path(tmp), settings)
    assert again.skipped, "the second export should have been skipped"
    print(f"Scene `{spec.name}`, quality `{quality}`, with GIF.\n")
    print("| export | wall time |\n| --- | ---: |")
    for label, seconds in times.items():
        print(f"| {label} | {seconds * 1000:.0f} ms |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scene", default="RankOneUpdate")
    parser.add_argument("--quality", default="high")
    parser.add_argument(
        "--reexport-only", action="store_true", help="only time a first and an unchanged export"
    )
    args = parser.parse_args()
    spec = get_scene(args.scene)
    settings = WebEncoding()
    times: dict[str, float] = {}
    if args.reexport_only:
        reexport(spec, args.quality, settings)
        return

    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        work = Path(tmp)
        baseline = timed(
            "manim mp4 render",
            times,
            render,
            RenderRequest(spec, quality=args.quality, fmt="mp4"),
            work / "manim",
        )
        export = timed(
            "export --web --gif (render + encode)",
            times,
            export_web,
            WebExportRequest(spec, quality=args.quality, gif=True),
            work / "web",
            settings,
        )
        files = {role: work / "web" / f.name for role, f in export.clip.files.items()}
        gif_info = probe_source(files["gif"])
        their_gif = timed(
            "manim --format gif render",
            times,
            manim_gif,
            spec.module.replace(".", "/") + ".py",
            spec.name,
            gif_info.width,
            gif_info.height,
            int(gif_info.fps),
            work / "manim-gif",
        )
        source = probe_source(baseline)
        sizes = {
            "manim mp4": baseline.stat().st_size,
            "our mp4": files["mp4"].stat().st_size,
            "our webm": files["webm"].stat().st_size,
            "manim gif": their_gif.stat().st_size,
            "our gif": files["gif"].stat().st_size,
        }
        mp4_ssim = ssim(files["mp4"], baseline)
        webm_ssim = ssim(files["webm"], baseline)
        faststart = (is_faststart(files["mp4"]), is_faststart(baseline))

    mp4_saving = 1 - sizes["our mp4"] / sizes["manim mp4"]
    gif_ratio = sizes["manim gif"] / sizes["our gif"]
    res = f"{source.width}×{source.height} @ {float(source.fps):g} fps, {source.duration:.1f} s"
    print(f"Scene `{spec.name}`, quality `{args.quality}` ({res}).\n")
    print("| file | size | vs manim | SSIM vs manim mp4 | target | met |")
    print("| --- | ---: | ---: | ---: | --- | :---: |")
    print(f"| manim's mp4 (CRF 23, faststart: {faststart[1]}) | {human_size(sizes['manim mp4'])} "
          "| 1.00 | — | — | |")  # fmt: skip
    print(
        f"| our mp4 ({settings.describe()['mp4']}; faststart: {faststart[0]}) | "
        f"{human_size(sizes['our mp4'])} | {sizes['our mp4'] / sizes['manim mp4']:.2f} "
        f"({mp4_saving:.0%} smaller) | {mp4_ssim:.4f} | ≥ 40% smaller at SSIM ≥ 0.98 | "
        f"{'yes' if mp4_saving >= 0.40 and mp4_ssim >= 0.98 else 'NO'} |"
    )
    print(
        f"| our webm ({settings.describe()['webm']}) | {human_size(sizes['our webm'])} | "
        f"{sizes['our webm'] / sizes['manim mp4']:.2f} | {webm_ssim:.4f} | — | |"
    )
    print(
        f"| manim's `--format gif` ({gif_info.width}×{gif_info.height}, "
        f"{float(gif_info.fps):g} fps) | {human_size(sizes['manim gif'])} | 1.00 | — | — | |"
    )
    print(
        f"| our GIF ({settings.describe()['gif']}) | {human_size(sizes['our gif'])} | "
        f"1/{gif_ratio:.1f} | — | ≤ 1/10 of manim's | {'yes' if gif_ratio >= 10 else 'NO'} |"
    )
    print("\nWall times (shared, noisy machine): " + "; ".join(
        f"{label} {seconds:.0f} s" for label, seconds in times.items()
    ))  # fmt: skip


if __name__ == "__main__":
    main()
