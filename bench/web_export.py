#!/usr/bin/env python3
"""Benchmark: web export vs manim's own files for the same scene, in one run.

* manim's default mp4 (``rendering.render``, libx264 CRF 23, index at the end) at QUALITY;
* ``export --web --gif`` at QUALITY: our mp4, webm and GIF;
* manim's own ``--format gif`` at the GIF's resolution and frame rate (800×450, 12 fps).

* the same export again, unchanged: the manifest says its files are there, so nothing is
  rendered or encoded (``--reexport-only`` measures just this pair, e.g. at ``--quality low``).

Each is timed ``--rounds`` times (at least 3), interleaved, each round into fresh folders, by
bench/harness.py (wall, CPU of this process and the processes it starts, load before and
after); times are medians. Prints a Markdown table: sizes, size ratios, SSIM of our mp4/webm
against manim's mp4 (ffmpeg's ``ssim`` filter, all planes) and times, and rewrites its section
of BENCHMARKS.md unless ``--no-write`` or the machine was busy (then only with ``--busy-ok``,
marked so). Targets: mp4 ≥ 40% smaller at SSIM ≥ 0.98; GIF ≤ 1/10 of manim's. Not a test: it
measures, it does not assert.

    python -m bench.web_export [--scene RankOneUpdate] [--quality high] [--rounds 3]
    python -m bench.web_export --reexport-only --quality low
"""

from __future__ import annotations

import argparse
import re
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench import harness
from bench.harness import MANIM, Series, Session
from lowrank_anim.core.outputs import human_size
from lowrank_anim.paths import PROJECT_ROOT
from lowrank_anim.pipeline.ffmpeg import probe_source
from lowrank_anim.pipeline.rendering import render
from lowrank_anim.pipeline.request import RenderRequest
from lowrank_anim.registry import get_scene
from lowrank_anim.web.webexport import (
    WebEncoding,
    WebExportRequest,
    export_web,
    is_faststart,
)

SCRIPT = "bench/web_export.py"


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
        [MANIM, "render", "--format", "gif", "-r", f"{width},{height}", "--fps", str(fps),
         "--media_dir", str(media), "-v", "ERROR", "--disable_caching", scene_file, scene],
        cwd=PROJECT_ROOT, check=True, capture_output=True,
    )  # fmt: skip
    return next(media.rglob(f"{scene}*.gif"))


def reexport(args: argparse.Namespace, spec: Any, settings: WebEncoding) -> None:
    """Time one export and the same export again (skipped by the manifest), each round into a
    fresh folder, and write both."""
    session = Session(args)
    first, again = Series(), Series()
    request = WebExportRequest(spec, quality=args.quality, gif=True)
    for round_ in range(args.rounds):
        harness.log(f"round {round_ + 1}/{args.rounds}")
        with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
            _, run = session.call(export_web, request, Path(tmp), settings)
            first.add(run)
            result, run = session.call(export_web, request, Path(tmp), settings)
            again.add(run)
        if not result.skipped:
            raise SystemExit("the second export should have been skipped by the manifest")
    found = session.finish()
    body = [
        f"Scene `{spec.name}`, quality `{args.quality}`, with GIF; {args.rounds} rounds, each into "
        "an empty folder; medians.",
        "",
        "| export | wall time | CPU s |",
        "| --- | ---: | ---: |",
        f"| first export (render, mp4, webm, poster, GIF) | {first.wall:.1f} s | {first.cpu:.1f} |",
        f"| the same export again (skipped) | {again.wall:.2f} s | {again.cpu:.2f} |",
    ]
    title = "Unchanged export: skipped by the manifest"
    command = f"python -m bench.web_export --reexport-only --scene {spec.name} -q {args.quality}"
    section = harness.render_section(title, command, found, body)
    harness.publish(args, SCRIPT, section, found, part="reexport")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scene", default="RankOneUpdate")
    parser.add_argument("-q", "--quality", default="high")
    parser.add_argument(
        "--reexport-only", action="store_true", help="only time a first and an unchanged export"
    )
    harness.add_arguments(parser)
    args = parser.parse_args(argv)
    spec = get_scene(args.scene)
    settings = WebEncoding()
    if args.reexport_only:
        reexport(args, spec, settings)
        return

    session = Session(args)
    times = {
        "manim mp4 render": Series(),
        "export --web --gif (render + encode)": Series(),
        "manim --format gif render": Series(),
    }
    for round_ in range(args.rounds):
        with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
            work = Path(tmp)
            for label in harness.rotated(list(times), round_):
                harness.log(f"round {round_ + 1}/{args.rounds}: {label}")
                if label == "manim mp4 render":
                    request = RenderRequest(spec, quality=args.quality, fmt="mp4")
                    baseline, run = session.call(render, request, work / "manim")
                elif label.startswith("export"):
                    web = WebExportRequest(spec, quality=args.quality, gif=True)
                    export, run = session.call(export_web, web, work / "web", settings)
                else:
                    # manim's GIF at our GIF's size and rate (16:9 frames: 800×450, 12 fps).
                    gif_size = (settings.gif.width, settings.gif.width * 9 // 16)
                    their_gif, run = session.call(
                        manim_gif,
                        spec.module.replace(".", "/") + ".py",
                        spec.name,
                        *gif_size,
                        settings.gif.fps,
                        work / "manim-gif",
                    )
                times[label].add(run)
            files = {role: work / "web" / f.name for role, f in export.clip.files.items()}
            gif_info = probe_source(files["gif"])
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
    found = session.finish()

    mp4_saving = 1 - sizes["our mp4"] / sizes["manim mp4"]
    gif_ratio = sizes["manim gif"] / sizes["our gif"]
    res = f"{source.width}×{source.height} @ {float(source.fps):g} fps, {source.duration:.1f} s"
    body = [
        f"Scene `{spec.name}`, quality `{args.quality}` ({res}).",
        "",
        "| file | size | vs manim | SSIM vs manim mp4 | target | met |",
        "| --- | ---: | ---: | ---: | --- | :---: |",
        f"| manim's mp4 (CRF 23, faststart: {faststart[1]}) | {human_size(sizes['manim mp4'])} "
        "| 1.00 | — | — | |",
        f"| our mp4 ({settings.describe()['mp4']}; faststart: {faststart[0]}) | "
        f"{human_size(sizes['our mp4'])} | {sizes['our mp4'] / sizes['manim mp4']:.2f} "
        f"({mp4_saving:.0%} smaller) | {mp4_ssim:.4f} | ≥ 40% smaller at SSIM ≥ 0.98 | "
        f"{'yes' if mp4_saving >= 0.40 and mp4_ssim >= 0.98 else 'NO'} |",
        f"| our webm ({settings.describe()['webm']}) | {human_size(sizes['our webm'])} | "
        f"{sizes['our webm'] / sizes['manim mp4']:.2f} | {webm_ssim:.4f} | — | |",
        f"| manim's `--format gif` ({gif_info.width}×{gif_info.height}, "
        f"{float(gif_info.fps):g} fps) | {human_size(sizes['manim gif'])} | 1.00 | — | — | |",
        f"| our GIF ({settings.describe()['gif']}) | {human_size(sizes['our gif'])} | "
        f"1/{gif_ratio:.1f} | — | ≤ 1/10 of manim's | {'yes' if gif_ratio >= 10 else 'NO'} |",
        "",
        f"Times, medians of {args.rounds} rounds interleaved: "
        + "; ".join(f"{label} {s.wall:.0f} s ({s.cpu:.0f} CPU s)" for label, s in times.items()),
    ]
    title = f"Web export at {source.height}p"
    command = f"python -m bench.web_export --scene {spec.name} -q {args.quality}"
    harness.publish(args, SCRIPT, harness.render_section(title, command, found, body), found)


if __name__ == "__main__":
    main()
