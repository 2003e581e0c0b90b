#!/usr/bin/env python3
"""Where a scene's render time goes, before and after a change, and proof it looks the same.

    .venv/bin/python bench/profile_scene.py --before REV [--scene RankOneUpdate] [--runs 3]

For the scene code at git revision REV ("before") and in the working tree ("after"), each in a
fresh process, it

* draws every frame without encoding (manim ``format=none``) at low and high quality, LaTeX
  already cached, and reports the median CPU time — the part of a render our scene code
  decides;
* hashes every frame of both and checks they are bit-identical (same count, same pixels);
* profiles one low-quality run with cProfile and splits it into the parts that matter (LaTeX
  and SVG parsing, updaters, the α readout's digit rebuilds, cairo drawing, animation set-up);
* with ``--encoders``, encodes the same 1080p frames with each encoder setting of
  :mod:`lowrank_anim.pipeline.encoding` and manim's default: CPU per frame, size, SSIM
  against a lossless encode.

It prints Markdown and, unless ``--no-write``, rewrites its own section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BEGIN = "<!-- BEGIN bench/profile_scene.py: generated, do not edit by hand -->"
END = "<!-- END bench/profile_scene.py -->"

#: Profile buckets: label → (file suffix, function name); cumulative seconds of each.
BUCKETS = {
    "LaTeX and SVG parsing (MathTex construction)": ("text/tex_mobject.py", "__init__"),
    "updaters, all (Mobject.update)": ("mobject/mobject.py", "update"),
    "α readout digit rebuilds (DecimalNumber.set_value)": ("text/numbers.py", "set_value"),
    "cairo drawing (Camera.capture_mobjects)": ("camera/camera.py", "capture_mobjects"),
    "animation set-up, mostly copies (Scene.begin_animations)": (
        "scene/scene.py",
        "begin_animations",
    ),
    "whole render (Scene.render)": ("scene/scene.py", "render"),
}


# Worker: runs inside a fresh process with one source tree on sys.path ------------------------


def worker(tree: str, scene: str, quality: str, tex_dir: str, out: str, mode: str) -> None:
    """One render of ``scene`` from the source ``tree``; ``mode`` is ``time`` (nothing else
    runs), ``hash`` (every frame hashed, untimed: hashing 8 MB frames costs more than drawing
    them) or ``profile`` (cProfile buckets)."""
    sys.path.insert(0, tree)
    import cProfile
    import pstats

    from manim import tempconfig
    from manim.scene.scene_file_writer import SceneFileWriter

    from lowrank_anim.pipeline.request import QUALITY_PRESETS
    from lowrank_anim.registry import get_scene

    frames: list[str] = []

    def record(self: object, pixels: object, *, repeat: int = 1) -> None:
        digest = hashlib.sha1(pixels.tobytes()).hexdigest()[:16]  # type: ignore[attr-defined]
        frames.extend([digest] * repeat)

    def discard(self: object, pixels: object, *, repeat: int = 1) -> None:
        pass

    # Either way the frame goes nowhere, as with format=none (manim's own write_frame would
    # return early); "hash" also remembers what it looked like.
    SceneFileWriter.write_frame = record if mode == "hash" else discard  # type: ignore[method-assign]
    profile = mode == "profile"
    options = {
        "media_dir": str(Path(out).with_suffix(".media")),
        "tex_dir": tex_dir,
        "quality": QUALITY_PRESETS[quality],
        "format": "none",
        "disable_caching": True,
        "progress_bar": "none",
        "verbosity": "WARNING",
    }
    profiler = cProfile.Profile()
    with tempconfig(options):
        instance = get_scene(scene).load()()
        cpu, wall = time.process_time(), time.perf_counter()
        if profile:
            profiler.enable()
        instance.render()
        if profile:
            profiler.disable()
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    buckets = {}
    if profile:
        stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
        for label, (suffix, name) in BUCKETS.items():
            buckets[label] = max(
                (
                    v[3]
                    for (file, _, func), v in stats.items()
                    if file.endswith(suffix) and func == name
                ),
                default=0.0,
            )
    Path(out).write_text(
        json.dumps({"frames": frames, "cpu": cpu, "wall": wall, "buckets": buckets})
    )


# Driver ------------------------------------------------------------------------------------------


def run_worker(tree: Path, scene: str, quality: str, tex: Path, work: Path, mode: str) -> dict:
    out = work / f"run-{time.monotonic_ns()}.json"
    cmd = [sys.executable, __file__, "--worker", str(tree), scene, quality, str(tex), str(out)]
    cmd += ["--mode", mode]
    subprocess.run(cmd, check=True, cwd=tree)
    result: dict = json.loads(out.read_text())
    shutil.rmtree(out.with_suffix(".media"), ignore_errors=True)
    return result


def export_tree(rev: str, dest: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", rev, "scenes", "lowrank_anim"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    dest.mkdir(parents=True)
    archive_path = dest / "tree.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(dest, filter="data")
    archive_path.unlink()
    return dest


def encoder_table(work: Path, tex: Path, scene: str) -> list[str]:
    """Encode the same 1080p frames with each purpose's settings and with manim's default."""
    import numpy as np

    from lowrank_anim.pipeline.encoding import encoder_overrides

    capture = work / "frames.npy"
    code = f"""
import sys, numpy as np
sys.path.insert(0, {str(ROOT)!r})
from manim import tempconfig
from manim.scene.scene_file_writer import SceneFileWriter
from lowrank_anim.registry import get_scene
kept, seen = [], [0]
def keep(self, pixels, *, repeat=1):
    seen[0] += 1
    if seen[0] % 20 == 0 and len(kept) < 40:
        kept.append(pixels.copy())
SceneFileWriter.write_frame = keep
options = {{"media_dir": {str(work / "cap")!r}, "tex_dir": {str(tex)!r}}}
options.update(quality="high_quality", format="none", progress_bar="none", verbosity="WARNING")
with tempconfig(options):
    get_scene({scene!r}).load()().render()
np.save({str(capture)!r}, np.stack(kept))
"""
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
    from fractions import Fraction

    from manim._config.video_encoder import VideoEncoderSpec
    from manim.scene.video_segment_encoder import VideoSegmentEncoder

    frames = np.load(capture)
    count = 240

    def encode(options: dict[str, str], target: Path, pixel_format: str = "yuv420p") -> float:
        spec = VideoEncoderSpec(
            "mp4", "libx264", pixel_format, 1920, 1080, Fraction(60), tuple(sorted(options.items()))
        )
        encoder = VideoSegmentEncoder(target=target, spec=spec)
        cpu = time.process_time()
        for i in range(count):
            encoder.write_frame(np.ascontiguousarray(frames[(i // 6) % len(frames)]))
        encoder.finish()
        return (time.process_time() - cpu) / count * 1000

    reference = work / "lossless.mp4"
    encode({"crf": "0", "preset": "ultrafast"}, reference, "yuv444p")
    settings = {"manim's default (crf 23, preset medium)": {"crf": "23"}}
    for purpose in ("draft", "final", "web"):
        options = {"crf": "23", **encoder_overrides("mp4", purpose)["video_encoder_options"]}
        settings[f"{purpose}: " + ", ".join(f"{k} {v}" for k, v in options.items())] = options
    rows = [
        "| libx264 settings | CPU ms per 1080p frame | size (kB) | SSIM vs lossless |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, options in settings.items():
        target = work / "encoded.mp4"
        cpu = encode(options, target)
        out = subprocess.run(
            ["ffmpeg", "-hide_banner", "-nostats", "-i", str(target), "-i", str(reference),
             "-lavfi", "ssim", "-f", "null", "-"],
            capture_output=True, text=True, check=False,
        ).stderr  # fmt: skip
        match = re.search(r"All:([0-9.]+)", out)
        ssim = match.group(1) if match else "?"
        rows.append(f"| {label} | {cpu:.1f} | {target.stat().st_size / 1000:.0f} | {ssim} |")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--worker", nargs=5, metavar=("TREE", "SCENE", "QUALITY", "TEX", "OUT"))
    parser.add_argument("--mode", choices=["time", "hash", "profile"], default="time")
    parser.add_argument("--before", help="git revision of the 'before' scene code")
    parser.add_argument("--scene", default="RankOneUpdate")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--encoders", action="store_true", help="also compare encoder settings")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker, mode=args.mode)
        return
    if not args.before:
        parser.error("--before REV is required")

    work = Path(tempfile.mkdtemp(prefix="lowrank-profile-"))
    try:
        trees = {"before": export_tree(args.before, work / "before"), "after": ROOT}
        tex = work / "tex"
        tex.mkdir()
        # One untimed run fills the LaTeX cache both trees share (LaTeX is not what we compare).
        for tree in trees.values():
            run_worker(tree, args.scene, "low", tex, work, "time")
        cpu: dict[tuple[str, str], list[float]] = {}
        frames: dict[tuple[str, str], list[str]] = {}
        for quality in ("low", "high"):
            for name, tree in trees.items():
                frames[(name, quality)] = run_worker(tree, args.scene, quality, tex, work, "hash")[
                    "frames"
                ]
            for _ in range(args.runs):
                for name, tree in trees.items():
                    result = run_worker(tree, args.scene, quality, tex, work, "time")
                    cpu.setdefault((name, quality), []).append(result["cpu"])
        profiles = {
            name: run_worker(tree, args.scene, "low", tex, work, "profile")["buckets"]
            for name, tree in trees.items()
        }
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        load = os.getloadavg()
        lines = [
            f"## Profile of {args.scene}: where the time goes, before and after",
            "",
            f"Generated by `bench/profile_scene.py --before {args.before}` (after = {commit}); "
            f"{os.cpu_count()} cores, load average {load[0]:.1f} at the end. Drawing only "
            "(manim `format=none`: every frame drawn, none encoded), LaTeX already cached, CPU "
            f"seconds, median of {args.runs}.",
            "",
            "| quality | frames | before (CPU s) | after (CPU s) | after ÷ before "
            "| every frame identical |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for quality in ("low", "high"):
            before = statistics.median(cpu[("before", quality)])
            after = statistics.median(cpu[("after", quality)])
            same = frames[("before", quality)] == frames[("after", quality)]
            lines.append(
                f"| {quality} | {len(frames[('after', quality)])} | {before:.2f} | {after:.2f} | "
                f"{after / before:.2f}× | {'yes' if same else '**NO**'} (SHA-1 of every frame) |"
            )
        lines += [
            "",
            "cProfile of one low-quality run (cumulative seconds, with the profiler's overhead; "
            "parts overlap, e.g. updaters include the digit rebuilds):",
            "",
            "| part | before | after |",
            "| --- | ---: | ---: |",
            *(
                f"| {label} | {profiles['before'][label]:.2f} | {profiles['after'][label]:.2f} |"
                for label in BUCKETS
            ),
        ]
        if args.encoders:
            lines += [
                "",
                "### Encoder settings",
                "",
                f"The same 240 frames of {args.scene} at 1920×1080 (40 distinct frames, each held "
                "for 6), encoded through manim's own segment encoder with each setting; SSIM "
                "against a lossless yuv444p encode of the same frames.",
                "",
                *encoder_table(work, tex, args.scene),
            ]
        section = "\n".join(lines)
        print(section)
        if not args.no_write:
            sys.path.insert(0, str(ROOT / "bench"))
            from run import write_section  # type: ignore[import-not-found]

            write_section(ROOT / "BENCHMARKS.md", section, BEGIN, END)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
