"""The scenes in Jupyter: show(), %lowrank and manim's %%manim, executed in a real kernel
(nbclient + ipykernel), plus the argument mapping and the CLI's independence from IPython."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from lowrank_anim.notebook import (
    LowrankError,
    export_options,
    format_value,
    lowrank_magic,
    magic_args,
    show,
    show_args,
)
from tests.blog_engines import play_until, serve, wait_for
from tests.notebooks import cell_outputs, execute, notebook_of
from tests.web.test_web_clips import chromium  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[2]

# The seed post's failing cell, uncommented, as its author ran it.
SEED_CELL = """%%manim -ql -v WARNING VectorArrow
class VectorArrow(Scene):
    def construct(self):
        dot = Dot(ORIGIN)
        arrow = Arrow(ORIGIN, [2, 2, 0], buff=0)
        numberplane = NumberPlane()
        origin_text = Text('(0, 0)').next_to(dot, DOWN)
        tip_text = Text('(2, 2)').next_to(arrow.get_end(), RIGHT)
        self.add(numberplane, dot, arrow, origin_text, tip_text)
"""


# The mapping from keywords to `render.py render` arguments -------------------------------


def test_show_args_are_render_options() -> None:
    args = show_args("RankOneUpdate", theme="light", x=(1.5, -0.5), W=[[2, 0], [0, 1]])
    assert args == [
        "RankOneUpdate",
        "--quality",
        "low",
        "--format",
        "mp4",
        "--theme",
        "light",
        "--set",
        "x=1.5,-0.5",
        "--set",
        "W=2.0,0.0;0.0,1.0",
    ]


def test_format_value_keeps_strings_and_joins_columns() -> None:
    import numpy as np

    assert format_value("0.8,0.6") == "0.8,0.6"
    assert format_value([[1, 0, 0.5], [0, 0.8, 0.5]]) == "1.0,0.0,0.5;0.0,0.8,0.5"
    assert format_value(np.array([[2, 0], [0, 1]])) == "2.0,0.0;0.0,1.0"
    assert format_value(np.float64(0.1) * 3) == "0.30000000000000004"


def test_bad_values_are_the_cli_one_line_errors(tmp_path: Path) -> None:
    cases = {
        "x": ((1,), "Invalid value for '--set': x (--set) has 1 numbers"),
        "theme": ("blue", "Invalid value for '--theme': 'blue' is not one of 'dark', 'light'"),
        "y": ((1, 2), "Invalid value for '--set': unknown key 'y'"),
    }
    for key, (value, message) in cases.items():
        with pytest.raises(LowrankError) as info:
            show("RankOneUpdate", output_dir=tmp_path, **{key: value})
        (line,) = info.value._render_traceback_()
        assert line.startswith(f"LowrankError: {message}"), line
        assert line.endswith("(see `render.py render --help`)"), line
    assert not any(tmp_path.iterdir()), "a rejected call must write nothing"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        # README's line: a comment with an apostrophe ("No closing quotation" before).
        (
            "InputSweep -q low --theme light --set x=1.5,-0.5            # render's own options",
            ["InputSweep", "-q", "low", "--theme", "light", "--set", "x=1.5,-0.5"],
        ),
        # A comment without one (its words were scene names: "unknown scene '#'").
        ("RankOneUpdate -f png  # the last frame", ["RankOneUpdate", "-f", "png"]),
        # As a shell reads it: '#' inside a word or quotes, or escaped, is no comment.
        (
            "A --set x=1#2 '#' \"b # c\" \\#d e\\ #f",
            ["A", "--set", "x=1#2", "#", "b # c", "#d", "e #f"],
        ),
        ("# only a comment", []),
    ],
)
def test_lowrank_lines_are_split_as_a_shell_splits_them(line: str, words: list[str]) -> None:
    assert magic_args(line) == words


def test_a_lowrank_line_with_a_comment_runs(capsys: pytest.CaptureFixture[str]) -> None:
    """The magic itself, on README's kind of line: the comment is not part of the command."""
    assert lowrank_magic("--help   # render's own options") is None
    assert "Usage: %lowrank [OPTIONS] SCENE..." in capsys.readouterr().out
    with pytest.raises(LowrankError, match=r"x \(--set\) has 3 numbers") as info:
        lowrank_magic("RankOneUpdate --set x=1,2,3  # the last frame")
    assert "'#'" not in str(info.value)
    with pytest.raises(LowrankError, match=r"^cannot split the line: No closing quotation"):
        lowrank_magic("RankOneUpdate --set 'x=1,2")


def test_cli_does_not_import_notebook_packages() -> None:
    code = (
        "import sys, lowrank_anim.cli.app, lowrank_anim;"
        "print(sorted(m for m in ('IPython', 'ipykernel', 'nbformat', 'nbclient', 'nbconvert')"
        " if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# In a real kernel ----------------------------------------------------------------------------


def record_of(output: dict[str, Any]) -> dict[str, Any]:
    record: dict[str, Any] = output["metadata"]["lowrank_anim"]
    return record


@pytest.fixture(scope="module")
def kernel_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """A notebook of show(), %lowrank and %%manim cells, executed in a real kernel."""
    folder = tmp_path_factory.mktemp("kernel")
    nb = notebook_of(
        "%load_ext lowrank_anim\nfrom lowrank_anim.notebook import show",
        'show("TitleCard", theme="light")',
        'show("TitleCard", theme="light")',
        'show("RankOneUpdate", format="png", x=(1.5, -0.5), v=(0.8, 0.6))',
        ('show("RankOneUpdate", x=(1,))', ["raises-exception"]),
        "%lowrank RankOneUpdate -f png --theme light --set x=1.5,-0.5",
        ("%lowrank RankOneUpdate --theme blue", ["raises-exception"]),
        "from manim import *",
        SEED_CELL,
        "from scenes.title import TitleCard",
        "%%manim -ql -v WARNING TitleCard\n# our scene, rendered by manim's own magic",
    )
    return execute(nb, folder), folder


@pytest.mark.render
@pytest.mark.latex
def test_show_lowrank_and_manim_magic_in_a_kernel(kernel_run: tuple[Any, Path]) -> None:
    executed, tmp_path = kernel_run
    outputs = cell_outputs(executed)

    # show(): a video player with its caption track, and the record `render.py post` reads.
    (video,) = outputs[1]
    page = video["data"]["text/html"]
    assert "<video" in page
    assert 'src="data:video/mp4;base64,' in page
    assert '<track kind="captions" src="data:text/vtt;base64,' in page
    assert ' poster="data:image/png;base64,' in page  # the finished frame before playback
    assert record_of(video) | {"path": None} == {
        "scene": "TitleCard",
        "options": ["TitleCard", "--theme", "light"],
        "quality": "low",
        "format": "mp4",
        "path": None,
        "status": "rendered",
    }
    # The same cell again is a cache hit: the same file, not rendered again.
    (again,) = outputs[2]
    assert record_of(again)["status"] == "cached"
    assert again["data"]["text/html"] == page

    # format="png": an image, and custom numbers recorded as export options.
    (still,) = outputs[3]
    assert still["data"]["image/png"]
    options = record_of(still)["options"]
    assert options[0] == "RankOneUpdate"
    assert options[1::2] == ["--set", "--set"]
    assert sorted(options[2::2]) == ["v=0.8,0.6", "x=1.5,-0.5"]

    # A bad value: one line, the CLI's message, as the cell's error.
    (error,) = outputs[4]
    assert error["output_type"] == "error"
    assert error["ename"] == "LowrankError"
    assert len(error["traceback"]) == 1
    assert "x (--set) has 1 numbers but RankOneUpdate is 2-D" in error["traceback"][0]

    # %lowrank takes render's options and names its own --help in errors.
    (magic,) = outputs[5]
    assert magic["data"]["image/png"]
    assert record_of(magic)["options"][:3] == ["RankOneUpdate", "--theme", "light"]
    (magic_error,) = outputs[6]
    assert magic_error["traceback"] == [
        "LowrankError: Invalid value for '--theme': 'blue' is not one of 'dark', 'light'. "
        "(see `%lowrank --help`)"
    ]

    # %%manim: the seed's own cell (a still: it only adds, never plays) is shown as an image,
    # one of our scenes as a video (manim first displays its version banner).
    seed_shown = outputs[8][-1]
    assert seed_shown["data"]["image/png"], outputs[8]
    assert list(tmp_path.glob("media/images/**/VectorArrow*.png"))
    ours = outputs[10][-1]
    assert "<video" in ours["data"]["text/html"], outputs[10]
    assert list(tmp_path.glob("media/videos/**/480p15/TitleCard.mp4"))


def test_export_options_name_the_variant() -> None:
    from lowrank_anim.maths.params import collect
    from lowrank_anim.pipeline.request import RenderRequest
    from lowrank_anim.registry import get_scene

    request = RenderRequest(
        get_scene("RankOneUpdate"), theme="light", params=collect(["x=1.5,-0.5"], None)
    )
    assert export_options(request) == ["RankOneUpdate", "--theme", "light", "--set", "x=1.5,-0.5"]


@pytest.mark.render
@pytest.mark.latex
@pytest.mark.browser
def test_player_plays_with_captions_in_nbconvert_html(
    kernel_run: tuple[Any, Path],
    chromium: Any,  # noqa: F811 (the fixture imported above)
    tmp_path: Path,
) -> None:
    """The self-contained player works where notebooks are read outside Jupyter: an
    `nbconvert --to html` page in Chromium loads the clip, plays it and shows its captions."""
    from nbconvert import HTMLExporter

    page, _ = HTMLExporter().from_notebook_node(kernel_run[0])
    (tmp_path / "notebook.html").write_text(page, encoding="utf-8")
    with serve(tmp_path) as base:
        chromium.get(f"{base}/notebook.html")
        video = chromium.find_element("css selector", "video")
        js = chromium.execute_script
        wait_for(lambda: js("return arguments[0].readyState >= 1", video), "video metadata")
        assert js("return arguments[0].error", video) is None
        assert js("return arguments[0].duration", video) > 1
        play_until(chromium, video, 0.5)
        # The caption track is on by default and its cues parse from the data: URL.
        assert js("return arguments[0].textTracks[0].mode", video) == "showing"
        wait_for(
            lambda: js("return arguments[0].textTracks[0].cues?.length || 0", video) > 0,
            "caption cues",
        )
        chromium.save_screenshot(str(tmp_path / "notebook.png"))
