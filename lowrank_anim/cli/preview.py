"""``render.py preview``: a scene's last frame (or one section's) as a PNG, fast; with
``--watch``, again after every save, optionally on a live page."""

from __future__ import annotations

from pathlib import Path

import click

from lowrank_anim.authoring.preview import (
    DEFAULT_PREVIEW_QUALITY,
    PreviewRequest,
    SectionNotFoundError,
    open_in_viewer,
    render_preview,
)
from lowrank_anim.authoring.watch import timestamped
from lowrank_anim.authoring.watch import watch as watch_scene
from lowrank_anim.cli.options import (
    SceneOptions,
    output_dir_option,
    quality_option,
    scene_options,
    scenes_from,
    section_option,
)
from lowrank_anim.core.outputs import ensure_writable


@click.command("preview")
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
