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

from lowrank_anim.outputs import OutputDirError, ensure_writable
from lowrank_anim.palette import DEFAULT_THEME, THEMES
from lowrank_anim.params import ParamError, SceneParams, build_example, collect
from lowrank_anim.registry import SCENES, SceneSpec, UnknownSceneError, get_scene
from lowrank_anim.rendering import (
    DEFAULT_OUTPUT_DIR,
    FORMATS,
    QUALITY_PRESETS,
    RenderRequest,
    render,
)

F = TypeVar("F", bound=Callable[..., Any])


# Reusable option groups ---------------------------------------------------------------------


def output_dir_option(func: F) -> F:
    """``--output-dir``, shared by every command that writes files."""
    return click.option(
        "--output-dir",
        "-o",
        type=click.Path(file_okay=False, path_type=Path),
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


def params_options(func: F) -> F:
    """``--set KEY=VALUE`` (repeatable) and ``--params FILE``: custom numbers for a scene."""
    func = click.option(
        "--params",
        "params_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="TOML file of parameters (see assets/params/); --set values win over it.",
    )(func)
    return click.option(
        "--set",
        "assignments",
        multiple=True,
        metavar="KEY=VALUE",
        help="Set a parameter: W=1,0;0,1 (rows), u, v, x=1.5,-0.5, or U, V (columns "
        "u1;u2) for RankTwoUpdate. Repeatable. Numbers only, |value| ≤ 1000.",
    )(func)


def scene_params(
    specs: Sequence[SceneSpec], assignments: Sequence[str], params_file: Path | None
) -> SceneParams:
    """The validated parameters for every scene asked for, or a BadParameter naming the fix."""
    try:
        params = collect(assignments, params_file)
        for spec in specs:
            build_example(spec.name, spec.model, params)
    except ParamError as exc:
        from_file = params_file is not None and str(params_file) in str(exc)
        hint = "--params" if from_file else "--set"
        raise click.BadParameter(str(exc), param_hint=f"'{hint}'") from None
    return params


def video_options(func: F) -> F:
    """``--transparent`` and ``--sections``."""
    func = click.option(
        "--sections",
        is_flag=True,
        help="Also write one clip per beat beside the video, in SCENE.sections/.",
    )(func)
    return click.option(
        "--transparent",
        is_flag=True,
        help="No background: webm (VP9 with alpha, the default with this flag), mov or png.",
    )(func)


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
            rv = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:
            fail("interrupted", 130)
        except click.ClickException as exc:
            fail(one_line(exc), exc.exit_code)
        except OutputDirError as exc:
            fail(str(exc), 1)
        except KeyboardInterrupt:
            fail("interrupted", 130)
        except Exception as exc:
            if "--debug" in argv:
                raise
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
@params_options
@video_options
@click.pass_context
def render_command(
    ctx: click.Context,
    scenes: tuple[str, ...],
    all_scenes: bool,
    quality: str,
    fmt: str,
    theme: str,
    output_dir: Path,
    assignments: tuple[str, ...],
    params_file: Path | None,
    transparent: bool,
    sections: bool,
) -> None:
    """Render SCENE... (or --all) and print the path of each file.

    Files land at OUTPUT_DIR/SCENE/<resolution>/SCENE[-theme][-transparent][-pTAG].<format>,
    with the subtitles (.srt) beside each video. pTAG is a short hash of --set/--params
    values, whose numbers are also written to a .params.json beside the file.

    \b
    Examples:
      render.py render RankOneUpdate --set x=1.5,-0.5 --set v=0.8,0.6
      render.py render InputSweep --params assets/params/along-v.toml --theme light
      render.py render RankOneUpdate --transparent --sections
    """
    specs = scenes_from(scenes, all_scenes)
    params = scene_params(specs, assignments, params_file)
    fmt = fmt.lower()
    if transparent and ctx.get_parameter_source("fmt") is click.core.ParameterSource.DEFAULT:
        fmt = "webm"  # the one default format that keeps an alpha channel
    ensure_writable(output_dir)
    requests = []
    for spec in specs:
        try:
            requests.append(
                RenderRequest(
                    spec,
                    quality=quality.lower(),
                    fmt=fmt,
                    theme=theme,
                    params=params,
                    transparent=transparent,
                    sections=sections,
                )
            )
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
    for request in requests:
        click.echo(render(request, output_dir))


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
