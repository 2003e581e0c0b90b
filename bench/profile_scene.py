#!/usr/bin/env python3
"""Where a scene's render time goes, before and after a change, and proof it looks the same.

    python -m bench.profile_scene --before REV [--scene RankOneUpdate] [--rounds 3] [--encoders]

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

Before and after run interleaved, ``--rounds`` rounds (at least 3), medians; the load and the
busy rule are bench/harness.py's. It prints Markdown and, unless ``--no-write`` or the machine
was busy (then only with ``--busy-ok``, marked so), rewrites its own section of BENCHMARKS.md.
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
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.harness import Session

# Nothing of the project is imported at the top: a worker must import ``lowrank_anim`` and
# ``scenes`` from the source tree it measures, which its PYTHONPATH puts first.
SCRIPT = "bench/profile_scene.py"

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


# Worker: runs inside a fresh process with one source tree first on its path --------------------


def worker(scene: str, quality: str, tex_dir: str, out: str, mode: str) -> None:
    """One render of ``scene`` from the source tree the process runs in (its working directory
    and the first entry of PYTHONPATH); ``mode`` is ``time`` (nothing else runs), ``hash`` (every
    frame hashed, untimed: hashing 8 MB frames costs more than drawing them) or ``profile``
    (cProfile buckets)."""
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


def run_worker(
    session: Session, tree: Path, scene: str, quality: str, tex: Path, work: Path, mode: str
) -> dict[str, Any]:
    """One worker on ``tree``'s code: its own ``lowrank_anim`` and ``scenes`` come first on its
    path (its working directory and PYTHONPATH), ``bench`` from this checkout after them."""
    from lowrank_anim.paths import PROJECT_ROOT

    out = work / f"run-{time.monotonic_ns()}.json"
    cmd = [sys.executable, "-m", "bench.profile_scene", "--worker", scene, quality, str(tex)]
    cmd += [str(out), "--mode", mode]
    path = os.pathsep.join([str(tree), str(PROJECT_ROOT)])
    session.measure(cmd, cwd=tree, env={"PYTHONPATH": path})
    result: dict[str, Any] = json.loads(out.read_text())
    shutil.rmtree(out.with_suffix(".media"), ignore_errors=True)
    return result


def export_tree(rev: str, dest: Path) -> Path:
    from lowrank_anim.paths import PROJECT_ROOT

    archive = subprocess.run(
        ["git", "archive", rev, "scenes", "lowrank_anim"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        check=True,
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

    from lowrank_anim.paths import PROJECT_ROOT
    from lowrank_anim.pipeline.encoding import encoder_overrides

    capture = work / "frames.npy"
    code = f"""
import numpy as np
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
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PROJECT_ROOT)
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
    parser.add_argument("--worker", nargs=4, metavar=("SCENE", "QUALITY", "TEX", "OUT"))
    parser.add_argument("--mode", choices=["time", "hash", "profile"], default="time")
    parser.add_argument("--before", help="git revision of the 'before' scene code")
    parser.add_argument("--scene", default="RankOneUpdate")
    parser.add_argument("--encoders", action="store_true", help="also compare encoder settings")
    args, _ = parser.parse_known_args()
    if args.worker:
        scene, quality, tex_dir, out = args.worker
        worker(scene, quality, tex_dir, out, args.mode)
        return
    from bench import harness
    from lowrank_anim.paths import PROJECT_ROOT

    harness.add_arguments(parser)
    args = parser.parse_args()
    if not args.before:
        parser.error("--before REV is required")

    session = harness.Session(args)
    work = Path(tempfile.mkdtemp(prefix="lowrank-profile-"))
    try:
        trees = {"before": export_tree(args.before, work / "before"), "after": PROJECT_ROOT}
        tex = work / "tex"
        tex.mkdir()
        # One untimed run fills the LaTeX cache both trees share (LaTeX is not what we compare).
        for tree in trees.values():
            run_worker(session, tree, args.scene, "low", tex, work, "time")
        cpu: dict[tuple[str, str], list[float]] = {}
        frames: dict[tuple[str, str], list[str]] = {}
        for quality in ("low", "high"):
            for name, tree in trees.items():
                frames[(name, quality)] = run_worker(
                    session, tree, args.scene, quality, tex, work, "hash"
                )["frames"]
            for round_ in range(args.rounds):
                for name in harness.rotated(list(trees), round_):
                    harness.log(f"{quality}, round {round_ + 1}/{args.rounds}: {name}")
                    result = run_worker(
                        session, trees[name], args.scene, quality, tex, work, "time"
                    )
                    cpu.setdefault((name, quality), []).append(result["cpu"])
        profiles = {
            name: run_worker(session, tree, args.scene, "low", tex, work, "profile")["buckets"]
            for name, tree in trees.items()
        }
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
        body = [
            f"Before = `{args.before}`, after = {commit}. Drawing only (manim `format=none`: every "
            "frame drawn, none encoded), LaTeX already cached, CPU seconds of the render in its "
            f"process, median of {args.rounds} rounds, before and after interleaved.",
            "",
            "| quality | frames | before (CPU s) | after (CPU s) | after ÷ before "
            "| every frame identical |",
            "| --- | ---: | ---: | ---: | ---: | --- |",
        ]
        for quality in ("low", "high"):
            before = statistics.median(cpu[("before", quality)])
            after = statistics.median(cpu[("after", quality)])
            same = frames[("before", quality)] == frames[("after", quality)]
            body.append(
                f"| {quality} | {len(frames[('after', quality)])} | {before:.2f} | {after:.2f} | "
                f"{after / before:.2f}× | {'yes' if same else '**NO**'} (SHA-1 of every frame) |"
            )
        body += [
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
            body += [
                "",
                "### Encoder settings",
                "",
                f"The same 240 frames of {args.scene} at 1920×1080 (40 distinct frames, each held "
                "for 6), encoded through manim's own segment encoder with each setting; SSIM "
                "against a lossless yuv444p encode of the same frames.",
                "",
                *encoder_table(work, tex, args.scene),
            ]
        found = session.finish()
        title = f"Profile of {args.scene}: where the time goes, before and after"
        command = f"python -m bench.profile_scene --before {args.before} --scene {args.scene}"
        command += " --encoders" if args.encoders else ""
        section = harness.render_section(title, command, found, body)
        harness.publish(args, SCRIPT, section, found)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
