#!/usr/bin/env python3
"""Benchmark lowrank-anim against plain manim, side by side, on the same scene files.

Run it with ``make bench`` (or ``python -m bench.run --help`` from the checkout's root). Every
figure is the median of ``--rounds`` (at least 3) runs of a fresh subprocess, with plain manim
and render.py interleaved so that a change in machine load hits both alike, measured by
bench/harness.py (wall time, CPU of every process, load before and after). It prints a Markdown
table and rewrites its own section of BENCHMARKS.md (between the ``bench/run.py`` markers; other
sections are kept) — unless the machine was busy (then only with ``--busy-ok``, marked so).

Measured pairs:

* every registered scene at low quality: ``render.py render --all -j 2`` (nothing cached: a
  fresh output directory) vs plain ``manim -ql`` for each scene in turn (fresh media dirs);
* the same again with nothing changed: render.py's cache vs plain manim's own cache;
* per scene, time per frame: ``render.py render SCENE -j 1`` vs ``manim -ql`` (both cold);
* a draft 1080p60 render (``-q high --draft``) vs drawing the same frames without encoding
  them (``bench/rasterise_only.py``, manim ``format=none``), and manim's default encoder for
  reference — LaTeX already cached for all three;
* ``render.py preview --watch`` (warm rebuild) vs a cold ``manim -s -ql``, if the command exists;
* ``render.py export`` (size, SSIM) vs manim's default mp4 of the same scene, if it exists;
* peak memory of each: the largest single process, and the whole process tree at its peak
  (sampled from /proc every 0.1 s), since ``-j 2`` runs two renders at once.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import harness
from bench.harness import MANIM, PYTHON, RENDER, Run, Series, Session, log, summed
from lowrank_anim.imports import module_file
from lowrank_anim.paths import PROJECT_ROOT as ROOT
from lowrank_anim.registry import SCENES, SceneSpec

SCRIPT = "bench/run.py"

#: Targets from issue 5: (label, comparison).
TARGETS: dict[str, tuple[str, Callable[[float], bool]]] = {
    "parallel": ("≤ 0.6×", lambda r: r <= 0.6),
    "cache": ("≤ 0.1×", lambda r: r <= 0.1),
    "draft": ("≤ 1.5×", lambda r: r <= 1.5),
    "frame": ("≤ 1.0×", lambda r: r <= 1.0),
}


# The scenes ------------------------------------------------------------------------------------


def scene_file(spec: SceneSpec) -> Path:
    path = module_file(spec.module, ROOT)
    if path is None:
        raise SystemExit(f"cannot find the file of {spec.target}")
    return path


def plain_manim(spec: SceneSpec, quality_flag: str, media_dir: Path, *extra: str) -> list[str]:
    """Plain manim as its docs show it, on our scene file."""
    return [
        MANIM,
        "render",
        quality_flag,
        "--media_dir",
        str(media_dir),
        *extra,
        str(scene_file(spec).relative_to(ROOT)),
        spec.class_name,
    ]


def frame_count(path: Path) -> int:
    import av

    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        if stream.frames:
            return int(stream.frames)
        return sum(1 for _ in container.demux(stream) if _.size)


def manim_output(media_dir: Path, spec: SceneSpec, suffix: str = ".mp4") -> Path:
    found = sorted(
        (p for p in media_dir.rglob(f"{spec.class_name}{suffix}") if "partial" not in str(p)),
        key=lambda p: p.stat().st_mtime,
    )
    if not found:
        raise RuntimeError(f"plain manim wrote no {suffix} for {spec.name} under {media_dir}")
    return found[-1]


def render_help(*command: str) -> str:
    out = subprocess.run(
        [*RENDER, *command, "--help"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return out.stdout if out.returncode == 0 else ""


# Optional comparisons (commands other helpers may add) ----------------------------------------


def bench_preview(
    spec: SceneSpec, work: Path, rounds: int, session: Session
) -> tuple[Series, Series] | str:
    """Warm ``render.py preview --watch`` rebuild after an edit vs cold ``manim -s -ql``,
    interleaved: each round one cold manim run, then one edit and its rebuild."""
    help_text = render_help("preview")
    if "--watch" not in help_text:
        return "`render.py preview --watch` does not exist in this checkout: skipped."
    source = scene_file(spec)
    original = source.read_bytes()
    out_dir = work / "preview-ours"
    cmd = [*RENDER, "preview", spec.name, "--watch", "-q", "low", "-o", str(out_dir)]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def newest() -> float:
        files = [p for p in out_dir.rglob("*") if p.is_file() and p.suffix in {".png", ".mp4"}]
        return max((p.stat().st_mtime for p in files), default=0.0)

    def wait_for_change(since: float, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if newest() > since:
                return True
            time.sleep(0.05)
        return False

    def cold(i: int) -> Run:
        return session.measure(plain_manim(spec, "-ql", work / f"preview-plain-{i}", "-s"))

    def rebuild(i: int) -> Run:
        time.sleep(1.1)  # a new mtime must be distinguishable from the last one
        before, load, cpu = newest(), harness.load1(), harness.process_cpu_seconds(proc.pid)
        start = time.perf_counter()
        source.write_bytes(original + f"\n# bench edit {i}\n".encode())
        if not wait_for_change(before, 300):
            raise harness.CommandFailedError("`render.py preview --watch` did not rebuild")
        wall = time.perf_counter() - start
        return Run(wall, harness.process_cpu_seconds(proc.pid) - cpu, load, harness.load1())

    try:
        if not wait_for_change(0.0, 300):
            return "`render.py preview --watch` produced no file under -o within 5 min: skipped."
        count = iter(range(rounds * 2))
        series = harness.interleave(
            {"cold": lambda: cold(next(count)), "warm": lambda: rebuild(next(count))},
            rounds,
            what="preview",
        )
    except harness.CommandFailedError as error:
        return f"{error}: skipped."
    finally:
        source.write_bytes(original)
        proc.terminate()
        proc.wait(timeout=30)
    return series["cold"], series["warm"]


def ssim(distorted: Path, reference: Path) -> float | None:
    """Mean SSIM (ffmpeg's ssim filter) of ``distorted`` against ``reference``."""
    cmd = [
        "ffmpeg", "-hide_banner", "-nostats", "-i", str(distorted), "-i", str(reference),
        "-lavfi", "[0:v][1:v]scale2ref[a][b];[a][b]ssim", "-f", "null", "-",
    ]  # fmt: skip
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)
    match = re.search(r"All:([0-9.]+)", out.stderr)
    return float(match.group(1)) if match else None


def bench_export(
    spec: SceneSpec, work: Path, rounds: int, session: Session
) -> tuple[Series, Series, dict[str, float]] | str:
    """``render.py export`` vs manim's default mp4 of the same scene and quality, interleaved."""
    if not render_help("export"):
        return "`render.py export` does not exist in this checkout: skipped."
    out_dir = work / "export-ours"
    shutil.rmtree(out_dir, ignore_errors=True)
    session.measure([*RENDER, "export", spec.name, "-o", str(out_dir)])  # which size it makes
    videos = sorted(
        (p for p in out_dir.rglob("*") if p.suffix in {".mp4", ".webm"}),
        key=lambda p: p.stat().st_size,
    )
    if not videos:
        return "`render.py export` wrote no mp4/webm under -o: skipped."
    import av

    exported = videos[-1]
    with av.open(str(exported)) as container:
        stream = container.streams.video[0]
        height, rate = stream.codec_context.height, float(stream.guessed_rate or 0)
    flags = {(480, 15): "-ql", (720, 30): "-qm", (1080, 60): "-qh", (1440, 60): "-qp"}
    flag = flags.get((height, round(rate)))
    if flag is None:
        return f"export is {height}p{rate:g}, no manim preset to compare with: skipped."
    plain_dirs = iter(range(rounds))

    def ours() -> Run:
        shutil.rmtree(out_dir, ignore_errors=True)
        return session.measure([*RENDER, "export", spec.name, "-o", str(out_dir)])

    def plain() -> Run:
        media = work / f"export-plain-{next(plain_dirs)}"
        return session.measure(plain_manim(spec, flag, media, "--disable_caching"))

    series = harness.interleave({"ours": ours, "plain": plain}, rounds, what="export")
    exported = sorted(
        (p for p in out_dir.rglob("*") if p.suffix in {".mp4", ".webm"}),
        key=lambda p: p.stat().st_size,
    )[-1]
    reference = manim_output(work / "export-plain-0", spec)
    figures = {
        "export_mb": exported.stat().st_size / 1e6,
        "manim_mb": reference.stat().st_size / 1e6,
        "ssim": ssim(exported, reference) or float("nan"),
    }
    return series["ours"], series["plain"], figures


# The benchmark -------------------------------------------------------------------------------


@dataclass
class Results:
    rows: list[tuple[str, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    raw: dict[str, tuple[Series, Series]] = field(default_factory=dict)

    def pair(self, what: str, ours: Series, theirs: Series, target: str | None) -> float:
        ratio = ours.wall / theirs.wall
        if target:
            label, ok = TARGETS[target]
            verdict = f"{label} {'✅' if ok(ratio) else '❌'}"
        else:
            verdict = "—"
        memory = (
            f"{ours.peak_process_mb:.0f} / {ours.peak_tree_mb:.0f} vs "
            f"{theirs.peak_process_mb:.0f} / {theirs.peak_tree_mb:.0f}"
        )
        self.rows.append(
            (
                what,
                f"{ours.wall:.2f}",
                f"{theirs.wall:.2f}",
                f"{ratio:.2f}×",
                verdict,
                f"{ours.cpu:.1f} vs {theirs.cpu:.1f}",
                memory,
            )
        )
        self.raw[what] = (ours, theirs)
        return ratio


def ours(*args: str) -> list[str]:
    """A render.py command line."""
    return [*RENDER, *args]


def bench_low_quality(
    specs: list[SceneSpec], args: argparse.Namespace, work: Path, results: Results, session: Session
) -> None:
    """Every scene at low quality: cold batch, unchanged re-run, and each scene on its own.

    Each round runs every side once; the order within a round is fixed (an unchanged re-run
    must follow the cold run into the same folder)."""
    plain_cold = {s.name: Series() for s in specs}
    plain_warm = {s.name: Series() for s in specs}
    ours_single = {s.name: Series() for s in specs}
    ours_cold, ours_warm = Series(), Series()
    which = [s.name for s in specs] if args.scenes else ["--all"]
    for i in range(args.rounds):
        log(f"low quality, round {i + 1}/{args.rounds}")
        batch = ours(
            "render", *which, "-q", "low", "-j", str(args.jobs), "-o", str(work / f"ours-{i}")
        )
        for spec in specs:
            plain_cold[spec.name].add(
                session.measure(plain_manim(spec, "-ql", work / f"plain-{i}"))
            )
        ours_cold.add(session.measure(batch))
        for spec in specs:
            plain_warm[spec.name].add(
                session.measure(plain_manim(spec, "-ql", work / f"plain-{i}"))
            )
        ours_warm.add(session.measure(batch))
        for spec in specs:
            single = work / f"single-{i}-{spec.name}"
            ours_single[spec.name].add(
                session.measure(
                    ours("render", spec.name, "-q", "low", "-j", "1", "-o", str(single))
                )
            )
    label = f"{len(specs)} scene{'s' if len(specs) > 1 else ''}"
    results.pair(
        f"{label}, low quality, nothing cached: `render {' '.join(which)} -j {args.jobs}` vs "
        "`manim -ql` "
        "each in turn",
        ours_cold,
        summed(plain_cold.values()),
        "parallel" if len(specs) > 1 else None,
    )
    results.pair(
        f"{label}, low quality, nothing changed: render.py's cache vs manim again (its own cache)",
        ours_warm,
        summed(plain_warm.values()),
        "cache",
    )
    for spec in specs:
        frames = frame_count(manim_output(work / "plain-0", spec))
        mine, plain = ours_single[spec.name], plain_cold[spec.name]
        per_frame = f"{1000 * mine.wall / frames:.1f} vs {1000 * plain.wall / frames:.1f} ms"
        results.pair(
            f"{spec.name}, per frame ({frames} frames; {per_frame}): `render {spec.name} -j 1` "
            "vs `manim -ql`, cold",
            mine,
            plain,
            "frame",
        )
    if len(specs) < 2:
        bench_two_jobs(specs[0], args, work, results, session)


def bench_two_jobs(
    spec: SceneSpec, args: argparse.Namespace, work: Path, results: Results, session: Session
) -> None:
    """With one scene `--all` has one job: time two (its dark and light variants) through the
    same batch code, against plain manim rendering the scene twice in turn, interleaved."""
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from lowrank_anim.pipeline.batch import render_batch\n"
        "from lowrank_anim.registry import get_scene\n"
        "from lowrank_anim.pipeline.request import RenderRequest\n"
        "if __name__ == '__main__':\n"
        f"    spec = get_scene({spec.name!r})\n"
        "    requests = [RenderRequest(spec, theme=t) for t in ('dark', 'light')]\n"
        "    results = render_batch(requests, Path(sys.argv[1]), jobs=int(sys.argv[2]))\n"
        "    sys.exit(0 if all(r.ok for r in results) else 1)\n"
    )
    script = work / "two_jobs.py"
    script.write_text(code, encoding="utf-8")
    counter = iter(range(4 * args.rounds))

    def two() -> Run:
        return session.measure(
            [PYTHON, str(script), str(work / f"two-{next(counter)}"), str(args.jobs)]
        )

    def twice() -> Run:
        first, second = (
            Series([session.measure(plain_manim(spec, "-ql", work / f"twice-{next(counter)}"))])
            for _ in range(2)
        )
        return summed([first, second]).runs[0]

    series = harness.interleave({"two": two, "twice": twice}, args.rounds, what="two jobs")
    results.pair(
        f"stand-in for several scenes: {spec.name} dark + light as one batch, `-j {args.jobs}` "
        "vs `manim -ql` twice in turn, cold",
        series["two"],
        series["twice"],
        "parallel",
    )
    results.notes.append(
        f"Only {spec.name} was benchmarked, so `render` has a single job, which runs "
        "in-process: the first row measures the pipeline without parallelism (shared LaTeX, "
        "draft encoder). The parallel target is measured by the stand-in row: two renders (the "
        "scene's two themes) through the same batch code, against plain manim rendering the "
        "scene twice (the same amount of drawing)."
    )


def bench_draft(
    spec: SceneSpec, args: argparse.Namespace, work: Path, results: Results, session: Session
) -> None:
    """Draft 1080p60 render vs the same frames drawn without encoding (and manim's default)."""
    hq = work / "hq-ours"
    log("1080p60: warming the LaTeX cache")
    session.measure(ours("render", spec.name, "-q", "low", "-o", str(hq)))
    store = hq / ".cache" / "tex"
    counter = iter(range(3 * args.hq_rounds))

    def raster() -> Run:
        i = next(counter)
        tex = work / f"hq-raster-tex-{i}"
        shutil.copytree(store, tex)
        rasterise = ["-m", "bench.rasterise_only", spec.name, "high", str(tex)]
        return session.measure([PYTHON, *rasterise, str(work / f"hq-raster-{i}")])

    def draft() -> Run:
        return session.measure(
            ours("render", spec.name, "-q", "high", "--draft", "--force", "-o", str(hq))
        )

    def default() -> Run:
        plain_dir = work / f"hq-plain-{next(counter)}"
        shutil.copytree(store, plain_dir / "Tex")
        return session.measure(plain_manim(spec, "-qh", plain_dir, "--disable_caching"))

    sides: dict[str, Callable[[], Run]] = {"raster": raster, "draft": draft}
    if not args.skip_default:
        sides["default"] = default
    series = harness.interleave(sides, args.hq_rounds, what="1080p60")
    results.pair(
        f"{spec.name} 1080p60: draft render (`-q high --draft`) vs rasterise-only (all frames "
        "drawn, none encoded)",
        series["draft"],
        series["raster"],
        "draft",
    )
    if "default" in series:
        results.pair(
            f"{spec.name} 1080p60: manim's default encoder (`manim -qh`) vs rasterise-only, for "
            "reference",
            series["default"],
            series["raster"],
            None,
        )


def bench_optional(
    spec: SceneSpec, args: argparse.Namespace, work: Path, results: Results, session: Session
) -> None:
    """The preview and web-export pairs, when those commands exist."""
    preview = bench_preview(spec, work, args.rounds, session)
    if isinstance(preview, str):
        results.notes.append(f"Preview: {preview}")
    else:
        results.pair(
            f"{spec.name}: `preview --watch` rebuild after an edit vs cold `manim -s -ql`",
            preview[1],
            preview[0],
            None,
        )
    export = bench_export(spec, work, args.rounds, session)
    if isinstance(export, str):
        results.notes.append(f"Web export: {export}")
    else:
        mine, plain, figures = export
        results.pair(f"{spec.name}: `render.py export` vs manim's default mp4", mine, plain, None)
        results.notes.append(
            f"Web export of {spec.name}: {figures['export_mb']:.2f} MB vs manim's default mp4 "
            f"{figures['manim_mb']:.2f} MB ({figures['export_mb'] / figures['manim_mb']:.2f}×), "
            f"SSIM {figures['ssim']:.4f} against it."
        )


def run(args: argparse.Namespace) -> tuple[str, harness.Conditions]:
    session = Session(args)
    specs = [SCENES[name] for name in (args.scenes or list(SCENES))]
    work = Path(tempfile.mkdtemp(prefix="lowrank-bench-"))
    results = Results()
    try:
        bench_low_quality(specs, args, work, results, session)
        if not args.skip_hq:
            bench_draft(SCENES[args.hq_scene], args, work, results, session)
        bench_optional(specs[0], args, work, results, session)
    finally:
        if args.keep:
            log(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    found = session.finish()
    return report(results, found, args), found


def report(results: Results, found: harness.Conditions, args: argparse.Namespace) -> str:
    body = [
        f"Rewritten on every run. Times are medians of {args.rounds} rounds ({args.hq_rounds} "
        "for 1080p60) of a fresh process, in seconds, the sides interleaved; the ratio is ours ÷ "
        "theirs (lower is better). Memory is the peak of the largest single process / of the "
        "whole process tree, in MB; CPU is user + system time of the process and all its "
        "descendants (less sensitive to other load on the machine than wall time).",
        "",
        "| measurement | ours (s) | theirs (s) | ratio | target | CPU s, ours vs theirs "
        "| peak MB, ours vs theirs |",
        "| --- | ---: | ---: | ---: | --- | --- | --- |",
        *(f"| {' | '.join(row)} |" for row in results.rows),
        "",
    ]
    if results.notes:
        body += [*(f"- {note}" for note in results.notes), ""]
    body += [
        "<details><summary>Every run</summary>",
        "",
        *(
            f"- {what}: ours {mine.every_run()}; theirs {theirs.every_run()}"
            for what, (mine, theirs) in results.raw.items()
        ),
        "",
        "</details>",
    ]
    title = "Speed: parallel renders, cache, encoder settings (`make bench`)"
    return harness.render_section(title, "python -m bench.run", found, body)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    harness.add_arguments(parser)
    parser.add_argument(
        "--hq-rounds",
        "--hq-runs",
        dest="hq_rounds",
        type=harness.rounds_type,
        default=harness.MIN_ROUNDS,
        help="rounds of the 1080p60 figures (at least 3)",
    )
    parser.add_argument("--jobs", "-j", type=int, default=2, help="render.py -j for the batch rows")
    parser.add_argument("--scenes", nargs="*", help="scene names (default: every registered one)")
    parser.add_argument("--hq-scene", default="RankOneUpdate", help="scene for the 1080p60 pair")
    parser.add_argument("--skip-hq", action="store_true", help="skip the 1080p60 pair")
    parser.add_argument(
        "--skip-default", action="store_true", help="skip manim's default 1080p60 encode"
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    args = parser.parse_args(argv)
    unknown = [name for name in (args.scenes or []) if name not in SCENES]
    if unknown:
        parser.error(f"unknown scene(s) {', '.join(unknown)}; see `render.py list`")
    section, found = run(args)
    harness.publish(args, SCRIPT, section, found)


if __name__ == "__main__":
    main()
