"""Notebook → post: the post notebook executed in a real kernel, and `render.py post` turning
it into a Jekyll-ready Markdown post with its clips exported beside it."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from PIL import Image

from lowrank_anim.cli.app import cli
from lowrank_anim.web.post import front_matter, kramdown_math, only_shows, post_filename
from tests.blog_engines import BUILDERS, CLIPS_URL, PAGE_URL, check_clip_plays, serve, wait_for
from tests.notebooks import cell_outputs, execute
from tests.web.test_web_clips import chromium

__all__ = ["chromium"]  # the fixture

ROOT = Path(__file__).resolve().parents[2]
POST_NOTEBOOK = ROOT / "docs" / "post" / "low-rank-updates.ipynb"


# The pieces ----------------------------------------------------------------------------------


def test_inline_maths_becomes_double_dollars_without_pipes() -> None:
    text = "If $|\\alpha| = |x||v|$ then $$W' = W + uv^\\top$$ costs `$5`, not $x_1$."
    assert kramdown_math(text) == (
        "If $$\\vert \\alpha\\vert  = \\vert x\\vert \\vert v\\vert $$ then "
        "$$W' = W + uv^\\top$$ costs `$5`, not $$x_1$$."
    )


def test_display_maths_and_fenced_code_are_kept() -> None:
    text = (
        "$$\n\\begin{aligned}\na &= b \\\\\nc &= d\n\\end{aligned}\n$$\n```sh\necho $HOME $x$\n```"
    )
    assert kramdown_math(text) == text


def test_only_show_cells_disappear() -> None:
    assert only_shows('from lowrank_anim.notebook import show\nshow("RankOneUpdate", x=(1, 2))')
    assert only_shows("%load_ext lowrank_anim\n%lowrank RankOneUpdate -f png")
    assert not only_shows('result = show("RankOneUpdate")')
    assert not only_shows("import numpy as np\nshow('RankOneUpdate')")


def test_front_matter_from_metadata_and_the_post_name() -> None:
    nb: dict[str, Any] = {
        "cells": [{"cell_type": "markdown", "source": "# Hi"}],
        "metadata": {"lowrank_anim": {"front_matter": {"title": 'A "b"', "date": "2024-05-01"}}},
    }
    matter, from_cell = front_matter(nb)
    assert matter == '---\ntitle: "A \\"b\\""\ndate: "2024-05-01"\n---\n'
    assert not from_cell
    assert post_filename(matter, "notes") == "2024-05-01-notes.md"
    assert post_filename("", "notes") == "notes.md"


def test_a_notebook_never_run_is_refused_with_the_fix(tmp_path: Path) -> None:
    cells = json.loads(POST_NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    number, cell = next(
        (i, c)
        for i, c in enumerate(cells, 1)
        if c["cell_type"] == "code" and "show(" in "".join(c["source"])
    )
    first_line = "".join(cell["source"]).strip().splitlines()[0]
    result = CliRunner().invoke(cli, ["post", str(POST_NOTEBOOK), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output == (
        f"Error: cell {number} (`{first_line}`) shows a scene but has no player in its "
        "outputs: run the notebook (Run All, then save) or pass --execute\n"
    )
    assert not list((tmp_path / "out").glob("*.md"))


def saved_notebook(path: Path, *cells: tuple[str, list[dict[str, Any]]]) -> Path:
    """A notebook file of code cells with the outputs they would have saved."""
    nb = {
        "cells": [
            {
                "cell_type": "code",
                "id": f"cell-{number}",
                "source": source,
                "metadata": {},
                "outputs": outputs,
                "execution_count": None,
            }
            for number, (source, outputs) in enumerate(cells, 1)
        ],
        "metadata": {},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def shown(scene: str, fmt: str = "mp4", *options: str) -> list[dict[str, Any]]:
    """The output a show() cell saves: its display and the record `render.py post` reads."""
    record = {"scene": scene, "options": [scene, *options], "quality": "low", "format": fmt}
    return [{"output_type": "display_data", "data": {}, "metadata": {"lowrank_anim": record}}]


def test_every_cell_is_checked_before_any_clip_is_exported(tmp_path: Path) -> None:
    """A cell without its player stops the post before the clips of the cells above it are
    exported (which took minutes), and the message names the cell."""
    notebook = saved_notebook(
        tmp_path / "notes.ipynb",
        ('show("TitleCard")', shown("TitleCard")),
        ("x = 1", []),
        ('show("RankOneUpdate", format="png")', []),
    )
    web = tmp_path / "web"
    args = ["post", str(notebook), "--export-dir", str(web), "-o", str(tmp_path / "out")]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 1
    assert result.output.startswith(
        'Error: cell 3 (`show("RankOneUpdate", format="png")`) shows a scene but has no player'
    )
    assert not web.exists() or not any(web.iterdir()), "nothing was exported"


@pytest.mark.render
@pytest.mark.latex
def test_a_post_holds_stills_and_captions_on_and_only_the_files_it_names(tmp_path: Path) -> None:
    """README's `show("RankOneUpdate", format="png")` becomes an image (it was refused as "no
    player"), `--captions-on` marks every track default, and the posts folder gets the post
    and the files its snippets name: no manifest, cache, layouts or other engines' snippets."""
    notebook = saved_notebook(
        tmp_path / "notes.ipynb",
        ('show("TitleCard", theme="light")', shown("TitleCard", "mp4", "--theme", "light")),
        ('show("RankOneUpdate", format="png")', shown("RankOneUpdate", "png")),
    )
    posts, web = tmp_path / "_posts", tmp_path / "web"
    args = ["post", str(notebook), "-q", "low", "--captions-on", "--base-url", "/clips"]
    result = CliRunner().invoke(cli, [*args, "--export-dir", str(web), "-o", str(posts)])
    assert result.exit_code == 0, result.output
    text = (posts / "notes.md").read_text(encoding="utf-8")
    assert text.count('<track kind="captions" src="/clips/TitleCard-light.vtt"') == 1
    assert 'label="English" default>' in text
    still = "RankOneUpdate.still.png"
    assert f"](/clips/{still})" in text
    assert sorted(p.name for p in posts.iterdir()) == sorted(
        [
            "notes.md",
            still,
            "TitleCard-light.mp4",
            "TitleCard-light.png",
            "TitleCard-light.vtt",
            "TitleCard-light.webm",
        ]
    )
    with Image.open(posts / still) as image:
        assert image.size == (854, 480)
    for src in re.findall(r'(?:src|poster)="/clips/([^"]+)"', text):
        assert (posts / src).is_file(), src
    assert (web / "manifest.json").is_file(), "the export's own records stay in --export-dir"

    # Again, unchanged: nothing is exported or copied again.
    stamps = {p.name: p.stat().st_mtime_ns for p in posts.iterdir() if p.name != "notes.md"}
    again = CliRunner().invoke(cli, [*args, "--export-dir", str(web), "-o", str(posts)])
    assert again.exit_code == 0, again.output
    assert stamps == {p.name: p.stat().st_mtime_ns for p in posts.iterdir() if p.name in stamps}


def test_a_failing_cell_under_execute_is_named(tmp_path: Path) -> None:
    """`post --execute` names the cell that failed, not only the error."""
    notebook = saved_notebook(
        tmp_path / "notes.ipynb",
        ("%load_ext lowrank_anim", []),
        ("%lowrank RankOneUpdate --theme blue  # a bad theme", []),
    )
    result = CliRunner().invoke(cli, ["post", str(notebook), "--execute", "-o", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output.startswith(
        f"Error: cell 2 (`%lowrank RankOneUpdate --theme blue  # a bad theme`) of {notebook} "
        "failed: LowrankError: Invalid value for '--theme': 'blue' is not one of"
    ), result.output


def test_not_a_notebook(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(cli, ["post", str(bad), "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {bad} is not a notebook (.ipynb JSON): ")


# The post notebook, for real -----------------------------------------------------------------


@pytest.fixture(scope="module")
def executed_post(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The post notebook run in a real kernel (in a copy of its folder) and saved."""
    import nbformat

    folder = tmp_path_factory.mktemp("post")
    copy = folder / POST_NOTEBOOK.name
    shutil.copy(POST_NOTEBOOK, copy)
    nb = execute(nbformat.read(copy, as_version=4), folder, timeout=1200)
    nbformat.write(nb, copy)
    return copy


@pytest.mark.render
@pytest.mark.latex
def test_post_notebook_shows_a_player_in_every_scene_cell(executed_post: Path) -> None:
    import nbformat

    nb = nbformat.read(executed_post, as_version=4)
    scene_cells = [
        i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "show(" in c.source
    ]
    assert len(scene_cells) == 5
    for index, outputs in enumerate(cell_outputs(nb)):
        assert not [o for o in outputs if o["output_type"] == "error"], nb.cells[index].source
        if index in scene_cells:
            (player,) = outputs
            assert "<video" in player["data"]["text/html"]
            assert "<track" in player["data"]["text/html"]


@pytest.mark.render
@pytest.mark.latex
@pytest.mark.slow  # five clips exported; make check's post test holds stills (above)
def test_post_command_writes_a_jekyll_post_with_clips(executed_post: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    result = CliRunner().invoke(
        cli,
        [
            *("post", str(executed_post), "-q", "low", "--base-url", "/assets/clips"),
            *("--export-dir", str(tmp_path / "web"), "-o", str(out)),
        ],
    )
    assert result.exit_code == 0, result.output
    post = out / "2024-05-01-low-rank-updates.md"
    assert result.output.splitlines()[-1] == f"{post}  (5 clips)"
    text = post.read_text(encoding="utf-8")

    # Front matter kept, first; the title and story follow.
    assert text.startswith('---\ntitle:  "What is going on with low-rank updates?"\n')
    assert "permalink: /posts/2024/05/low-rank-updates/\nmathjax: true\n---\n" in text
    # Maths only as $$…$$: no single-dollar formula is left for kramdown to mangle.
    assert (
        "$$\\vert \\alpha\\vert  = \\vert x\\vert \\vert v\\vert \\vert \\cos\\theta\\vert $$"
        in text
    )
    assert not re.search(r"(?<!\$)\$(?!\$)", text)
    # Each player became its clip's snippet, with URLs under --base-url to files that exist.
    assert "show(" not in text
    assert "from lowrank_anim" not in text
    assert "The animations in this notebook are live" not in text  # its cell is remove-cell
    videos = re.findall(r"<video [^>]*>", text)
    assert len(videos) == 5
    for src in re.findall(r'src="(/assets/clips/[^"]+)"', text):
        assert (out / src.removeprefix("/assets/clips/")).is_file(), src
    assert text.count('<track kind="captions"') == 5
    assert "RankOneUpdate-light-p" in text  # the x = v variant, exported with its numbers


@pytest.fixture(scope="module")
def post_web(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder for the engines' posts: the clips are exported once, then found unchanged."""
    return tmp_path_factory.mktemp("engines") / "web"


@pytest.mark.sites
@pytest.mark.render
@pytest.mark.latex
@pytest.mark.browser
@pytest.mark.parametrize("engine", sorted(BUILDERS))
def test_the_post_builds_and_plays_in_every_engine(
    engine: str, executed_post: Path, post_web: Path, chromium: Any, tmp_path: Path
) -> None:
    """`render.py post --engine E` on the executed post notebook, built by the real engine
    (Hugo with its default configuration and the export's shortcode) and opened in Chromium:
    five players, each loads, and the first plays."""
    args = ["post", str(executed_post), "-q", "low", "--engine", engine]
    args += ["--export-dir", str(post_web.parent / "export")]
    result = CliRunner().invoke(cli, [*args, "--base-url", CLIPS_URL, "-o", str(post_web)])
    assert result.exit_code == 0, result.output
    post = post_web / "2024-05-01-low-rank-updates.md"
    text = post.read_text(encoding="utf-8")
    post.unlink()  # the builders take the body; MkDocs would make a page of a stray .md
    assert text.startswith("---\n")
    body = text.split("\n---\n", 1)[1]
    site = BUILDERS[engine](body, post_web, tmp_path)
    built = (site / PAGE_URL.strip("/") / "index.html").read_text(encoding="utf-8")
    assert "raw HTML omitted" not in built
    assert built.count("<video ") == 5
    assert "x ∥ v" in built or "along" in built, "the story's text is there"
    with serve(site) as base:
        chromium.get(base + PAGE_URL)
        videos = chromium.find_elements("css selector", "video")
        assert len(videos) == 5
        loaded = "return [...document.querySelectorAll('video')].every(v => v.readyState >= 1)"
        wait_for(lambda: chromium.execute_script(loaded), "every clip's metadata")
        check_clip_plays(chromium, videos[0])
