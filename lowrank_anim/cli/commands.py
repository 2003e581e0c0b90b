"""The command line: list, render, preview, export, embed and gallery, plus the doctor.

Commands are thin: they parse options, call ``lowrank_anim`` library functions and turn domain
errors into one-line click errors.  Every command that draws a scene takes the same scene
options (:func:`scene_options`: ``--theme``, ``--transparent``, ``--set``, ``--params``), parsed
once into a :class:`~lowrank_anim.pipeline.request.RenderRequest`.  ``render.py`` (and the
``lowrank-anim`` console script, and ``python -m lowrank_anim``) only call :func:`main`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

import click

from lowrank_anim.authoring.preview import (
    DEFAULT_PREVIEW_QUALITY,
    PreviewRequest,
    SectionChoice,
    SectionNotFoundError,
    open_in_viewer,
    render_preview,
)
from lowrank_anim.authoring.watch import timestamped
from lowrank_anim.authoring.watch import watch as watch_scene
from lowrank_anim.core.outputs import (
    OutputDirError,
    ensure_writable,
    human_size,
    shorten,
    write_text_atomically,
)
from lowrank_anim.core.termination import (
    SIGTERM_EXIT_CODE,
    Terminated,
    interruption,
    raise_if_lost,
    sigterm_raises,
)
from lowrank_anim.health.diagnosis import explain
from lowrank_anim.health.doctor import format_table, run_checks
from lowrank_anim.maths.palette import DEFAULT_THEME, THEMES
from lowrank_anim.maths.params import KINDS, ParamError, SceneParams, build_example, collect
from lowrank_anim.pipeline import cache, encoding
from lowrank_anim.pipeline.batch import default_jobs, render_and_report
from lowrank_anim.pipeline.farm import SCHEDULER_ENV, FarmError
from lowrank_anim.pipeline.ffmpeg import EncodeError, ToolMissingError
from lowrank_anim.pipeline.progress import SilentReporter, failure_message
from lowrank_anim.pipeline.rendering import render
from lowrank_anim.pipeline.request import (
    DEFAULT_OUTPUT_DIR,
    FORMATS,
    QUALITY_PRESETS,
    RenderRequest,
)
from lowrank_anim.pipeline.shards import ShardWritten, parse_shard, shard_reader, shard_writer
from lowrank_anim.pipeline.workers import Job, run_here, run_job
from lowrank_anim.registry import SCENES, SceneSpec, UnknownSceneError, get_scene
from lowrank_anim.web.embed import (
    ENGINES,
    HUGO_SHORTCODE_PATH,
    MANIFEST_SUFFIX,
    BaseUrlError,
    Clip,
    check_base_url,
)
from lowrank_anim.web.explorable import NotExplorableError, check_explorable, write_explorable
from lowrank_anim.web.gallery import (
    NoMatchingClipError,
    VariantFilter,
    clip_count,
    write_gallery,
)
from lowrank_anim.web.webexport import (
    DEFAULT_EXPORT_QUALITY,
    DEFAULT_WEB_DIR,
    WebExportRequest,
    export_web,
)

F = TypeVar("F", bound=Callable[..., Any])


# Reusable option groups ---------------------------------------------------------------------


class OutputDirPath(click.Path):
    """A directory path that is not empty and has no NUL byte.

    Any directory is the user's choice, but ``-o "$UNSET"`` must not quietly mean the
    current directory (click would turn "" into ``.``)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and not value.strip():
            self.fail("the path is empty", param, ctx)
        if isinstance(value, str) and "\0" in value:
            self.fail(f"the path {shorten(value)} contains a NUL byte", param, ctx)
        return super().convert(value, param, ctx)


def output_dir_option(func: F) -> F:
    """``--output-dir``, shared by every command that writes files."""
    return click.option(
        "--output-dir",
        "-o",
        type=OutputDirPath(file_okay=False, path_type=Path),
        default=DEFAULT_OUTPUT_DIR,
        show_default=True,
        help="Directory the files are written under.",
    )(func)


def quality_option(default: str) -> Callable[[F], F]:
    def decorate(func: F) -> F:
        return click.option(
            "--quality",
            "-q",
            type=click.Choice(list(QUALITY_PRESETS), case_sensitive=False),
            default=default,
            show_default=True,
            help="manim preset: low 480p15, medium 720p30, high 1080p60, production 1440p60, "
            "4k 2160p60.",
        )(func)

    return decorate


def scenes_from(names: Sequence[str], all_scenes: bool) -> list[SceneSpec]:
    """The scenes a command was asked for, or a UsageError naming the fix."""
    if names and all_scenes:
        raise click.UsageError("give scene names or --all, not both")
    if all_scenes:
        return list(SCENES.values())
    if not names:
        raise click.UsageError("name at least one scene (see `render.py list`) or pass --all")
    try:
        return [get_scene(name) for name in dict.fromkeys(names)]
    except UnknownSceneError as exc:
        raise click.BadParameter(str(exc), param_hint="SCENE") from None


def scene_params(
    specs: Sequence[SceneSpec],
    assignments: Sequence[str],
    params_file: Path | None,
    all_scenes: bool = False,
) -> SceneParams:
    """The validated parameters for every scene asked for, or a BadParameter naming the fix."""
    try:
        params = collect(assignments, params_file)
        if all_scenes and params:
            refuse_numbers_for_all(specs, params)
        for spec in specs:
            build_example(spec.name, spec.model, params)
    except ParamError as exc:
        from_file = params_file is not None and str(params_file) in str(exc)
        hint = "--params" if from_file else "--set"
        raise click.BadParameter(str(exc), param_hint=f"'{hint}'") from None
    return params


def refuse_numbers_for_all(specs: Sequence[SceneSpec], params: SceneParams) -> None:
    """``--all`` with numbers some scene cannot take: a UsageError that names ``--all`` and
    the scenes that do take them (not the first scene that does not)."""

    def takes(spec: SceneSpec) -> bool:
        try:
            build_example(spec.name, spec.model, params)
        except ParamError:
            return False
        return True

    fit = [spec.name for spec in specs if takes(spec)]
    if not fit:  # wrong for every scene: the first scene with parameters says why
        for spec in specs:
            if KINDS[spec.model].keys:
                build_example(spec.name, spec.model, params)
    if len(fit) == len(specs):
        return
    refused = ", ".join(spec.name for spec in specs if spec.name not in fit)
    raise click.UsageError(
        f"--all includes scenes that cannot take these --set/--params numbers ({refused}); "
        f"name the scenes instead: {' '.join(fit)}"
    )


@dataclass(frozen=True)
class SceneOptions:
    """The scene options every drawing command takes, as given on the command line."""

    theme: str = DEFAULT_THEME
    transparent: bool = False
    assignments: tuple[str, ...] = ()
    params_file: Path | None = None

    def given(self) -> list[str]:
        """The options as they were typed (for messages that name the command to run)."""
        words = [] if self.theme == DEFAULT_THEME else [f"--theme {self.theme}"]
        words += ["--transparent"] if self.transparent else []
        words += [f"--set {shlex.quote(a)}" for a in self.assignments]
        if self.params_file is not None:
            words.append(f"--params {shlex.quote(str(self.params_file))}")
        return words

    @classmethod
    def parsed(
        cls,
        theme: str,
        transparent: bool,
        assignments: Sequence[str],
        params_file: Path | None,
    ) -> SceneOptions:
        """The options from click's parsed values (the names :func:`scene_options` declares)."""
        return cls(theme.lower(), transparent, tuple(assignments), params_file)

    def params(self, specs: Sequence[SceneSpec], all_scenes: bool = False) -> SceneParams:
        """``--set``/``--params`` parsed and checked against every scene asked for."""
        return scene_params(specs, self.assignments, self.params_file, all_scenes)

    def request(self, spec: SceneSpec, params: SceneParams, **fields: Any) -> RenderRequest:
        """The one request type, or a UsageError for a bad combination (e.g. no alpha)."""
        try:
            return RenderRequest(
                spec,
                theme=self.theme,
                transparent=self.transparent,
                params=params,
                **fields,
            )
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None


def scene_options(func: F) -> F:
    """``--theme``, ``--transparent``, ``--set KEY=VALUE`` and ``--params FILE``, handed to the
    command as one :class:`SceneOptions` argument named ``scene_options``."""

    @functools.wraps(func)
    def command(
        *args: Any,
        theme: str,
        transparent: bool,
        assignments: tuple[str, ...],
        params_file: Path | None,
        **kwargs: Any,
    ) -> Any:
        chosen = SceneOptions.parsed(theme, transparent, assignments, params_file)
        return func(*args, scene_options=chosen, **kwargs)

    options = [
        click.option(
            "--theme",
            type=click.Choice(list(THEMES), case_sensitive=False),
            default=DEFAULT_THEME,
            show_default=True,
            help="Colour theme: dark (manim's look) or light (for white blog pages).",
        ),
        click.option(
            "--transparent",
            is_flag=True,
            help="No background: webm (VP9 with alpha; render's default format with this flag), "
            "mov or png.",
        ),
        click.option(
            "--set",
            "assignments",
            multiple=True,
            metavar="KEY=VALUE",
            help="Set a parameter: W=1,0;0,1 (rows), u, v, x=1.5,-0.5, or U, V (columns "
            "u1;u2) for RankTwoUpdate. Repeatable. Numbers only, |value| ≤ 1000.",
        ),
        click.option(
            "--params",
            "params_file",
            type=click.Path(dir_okay=False, path_type=Path),
            default=None,
            help="TOML file of parameters (see assets/params/); --set values win over it.",
        ),
    ]
    decorated: Any = command
    for option in reversed(options):
        decorated = option(decorated)
    return cast(F, decorated)


# Commands -----------------------------------------------------------------------------------


class OneLineErrors(click.Group):
    """A click group whose failures are one line on stderr and an exit code, never a
    traceback (``--debug`` shows it).  Living in ``main`` means CliRunner tests see exactly
    what users see."""

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        argv = list(sys.argv[1:] if args is None else args)
        try:
            # SIGTERM unwinds like Ctrl-C, so scratch files are cleaned up on the way out.
            with sigterm_raises():
                rv = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
                raise_if_lost()  # an interrupt that Python swallowed still ends the command
        except click.exceptions.Abort:
            fail("interrupted", 130)
        except click.ClickException as exc:
            fail(one_line(exc), exc.exit_code)
        except (OutputDirError, FarmError) as exc:
            fail(str(exc), 1)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Terminated:
            fail("terminated (SIGTERM); no file was left half-written", SIGTERM_EXIT_CODE)
        except Exception as exc:
            if "--debug" in argv:
                raise
            stopped = interruption(exc)
            if isinstance(stopped, KeyboardInterrupt):
                fail("interrupted", 130)
            if isinstance(stopped, Terminated):
                fail("terminated (SIGTERM); no file was left half-written", SIGTERM_EXIT_CODE)
            # A broken environment (wrong-CPU binaries, no LaTeX, full disk) says what to do.
            diagnosis = explain(exc)
            if diagnosis is not None:
                fail(diagnosis.message, diagnosis.exit_code)
            fail(f"{type(exc).__name__}: {exc} (run again with --debug for the traceback)", 1)
        if standalone_mode:
            sys.exit(rv if isinstance(rv, int) else 0)
        return rv


def fail(message: str, code: int) -> NoReturn:
    """One line on stderr, then exit with ``code``: what users see instead of a traceback."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


@click.group(cls=OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show full tracebacks (for bug reports).")
@click.version_option(package_name="lowrank-anim")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Render the animations of "What is going on with low-rank updates?".

    \b
    Examples:
      render.py list
      render.py render RankOneUpdate -q low
      render.py render --all -q high --format webm
    """
    ctx.obj = {"debug": debug}


@cli.command("list")
def list_scenes() -> None:
    """List every scene with a one-line description."""
    width = max(len(name) for name in SCENES)
    for spec in SCENES.values():
        click.echo(f"{spec.name:<{width}}  {spec.description}")


class ChunksParam(click.ParamType[int | None]):
    """``--chunks``: a positive whole number, or ``auto`` (None)."""

    name = "N|auto"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if value is None or isinstance(value, int):
            return value
        text = str(value).strip().lower()
        if text == "auto":
            return None
        if text.isdigit() and int(text) >= 1:
            return int(text)
        self.fail(
            f"{value!r} is not a number of chunks; use a whole number ≥ 1 or auto", param, ctx
        )


@cli.command("render")
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
        debug=bool((click.get_current_context().obj or {}).get("debug")),
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
    settings = encoding.request_overrides(request, draft)
    key = cache.cache_key(request, settings)
    purpose = encoding.purpose_for(request.quality, draft)
    return Job(request, output_dir, key, settings, purpose, render)


def shard_format_option(func: F) -> F:
    return click.option(
        "--format",
        "-f",
        "fmt",
        type=click.Choice([f for f in FORMATS if f != "png"], case_sensitive=False),
        default="mp4",
        show_default=True,
        help="Video format (the same for every shard and the join).",
    )(func)


@cli.command("shard")
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


@cli.command("join")
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
    result = run_here(
        job, SilentReporter(), bool((click.get_current_context().obj or {}).get("debug"))
    )
    if not result.ok:
        raise click.ClickException(result.error or "the join failed")
    click.echo(result.path)


@cli.command(
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


@cli.command("doctor")
@output_dir_option
@click.pass_context
def doctor_command(ctx: click.Context, output_dir: Path) -> None:
    """Check this machine can render; print a fix for each problem.

    A ✓/✗ table: Python and its CPU architecture, the architecture of every native
    extension the render stack loads (read from the files, so it works even when
    `import cairo` fails), manim importing, LaTeX and dvisvgm compiling a MathTex, fonts,
    the output directory and its free space, and the installed versions against
    requirements.lock.  Exits with 1 if any check failed.
    """
    results = run_checks(output_dir, debug=bool(ctx.obj and ctx.obj.get("debug")))
    click.echo(format_table(results))
    if any(not result.ok for result in results):
        ctx.exit(1)


# Authoring and the blog: preview, watch, web export, embed snippets, gallery ----------------


def section_option(value: str | None) -> SectionChoice | None:
    """Parse ``--section`` (a 1-based number or a name) into a :class:`SectionChoice`."""
    if value is None:
        return None
    try:
        return SectionChoice.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--section'") from None


@cli.command("preview")
@click.argument("scene", metavar="SCENE")
@click.option(
    "--section",
    metavar="NAME|N",
    help="Show the end of this section (a beat) instead of the scene's end: its name or its "
    "number, 1 = the first.",
)
@click.option("--open", "open_viewer", is_flag=True, help="Open the PNG in the system viewer.")
@click.option(
    "--watch",
    is_flag=True,
    help="Keep running: re-render whenever a file under scenes/ or assets/ is saved.",
)
@click.option(
    "--serve",
    "serve_port",
    type=click.IntRange(0, 65535),
    metavar="PORT",
    help="With --watch: serve a page on 127.0.0.1:PORT that refreshes itself on every "
    "rebuild (0 picks a free port).",
)
@quality_option(DEFAULT_PREVIEW_QUALITY)
@scene_options
@output_dir_option
def preview_command(
    scene: str,
    section: str | None,
    open_viewer: bool,
    watch: bool,
    serve_port: int | None,
    quality: str,
    scene_options: SceneOptions,
    output_dir: Path,
) -> None:
    """Render SCENE's last frame as a PNG, fast, and print its path.

    Animations are skipped (manim's -s) and LaTeX comes from the store every command shares
    (OUTPUT_DIR/.cache), so a repeated preview takes about a second.  --set/--params preview
    a variant with its own numbers, exactly as `render` would draw it.  With --watch the
    process stays up, re-renders after every save and prints one status line per rebuild;
    Ctrl-C stops it (SIGTERM too, with exit status 143).

    \b
    Examples:
      render.py preview RankOneUpdate --open
      render.py preview RankOneUpdate --section 4
      render.py preview RankOneUpdate --watch --serve 8000
    """
    spec = scenes_from([scene], False)[0]
    if serve_port is not None and not watch:
        raise click.UsageError("--serve needs --watch (the page refreshes on rebuilds)")
    render_request = scene_options.request(
        spec, scene_options.params([spec]), quality=quality.lower(), fmt="png"
    )
    request = PreviewRequest.of(render_request, section_option(section))
    ensure_writable(output_dir)

    def show(path: Path) -> None:
        if not open_in_viewer(path):
            click.echo(f"no system image viewer found (xdg-open); open {path} yourself", err=True)

    if watch:
        watch_scene(
            request,
            output_dir,
            lambda status: click.echo(timestamped(status), err=not status.ok),
            announce=lambda line: click.echo(line, err=True),
            serve_port=serve_port,
            on_first_success=show if open_viewer else None,
        )
        return
    try:
        result = render_preview(request, output_dir)
    except SectionNotFoundError as exc:
        raise click.BadParameter(str(exc), param_hint="'--section'") from None
    click.echo(result.path)
    if open_viewer:
        show(result.path)


def web_dir_option(help_text: str) -> Callable[[F], F]:
    """``--output-dir`` for the web commands: the folder to copy to a site."""

    def decorate(func: F) -> F:
        return click.option(
            "--output-dir",
            "-o",
            type=click.Path(file_okay=False, path_type=Path),
            default=DEFAULT_WEB_DIR,
            show_default=True,
            help=help_text,
        )(func)

    return decorate


@cli.command(
    "export", short_help="Web-ready clips (mp4, webm, poster, GIF, captions) and embed snippets."
)
@click.argument("scenes", nargs=-1, metavar="SCENE...")
@click.option("--all", "all_scenes", is_flag=True, help="Export every registered scene.")
@click.option(
    "--web",
    is_flag=True,
    default=True,
    help="Web-ready files: H.264 mp4 (faststart), VP9 webm, poster, captions, snippets "
    "(the default, and so far the only, target).",
)
@click.option("--gif", is_flag=True, help="Also a palette-optimised GIF (800 px, 12 fps).")
@click.option(
    "--base-url",
    default="",
    metavar="URL",
    help="Where the site will serve the files (/assets/clips, https://…); the snippets' "
    "URLs start with it. Default: relative (files beside the page).",
)
@click.option("--autoplay", is_flag=True, help="Snippets autoplay (muted) instead of waiting.")
@click.option(
    "--controls/--no-controls", default=True, show_default=True, help="Snippets show controls."
)
@click.option(
    "--captions-on",
    is_flag=True,
    help="Snippets show the captions from the start (<track default>): the clips have no "
    "sound, so the captions are their narration.",
)
@click.option("--force", is_flag=True, help="Export even the scenes whose inputs have not changed.")
@click.option(
    "--explorable",
    is_flag=True,
    help="Also an explorable figure readers drag x in (RankOneUpdate, InputSweep): "
    "lowrank-explorable.js and .css, SCENE.explorable.html and a Hugo shortcode in "
    "layouts/shortcodes/.",
)
@quality_option(DEFAULT_EXPORT_QUALITY)
@scene_options
@web_dir_option("Directory the web files are written to (copy it to your site).")
def export_command(
    scenes: tuple[str, ...],
    all_scenes: bool,
    web: bool,
    gif: bool,
    base_url: str,
    autoplay: bool,
    controls: bool,
    captions_on: bool,
    force: bool,
    explorable: bool,
    quality: str,
    scene_options: SceneOptions,
    output_dir: Path,
) -> None:
    """Export SCENE... (or --all) as web-ready clips with embed snippets, and print each
    file with its size.

    Per scene, in OUTPUT_DIR: SCENE.mp4, SCENE.webm, SCENE.png (poster), SCENE.srt and
    SCENE.vtt (captions), SCENE.gif with --gif, the snippets (SCENE.embed.html for HTML,
    .embed.md for Jekyll, .embed.hugo.md for Hugo with layouts/shortcodes/lowrank-clip.html,
    .embed.mkdocs.md for MkDocs, .embed.mdx for MDX) and SCENE.clip.json (what the gallery
    and `render.py embed` read).  An export
    whose inputs have not changed is skipped (OUTPUT_DIR/manifest.json records it); one that
    replaces an earlier export says what changed, and removes the files the new one lacks.
    With --explorable, also lowrank-explorable.js and .css (shared by every figure),
    SCENE.explorable.html (the figure's snippet: its numbers from the same --set/--params,
    the poster inside as the fallback) and layouts/shortcodes/scene-explorable.html (for Hugo).

    \b
    Examples:
      render.py export RankOneUpdate --web
      render.py export --all --web --gif --base-url /assets/clips
      render.py export RankOneUpdate --captions-on --base-url /assets/clips
      render.py export RankOneUpdate --set x=1.5,-0.5 --theme light
      render.py export RankOneUpdate --explorable --base-url /assets/clips
    """
    specs = scenes_from(scenes, all_scenes)
    params = scene_options.params(specs, all_scenes)
    if explorable:
        try:
            for spec in specs:
                check_explorable(spec)
        except NotExplorableError as exc:
            raise click.UsageError(str(exc)) from None
    if scene_options.transparent:
        raise click.UsageError(
            "web clips (mp4, webm for every browser) have no transparency; for a transparent "
            "clip use `render.py render SCENE --transparent` (a VP9 webm with alpha)"
        )
    try:
        check_base_url(base_url)
    except BaseUrlError as exc:
        raise click.BadParameter(str(exc), param_hint="'--base-url'") from None
    ensure_writable(output_dir)
    for spec in specs:
        request = WebExportRequest(
            spec,
            quality.lower(),
            scene_options.theme,
            gif,
            base_url,
            autoplay,
            controls,
            params=params,
            captions_on=captions_on,
        )
        try:
            exported = export_web(
                request, output_dir, progress=lambda m: click.echo(m, err=True), force=force
            )
        except (ToolMissingError, EncodeError) as exc:
            raise click.ClickException(str(exc)) from None
        files = list(exported.files)
        if explorable:
            poster = exported.clip.files.get("poster")
            files += write_explorable(
                spec,
                output_dir,
                params,
                stem=request.stem,
                poster=poster.name if poster else None,
                base_url=base_url,
                theme=scene_options.theme,
            )
        width = max(len(str(path)) for path in files)
        for path in files:
            click.echo(f"{path!s:<{width}}  {human_size(path.stat().st_size):>10}")


@cli.command("embed", short_help="Print the embed snippet of an exported scene.")
@click.argument("scene", metavar="SCENE")
@click.option(
    "--engine",
    type=click.Choice(list(ENGINES)),
    default="html",
    show_default=True,
    help="The variant for where it goes: "
    + "; ".join(f"{e.name}: {e.where}" for e in ENGINES.values())
    + ".",
)
@click.option("--markdown", is_flag=True, help="The Markdown/Liquid variant (--engine jekyll).")
@click.option("--base-url", default=None, metavar="URL", help="Override the export's base URL.")
@click.option("--autoplay/--no-autoplay", default=None, help="Override the export's choice.")
@click.option("--controls/--no-controls", default=None, help="Override the export's choice.")
@click.option(
    "--captions-on/--captions-off",
    default=None,
    help="Override the export's choice: captions shown from the start, or only on request.",
)
@scene_options
@web_dir_option("Directory the clip was exported to.")
def embed_command(
    scene: str,
    engine: str,
    markdown: bool,
    base_url: str | None,
    autoplay: bool | None,
    controls: bool | None,
    captions_on: bool | None,
    scene_options: SceneOptions,
    output_dir: Path,
) -> None:
    """Print the embed snippet of an exported SCENE (see `render.py export`); the scene
    options pick the variant (--theme light, --set …) exported with the same options.
    A Hugo site also needs OUTPUT_DIR/layouts/shortcodes/lowrank-clip.html (the export
    writes it) in its own layouts/shortcodes/."""
    if markdown and engine not in ("html", "jekyll"):
        raise click.UsageError(f"--markdown is --engine jekyll; drop it for --engine {engine}")
    spec = scenes_from([scene], False)[0]
    params = scene_options.params([spec])
    exported = WebExportRequest(spec, theme=scene_options.theme, params=params)
    manifest = output_dir / f"{exported.stem}{MANIFEST_SUFFIX}"
    if not manifest.is_file():
        given = " ".join(scene_options.given())
        raise click.ClickException(
            f"no web export of {spec.name}{f' ({given})' if given else ''} in {output_dir}; "
            f"run `render.py export {spec.name} {f'{given} ' if given else ''}--web "
            f"-o {output_dir}` first"
        )
    make = ENGINES["jekyll" if markdown else engine].make
    try:
        snippet = make(
            Clip.load(manifest),
            base_url=base_url,
            autoplay=autoplay,
            controls=controls,
            captions_on=captions_on,
        )
    except BaseUrlError as exc:
        raise click.BadParameter(str(exc), param_hint="'--base-url'") from None
    click.echo(snippet, nl=False)


@cli.command("gallery", short_help="Write a static page of every clip with its embed snippet.")
@output_dir_option
@scene_options
@click.pass_context
def gallery_command(ctx: click.Context, output_dir: Path, scene_options: SceneOptions) -> None:
    """Write OUTPUT_DIR/index.html listing every rendered and exported clip under OUTPUT_DIR:
    poster, player, parameters, sizes and embed snippet with a copy button.  The page is
    static and self-contained (no network).

    The scene options are optional filters, matched on what each clip's manifest entry
    records: with none, every clip is listed; each one given keeps only the clips of that
    theme, transparency or numbers.  A filter that matches no clip is an error (exit 1)
    naming the variants that exist, and the page is left as it was.  Example:

      render.py gallery --theme light --set x=1.5,-0.5
    """
    ensure_writable(output_dir)
    try:
        path, count = write_gallery(output_dir, gallery_filter(ctx, scene_options))
    except NoMatchingClipError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{path}  ({clip_count(count)})")
    if count == 0:
        click.echo(
            f"no clips recorded under {output_dir} (manifest.json); render or export some "
            f"first: `render.py render SCENE -o {output_dir}` or `render.py export SCENE`",
            err=True,
        )


# As a filter --theme has no default (without it every theme is listed), so --help shows none.
next(
    p for p in gallery_command.params if isinstance(p, click.Option) and p.name == "theme"
).show_default = False


def gallery_filter(ctx: click.Context, chosen: SceneOptions) -> VariantFilter | None:
    """The gallery's filter from the scene options actually typed (None for none): an explicit
    ``--theme dark`` filters, the default theme does not."""
    theme_given = ctx.get_parameter_source("theme") is not click.core.ParameterSource.DEFAULT
    numbers_given = bool(chosen.assignments) or chosen.params_file is not None
    if not (theme_given or chosen.transparent or numbers_given):
        return None
    asked = chosen.given()
    if theme_given and chosen.theme == DEFAULT_THEME:
        asked.insert(0, f"--theme {chosen.theme}")
    return VariantFilter(
        theme=chosen.theme if theme_given else None,
        transparent=True if chosen.transparent else None,
        params=chosen.params([]).as_json() if numbers_given else None,
        asked=" ".join(asked),
    )


@cli.command("post", short_help="Turn a notebook into a Markdown post with its clips exported.")
@click.argument(
    "notebook", metavar="NOTEBOOK", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--execute",
    is_flag=True,
    help="Run the notebook in a fresh kernel first (needs the notebook extra); without it the "
    "notebook's saved outputs are used.",
)
@click.option(
    "--base-url",
    default="",
    metavar="URL",
    help="Where the site will serve the clips (/assets/clips for Jekyll, whose posts live at "
    "their permalink). Default: relative (clips beside the page).",
)
@click.option(
    "--engine",
    type=click.Choice([name for name in ENGINES if name != "html"]),
    default="jekyll",
    show_default=True,
    help="The blog engine whose snippet replaces each player (hugo: copy OUTPUT_DIR/layouts/ "
    "into the site, for its shortcode).",
)
@click.option(
    "--captions-on",
    is_flag=True,
    help="The players show the captions from the start, as in the notebook (`export "
    "--captions-on`): the clips have no sound, so the captions are their narration.",
)
@click.option(
    "--export-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=DEFAULT_WEB_DIR,
    show_default=True,
    help="Where the clips are exported (as `render.py export -o`, with its manifest and "
    "cache); only the files the post names are copied beside it.",
)
@quality_option(DEFAULT_EXPORT_QUALITY)
@web_dir_option("Directory the post and the files it names are written to.")
def post_command(
    notebook: Path,
    execute: bool,
    base_url: str,
    engine: str,
    captions_on: bool,
    export_dir: Path,
    quality: str,
    output_dir: Path,
) -> None:
    """Turn NOTEBOOK into a Jekyll-ready Markdown post in OUTPUT_DIR, with every clip it shows
    exported (as `render.py export` does, into --export-dir) and copied beside it, and every
    inline player replaced by the clip's embed snippet, every still by its image.

    Front matter comes from a first cell that is a --- block (or the notebook metadata's
    lowrank_anim.front_matter); formulas are written $$…$$ for kramdown and MathJax; code
    cells that only call show() or %lowrank disappear. The post is named
    DATE-NOTEBOOK.md when the front matter has a date, as Jekyll's _posts wants. OUTPUT_DIR
    gets the post and the files it names (videos, posters, WebVTT captions, stills; for
    --engine hugo also layouts/shortcodes/lowrank-clip.html), nothing else.

    \b
    Examples:
      render.py post docs/post/low-rank-updates.ipynb --execute -o site/_posts
      render.py post notes.ipynb --base-url /assets/clips -q medium --captions-on
      render.py post notes.ipynb --engine hugo --base-url /clips -o site/content/posts
    """
    from lowrank_anim.web.post import (
        PostError,
        build_post,
        clip_files,
        copy_beside_post,
        execute_notebook,
        load_notebook,
    )

    try:
        check_base_url(base_url)
    except BaseUrlError as exc:
        raise click.BadParameter(str(exc), param_hint="'--base-url'") from None
    ensure_writable(output_dir)
    ensure_writable(export_dir)
    quality = quality.lower()
    try:
        nb = execute_notebook(notebook) if execute else load_notebook(notebook)

        def export(options: Sequence[str]) -> Clip:
            clip = export_for_post(options, quality, base_url, export_dir, captions_on)
            copy_beside_post(clip_files(clip, export_dir), output_dir)
            return clip

        def still(options: Sequence[str]) -> str:
            return still_for_post(options, quality, base_url, export_dir, output_dir)

        post = build_post(nb, notebook.stem, export, ENGINES[engine].make, still, executed=execute)
    except PostError as exc:
        raise click.ClickException(str(exc)) from None
    if engine == "hugo" and post.clips:
        shortcode = export_dir / HUGO_SHORTCODE_PATH
        copy_beside_post([(shortcode, HUGO_SHORTCODE_PATH.as_posix())], output_dir)
    target = write_text_atomically(output_dir / post.filename, post.markdown)
    click.echo(f"{target}  ({clip_count(len(post.clips))})")


def export_for_post(
    words: Sequence[str], quality: str, base_url: str, export_dir: Path, captions_on: bool = False
) -> Clip:
    """Run ``render.py export`` on a player's recorded options (scene and scene options) and
    return the exported clip."""
    args = [*words, "--quality", quality, "--base-url", base_url, "--output-dir", str(export_dir)]
    if captions_on:
        args.append("--captions-on")
    ctx = export_command.make_context("render.py export", args)
    with ctx:
        export_command.invoke(ctx)
        p = ctx.params
        spec = scenes_from(p["scenes"], False)[0]
        options = SceneOptions.parsed(p["theme"], False, p["assignments"], p["params_file"])
        stem = WebExportRequest(spec, theme=options.theme, params=options.params([spec])).stem
    return Clip.load(export_dir / f"{stem}{MANIFEST_SUFFIX}")


def still_for_post(
    words: Sequence[str], quality: str, base_url: str, export_dir: Path, output_dir: Path
) -> str:
    """Render a still's recorded options as ``render.py render -f png`` at the post's quality
    (cached in ``export_dir``), copy it beside the post as ``STEM.still.png`` and return its
    Markdown image."""
    from lowrank_anim.pipeline.batch import render_batch
    from lowrank_anim.web.post import PostError, copy_beside_post, image_markdown

    args = [*words, "--format", "png", "--quality", quality, "--output-dir", str(export_dir)]
    plan = plan_render(args)
    results = render_batch(plan.requests, plan.output_dir, jobs=1)
    message = failure_message(results)
    if message:
        raise PostError(message)
    [result] = results
    name = f"{result.path.stem}.still.png"
    copy_beside_post([(result.path, name)], output_dir)
    return image_markdown(result.request.scene.description, base_url, name)


# Entry point --------------------------------------------------------------------------------


def one_line(exc: click.ClickException) -> str:
    """A click error as one line that ends by pointing at the help that explains the fix."""
    message = exc.format_message()
    if isinstance(exc, click.UsageError) and "(see `" not in message:
        command = exc.ctx.command_path if exc.ctx else "render.py"
        message += f" (see `{command} --help`)"
    return message


def main(argv: Sequence[str] | None = None) -> None:
    """Run the CLI; user mistakes and known failures become one line and an exit code."""
    cli(args=argv, prog_name="render.py")


if __name__ == "__main__":
    main()
