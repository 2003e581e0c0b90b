#!/usr/bin/env python3
"""lowrank-anim's command line: list, render, preview and export the low-rank update scenes.

Commands are thin: they parse options, call ``lowrank_anim`` library functions and turn domain
errors into one-line click errors.  Run ``python render.py --help`` (or ``lowrank-anim --help``
once installed) for the commands.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from lowrank_anim.batch import default_jobs, failure_message, render_and_report
from lowrank_anim.diagnosis import explain
from lowrank_anim.doctor import format_table, run_checks
from lowrank_anim.outputs import OutputDirError, ensure_writable, shorten
from lowrank_anim.palette import DEFAULT_THEME, THEMES
from lowrank_anim.registry import SCENES, SceneSpec, UnknownSceneError, get_scene
from lowrank_anim.rendering import (
    DEFAULT_OUTPUT_DIR,
    FORMATS,
    QUALITY_PRESETS,
    RenderRequest,
    render,
)
from lowrank_anim.termination import SIGTERM_EXIT_CODE, Terminated, sigterm_raises

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


def theme_option(func: F) -> F:
    return click.option(
        "--theme",
        type=click.Choice(list(THEMES), case_sensitive=False),
        default=DEFAULT_THEME,
        show_default=True,
        help="Colour theme: dark (manim's look) or light (for white blog pages).",
    )(func)


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
        except click.exceptions.Abort:
            fail("interrupted", 130)
        except click.ClickException as exc:
            fail(one_line(exc), exc.exit_code)
        except OutputDirError as exc:
            fail(str(exc), 1)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Terminated:
            fail("terminated (SIGTERM); no file was left half-written", SIGTERM_EXIT_CODE)
        except Exception as exc:
            if "--debug" in argv:
                raise
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
@theme_option
@output_dir_option
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help=f"Render up to N scenes at once, each in its own process [default: the number of "
    f"cores, {default_jobs()}]. 1 renders in this process, one after another.",
)
@click.option("--force", is_flag=True, help="Render even the scenes whose inputs have not changed.")
@click.option(
    "--draft",
    is_flag=True,
    help="Fast encoder settings (bigger files) at any quality; already the default for low "
    "and medium.",
)
def render_command(
    scenes: tuple[str, ...],
    all_scenes: bool,
    quality: str,
    fmt: str,
    theme: str,
    output_dir: Path,
    jobs: int | None,
    force: bool,
    draft: bool,
) -> None:
    """Render SCENE... (or --all) and print the path of each file.

    Files land at OUTPUT_DIR/SCENE/<resolution>/SCENE[-theme].<format>, with the
    subtitles (.srt) beside each video. A file whose inputs (scene code, library, assets,
    options, manim version) have not changed since it was rendered is not rendered again
    (see OUTPUT_DIR/manifest.json); --force renders it anyway.
    """
    specs = scenes_from(scenes, all_scenes)
    ensure_writable(output_dir)
    requests = []
    for spec in specs:
        request = RenderRequest(spec, quality=quality.lower(), fmt=fmt.lower(), theme=theme)
        requests.append(request)
    results = render_and_report(
        requests,
        output_dir,
        jobs=jobs,
        force=force,
        draft=draft,
        render_fn=render,
        debug=bool((click.get_current_context().obj or {}).get("debug")),
    )
    for result in results:
        if result.ok:
            click.echo(result.path)
    message = failure_message(results)
    if message:
        raise click.ClickException(message)


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
