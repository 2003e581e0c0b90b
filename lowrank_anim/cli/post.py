"""``render.py post``: a notebook as a Markdown post (:mod:`lowrank_anim.web.post`), each clip
it shows exported as ``render.py export`` exports it — through the same library function
(:func:`lowrank_anim.web.webexport.export_scene`), not through the command — and each still
rendered as ``render.py render -f png`` renders it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from lowrank_anim.cli.options import SceneOptions, quality_option, recorded_scene, web_dir_option
from lowrank_anim.cli.render import plan_render
from lowrank_anim.cli.web import base_url_option, check_exportable, list_files, run_export
from lowrank_anim.core.outputs import ensure_writable, write_text_atomically
from lowrank_anim.pipeline.batch import render_batch
from lowrank_anim.pipeline.progress import failure_message
from lowrank_anim.registry import SceneSpec
from lowrank_anim.web.embed import ENGINES, HUGO_SHORTCODE_PATH, Clip
from lowrank_anim.web.gallery import clip_count
from lowrank_anim.web.post import (
    PostError,
    build_post,
    clip_files,
    copy_beside_post,
    execute_notebook,
    image_markdown,
    load_notebook,
)
from lowrank_anim.web.webexport import (
    DEFAULT_EXPORT_QUALITY,
    DEFAULT_WEB_DIR,
    WebExport,
    WebExportRequest,
)


@click.command("post", short_help="Turn a notebook into a Markdown post with its clips exported.")
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
    base_url_option(base_url)
    ensure_writable(output_dir)
    ensure_writable(export_dir)
    quality = quality.lower()

    def export(words: Sequence[str]) -> Clip:
        exported = export_recorded(words, quality, base_url, export_dir, captions_on)
        list_files(exported.files)
        copy_beside_post(clip_files(exported.clip, export_dir), output_dir)
        return exported.clip

    def still(words: Sequence[str]) -> str:
        return still_for_post(words, quality, base_url, export_dir, output_dir)

    try:
        nb = execute_notebook(notebook) if execute else load_notebook(notebook)
        post = build_post(nb, notebook.stem, export, ENGINES[engine].make, still, executed=execute)
    except PostError as exc:
        raise click.ClickException(str(exc)) from None
    if engine == "hugo" and post.clips:
        shortcode = export_dir / HUGO_SHORTCODE_PATH
        copy_beside_post([(shortcode, HUGO_SHORTCODE_PATH.as_posix())], output_dir)
    target = write_text_atomically(output_dir / post.filename, post.markdown)
    click.echo(f"{target}  ({clip_count(len(post.clips))})")


def export_recorded(
    words: Sequence[str], quality: str, base_url: str, export_dir: Path, captions_on: bool = False
) -> WebExport:
    """Export a player's recorded scene and scene options as ``render.py export`` would, with
    the post's quality, base URL and captions (a plain call of the export library, no command)."""

    def exportable(spec: SceneSpec, options: SceneOptions) -> None:
        check_exportable([spec], options, base_url, explorable=False)

    spec, options, params = recorded_scene(words, exportable)
    request = WebExportRequest(
        spec, quality, options.theme, base_url=base_url, params=params, captions_on=captions_on
    )
    return run_export(request, export_dir)


def still_for_post(
    words: Sequence[str], quality: str, base_url: str, export_dir: Path, output_dir: Path
) -> str:
    """Render a still's recorded options as ``render.py render -f png`` at the post's quality
    (cached in ``export_dir``), copy it beside the post as ``STEM.still.png`` and return its
    Markdown image."""
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
