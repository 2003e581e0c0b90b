"""``render.py doctor``: the command that asks :mod:`lowrank_anim.health.doctor` whether this
machine can render, and prints its table."""

from __future__ import annotations

from pathlib import Path

import click

from lowrank_anim.cli.options import debug_requested, output_dir_option
from lowrank_anim.health.doctor import format_table, run_checks


@click.command("doctor")
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
    results = run_checks(output_dir, debug=debug_requested())
    click.echo(format_table(results))
    if any(not result.ok for result in results):
        ctx.exit(1)
