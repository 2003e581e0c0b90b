"""The render commands: ``render`` (a batch of scenes, on this machine or a Dask farm), ``shard``
and ``join`` (one scene's plays rendered by separate commands, then joined) and ``worker`` (a
farm worker).  :func:`plan_render` parses a ``render`` command line without running it, for
the notebook and ``post``'s stills.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import click

from lowrank_anim.cli.options import (
    ChunksParam,
    SceneOptions,
    debug_requested,
    output_dir_option,
    quality_option,
    scene_options,
    scenes_from,
    shard_format_option,
)
from lowrank_anim.core.outputs import ensure_writable
from lowrank_anim.pipeline.batch import default_jobs, render_and_report
from lowrank_anim.pipeline.farm import SCHEDULER_ENV
from lowrank_anim.pipeline.progress import SilentReporter, failure_message
from lowrank_anim.pipeline.rendering import render
from lowrank_anim.pipeline.request import FORMATS, RenderRequest
from lowrank_anim.pipeline.shards import ShardWritten, parse_shard, shard_reader, shard_writer
from lowrank_anim.pipeline.workers import Job, job_for, run_here, run_job


@click.command("render")
@click.argument("scenes", nargs=-1, metavar="SCENE...")
@click.option("--all", "all_scenes", is_flag=True, help="Render every registered scene.")
@quality_option("low")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS, case_sensitive=False),
    default="mp4",
    show_default=True,
    help="Video format, or png for the last frame only.",
)
@scene_options
@output_dir_option
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help=f"Render up to N scenes (or chunks of one scene) at once, each in its own process, "
    f"on a local Dask pool [default: the number of cores, {default_jobs()}]; fewer at once "
    "where the memory would not hold them (about 2.3 GB each at 4k). 1 renders in this "
    "process, one after another.",
)
@click.option("--force", is_flag=True, help="Render even the scenes whose inputs have not changed.")
@click.option(
    "--draft",
    is_flag=True,
    help="Fast encoder settings (bigger files) at any quality; already the default for low "
    "and medium.",
)
@click.option(
    "--sections",
    is_flag=True,
    help="Also write one clip per beat beside the video, in SCENE.sections/.",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT",
    envvar=SCHEDULER_ENV,
    show_envvar=True,
    default=None,
    help="Render on the workers of this Dask scheduler (`dask scheduler` prints its address; "
    "start workers with `render.py worker ADDRESS`): the files come back here. Workers must run "
    "the same image or lock.",
)
@click.option(
    "--chunks",
    type=ChunksParam(),
    metavar="N|auto",
    default="auto",
    show_default=True,
    help="Cut a lone scene into N chunks of plays rendered in parallel (at most -j processes, "
    "or on the --scheduler's workers) and joined: the same file, sooner. auto: at 1080p and "
    "above, as many as a cost model of the scene's plan expects to be fastest (what each chunk "
    "replays, the load; one per worker thread with --scheduler), else 1.",
)
@click.pass_context
def render_command(
    ctx: click.Context,
    scenes: tuple[str, ...],
    all_scenes: bool,
    quality: str,
    fmt: str,
    scene_options: SceneOptions,
    output_dir: Path,
    jobs: int | None,
    force: bool,
    draft: bool,
    sections: bool,
    scheduler: str | None,
    chunks: int | None,
) -> None:
    """Render SCENE... (or --all) and print the path of each file.

    Files land at OUTPUT_DIR/SCENE/<resolution>/SCENE[-theme][-transparent][-pTAG].<format>,
    with the subtitles (.srt) beside each video. pTAG is a short hash of --set/--params
    values, whose numbers are also written to a .params.json beside the file. A file whose
    inputs (scene code, library, assets, options, manim version) have not changed since it was
    rendered is not rendered again (see OUTPUT_DIR/manifest.json); --force renders it anyway.

    \b
    Examples:
      render.py render RankOneUpdate --set x=1.5,-0.5 --set v=0.8,0.6
      render.py render InputSweep --params assets/params/along-v.toml --theme light
      render.py render RankOneUpdate --transparent --sections
      render.py render FullStory -q high --chunks 2
    """
    requests = render_requests(ctx, scenes, all_scenes, quality, fmt, scene_options, sections)
    ensure_writable(output_dir)
    results = render_and_report(
        requests,
        output_dir,
        jobs=jobs,
        force=force,
        draft=draft,
        render_fn=render,
        debug=debug_requested(),
        scheduler=scheduler,
        chunks=chunks,
    )
    for result in results:
        if result.ok:
            click.echo(result.path)
    message = failure_message(results)
    if message:
        raise click.ClickException(message)


def shard_job(
    scene: str,
    quality: str,
    fmt: str,
    scene_options: SceneOptions,
    output_dir: Path,
    draft: bool,
    sections: bool = False,
) -> Job:
    """The render job ``shard`` and ``join`` share: the same request, key and encoder."""
    spec = scenes_from([scene], False)[0]
    params = scene_options.params([spec])
    request = scene_options.request(
        spec, params, quality=quality.lower(), fmt=fmt.lower(), sections=sections
    )
    return job_for(request, output_dir, draft=draft)


@click.command("shard")
@click.argument("scene", metavar="SCENE")
@click.argument("which", metavar="K/N")
@quality_option("low")
@shard_format_option
@scene_options
@click.option("--draft", is_flag=True, help="Fast encoder settings, as `render --draft`.")
@click.option("--sections", is_flag=True, help="As `render --sections` (give it to the join too).")
@click.option(
    "--output-dir",
    "-o",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("shards"),
    show_default=True,
    help="Folder the shard's segments and record go to (shared by every shard, then joined).",
)
def shard_command(
    scene: str,
    which: str,
    quality: str,
    fmt: str,
    scene_options: SceneOptions,
    draft: bool,
    sections: bool,
    folder: Path,
) -> None:
    """Render shard K of N of SCENE's plays into a folder; `render.py join` makes the file.

    The plays are cut into N runs of about equal cost, as `render --chunks N` cuts them, and
    shard K renders only the K-th (a Kubernetes Indexed Job runs K = $JOB_COMPLETION_INDEX+1).
    Every shard and the join must get the same scene, quality, format and scene options.
    Prints the shard's record file.

    \b
    Examples:
      render.py shard FullStory 1/4 -q high -o /shards
      render.py join FullStory /shards -q high -o media
    """
    try:
        shard, shards = parse_shard(which)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="K/N") from None
    ensure_writable(folder)
    job = shard_job(scene, quality, fmt, scene_options, folder, draft, sections)
    write = shard_writer(shard, shards, folder, job.key)
    try:
        run_job(job.request, folder, job.settings, functools.partial(render, segments=write))
    except ShardWritten as done:
        click.echo(done.record)
        return
    raise click.ClickException(f"{scene} rendered without reaching its plays; nothing to shard")


@click.command("join")
@click.argument("scene", metavar="SCENE")
@click.argument(
    "folder", metavar="SHARDS_DIR", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
@quality_option("low")
@shard_format_option
@scene_options
@click.option("--draft", is_flag=True, help="Fast encoder settings, as the shards had.")
@click.option("--sections", is_flag=True, help="One clip per beat as well, as `render --sections`.")
@output_dir_option
def join_command(
    scene: str,
    folder: Path,
    quality: str,
    fmt: str,
    scene_options: SceneOptions,
    draft: bool,
    sections: bool,
    output_dir: Path,
) -> None:
    """Join the shards of SCENE in SHARDS_DIR into its file, as `render` would have made it.

    The options must be the shards' own: the shards are matched by the render's cache key,
    and every play must be covered. The file lands where `render` puts it (and is recorded,
    so `render` with the same options finds it up to date); prints its path.
    """
    ensure_writable(output_dir)
    job = shard_job(scene, quality, fmt, scene_options, output_dir, draft, sections)
    read = shard_reader(folder, job.key)
    job = dataclasses.replace(job, render_fn=functools.partial(render, segments=read))
    result = run_here(job, SilentReporter(), debug_requested())
    if not result.ok:
        raise click.ClickException(result.error or "the join failed")
    click.echo(result.path)


@click.command(
    "worker",
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument("address", metavar="tcp://HOST:PORT")
@click.argument("dask_args", nargs=-1, type=click.UNPROCESSED)
def worker_command(address: str, dask_args: tuple[str, ...]) -> None:
    """Serve renders to the Dask scheduler at ADDRESS (`render --scheduler ADDRESS`).

    Runs `dask worker ADDRESS --nthreads 1` with this project's Python, so each render task
    runs with this machine's manim, cairo and x264 (the scheduler's client refuses workers
    whose versions differ from its own). Further options go to `dask worker`, e.g.
    `--nworkers 4 --memory-limit 4GiB`. In the image:
    `docker run --network host IMAGE worker tcp://HOST:PORT`.
    """
    if "://" not in address:
        raise click.BadParameter(f"{address!r} is not tcp://HOST:PORT", param_hint="ADDRESS")
    argv = [sys.executable, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1"]
    os.execv(sys.executable, [*argv, *dask_args])


def render_requests(
    ctx: click.Context,
    scenes: Sequence[str],
    all_scenes: bool,
    quality: str,
    fmt: str,
    scene_options: SceneOptions,
    sections: bool,
) -> list[RenderRequest]:
    """The requests ``render`` makes of its parsed options (``ctx`` says whether ``--format``
    was given), or a click error naming the fix."""
    specs = scenes_from(scenes, all_scenes)
    params = scene_options.params(specs, all_scenes)
    fmt = fmt.lower()
    default_fmt = ctx.get_parameter_source("fmt") is click.core.ParameterSource.DEFAULT
    if scene_options.transparent and default_fmt:
        fmt = "webm"  # the one default format that keeps an alpha channel
    return [
        scene_options.request(spec, params, quality=quality.lower(), fmt=fmt, sections=sections)
        for spec in specs
    ]


@dataclass(frozen=True)
class RenderPlan:
    """What a ``render`` command line asks for, parsed but not run (for the notebook)."""

    requests: list[RenderRequest]
    output_dir: Path
    jobs: int | None
    force: bool
    draft: bool


def plan_render(args: Sequence[str], prog_name: str = "render.py render") -> RenderPlan:
    """Parse ``args`` exactly as ``render.py render`` does, options and checks included.

    Raises the command's click errors (format them with :func:`one_line`) and
    ``click.exceptions.Exit`` after printing ``--help``."""
    ctx = render_command.make_context(prog_name, list(args))
    p = ctx.params
    options = SceneOptions.parsed(p["theme"], p["transparent"], p["assignments"], p["params_file"])
    try:
        requests = render_requests(
            ctx, p["scenes"], p["all_scenes"], p["quality"], p["fmt"], options, p["sections"]
        )
    except click.UsageError as exc:
        exc.ctx = exc.ctx or ctx  # as click does for a command's own errors: names its --help
        raise
    return RenderPlan(requests, p["output_dir"], p["jobs"], p["force"], p["draft"])
