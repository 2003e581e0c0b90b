"""The blog's commands: ``export`` (web-ready clips and embed snippets), ``embed`` (print a
snippet) and ``gallery`` (one static page of every clip); ``post`` (:mod:`.post`) exports its
clips through the same helpers.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from lowrank_anim.cli.options import (
    SceneOptions,
    output_dir_option,
    quality_option,
    scene_options,
    scenes_from,
    web_dir_option,
)
from lowrank_anim.core.outputs import ensure_writable, human_size
from lowrank_anim.maths.palette import DEFAULT_THEME
from lowrank_anim.pipeline.ffmpeg import EncodeError, ToolMissingError
from lowrank_anim.registry import SceneSpec
from lowrank_anim.web.embed import (
    ENGINES,
    MANIFEST_SUFFIX,
    BaseUrlError,
    Clip,
    check_base_url,
)
from lowrank_anim.web.explorable import NotExplorableError, check_explorable
from lowrank_anim.web.gallery import (
    NoMatchingClipError,
    VariantFilter,
    clip_count,
    write_gallery,
)
from lowrank_anim.web.webexport import (
    DEFAULT_EXPORT_QUALITY,
    WebExport,
    WebExportRequest,
    export_scene,
)


@click.command(
    "export", short_help="Web-ready clips (mp4, webm, poster, GIF, captions) and embed snippets."
)
@click.argument("scenes", nargs=-1, metavar="SCENE...")
@click.option("--all", "all_scenes", is_flag=True, help="Export every registered scene.")
@click.option(
    "--web/--no-web",
    default=True,
    help="Web-ready files: H.264 mp4 (faststart), VP9 webm, poster, captions, snippets "
    "(the default, and so far the only, target; so --no-web is refused).",
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
    if not web:
        raise click.UsageError(
            "--no-web leaves nothing to export (web files are export's only target so far); "
            "drop it, or for a plain video file use `render.py render SCENE`"
        )
    specs = scenes_from(scenes, all_scenes)
    params = scene_options.params(specs, all_scenes)
    check_exportable(specs, scene_options, base_url, explorable)
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
        list_files(run_export(request, output_dir, explorable=explorable, force=force).files)


def check_exportable(
    specs: Sequence[SceneSpec], scene_options: SceneOptions, base_url: str, explorable: bool
) -> None:
    """What ``export`` refuses before anything is rendered, as a click error naming the fix."""
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
    base_url_option(base_url)


def base_url_option(base_url: str) -> None:
    """``--base-url`` checked, or a BadParameter naming it."""
    try:
        check_base_url(base_url)
    except BaseUrlError as exc:
        raise click.BadParameter(str(exc), param_hint="'--base-url'") from None


def run_export(
    request: WebExportRequest, output_dir: Path, *, explorable: bool = False, force: bool = False
) -> WebExport:
    """Export one scene (the library's :func:`export_scene`), its progress on stderr and a
    missing tool or failed encode as one line."""
    try:
        return export_scene(
            request,
            output_dir,
            progress=lambda m: click.echo(m, err=True),
            explorable=explorable,
            force=force,
        )
    except (ToolMissingError, EncodeError) as exc:
        raise click.ClickException(str(exc)) from None


def list_files(files: Sequence[Path]) -> None:
    """Print each file and its size, in aligned columns."""
    width = max(len(str(path)) for path in files)
    for path in files:
        click.echo(f"{path!s:<{width}}  {human_size(path.stat().st_size):>10}")


@click.command("embed", short_help="Print the embed snippet of an exported scene.")
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


@click.command("gallery", short_help="Write a static page of every clip with its embed snippet.")
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
