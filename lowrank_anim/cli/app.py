"""The CLI's application: the click group, its one-line errors and ``--debug``, read once.

Commands are thin: they parse options, call ``lowrank_anim`` library functions and turn domain
errors into one-line click errors.  They live by job: :mod:`.render` (render, shard, join,
worker), :mod:`.preview`, :mod:`.web` (export, embed, gallery), :mod:`.post` and
:mod:`.doctor`; their shared options are in :mod:`.options`.  ``render.py`` (and the
``lowrank-anim`` console script, and ``python -m lowrank_anim``) only call :func:`main`.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from lowrank_anim.cli import doctor, post, preview, render, web
from lowrank_anim.cli.options import AppState
from lowrank_anim.core.outputs import OutputDirError
from lowrank_anim.core.termination import (
    SIGTERM_EXIT_CODE,
    Terminated,
    interruption,
    raise_if_lost,
    sigterm_raises,
)
from lowrank_anim.health.diagnosis import explain
from lowrank_anim.pipeline.farm import FarmError
from lowrank_anim.registry import SCENES


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
        state = AppState()  # the group's callback fills it in; read here after a failure
        try:
            # SIGTERM unwinds like Ctrl-C, so scratch files are cleaned up on the way out.
            with sigterm_raises():
                rv = super().main(
                    argv, prog_name, complete_var, standalone_mode=False, obj=state, **extra
                )
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
            if state.debug:
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
    ctx.ensure_object(AppState).debug = debug


@cli.command("list")
def list_scenes() -> None:
    """List every scene with a one-line description."""
    width = max(len(name) for name in SCENES)
    for spec in SCENES.values():
        click.echo(f"{spec.name:<{width}}  {spec.description}")


for command in (
    render.render_command,
    render.shard_command,
    render.join_command,
    render.worker_command,
    preview.preview_command,
    web.export_command,
    web.embed_command,
    web.gallery_command,
    post.post_command,
    doctor.doctor_command,
):
    cli.add_command(command)


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
