"""Every command and code example in README.md and docs/*.md runs as written.

The examples are read from the Markdown itself, so an example added to the docs joins the test
by itself, and one that stops working fails it. They run as a reader pastes them: in the order
of README, then the pages in the order README's "More" table lists them, in one folder (so
README's export at 1080p60 is made once and the pages that follow find it in the cache, as a
reader's would be), each command exactly as printed, through bash, with `.venv`, `render.py`,
`assets/` and `scenes/` linked into the folder.

How each kind of example is checked (:func:`how`):

* `render.py …`, `python -m lowrank_anim …` and the shell lines beside them (`cp`, `cat`,
  `mkdir`): run, exit status 0, and every path the example's comments promise (`# media/…`,
  and the sample output lines under it) exists afterwards. `--open` finds a stand-in viewer on
  PATH that records what it was handed. `--watch`: run until its first rebuild, then Ctrl-C.
* ```python blocks: each block is one cell of a notebook per page, run in a real kernel in
  the same folder; a cell that fails fails the test, and each cell must show something.
* `make TARGET …`: `make -n` (the target and its variables exist; what the targets run is
  tested by the tests of those targets, and `make test` is this suite).
* Docker and `docker compose` lines: `bash -n` only — tests/docker/ builds and runs the image
  with exactly these commands (`make docker-render` included).
* Lines naming example addresses (`tcp://10.0.0.5:8786`, a scheduler that is not there):
  parsed by the CLI's own parser, nothing run; tests/pipeline/test_farm.py runs a real
  scheduler and `render.py worker`.
* :data:`COSTLY`: a few examples whose run costs minutes (every scene, or several clips at
  1080p60). The main test parses them with the CLI's own parser (options, scenes, numbers);
  ``test_the_costly_examples_run_as_written`` (marked ``slow``) runs them once, as written.

A line no rule covers fails :func:`test_every_example_is_checked`, so nothing is skipped
silently.
"""

from __future__ import annotations

import os
import queue
import re
import shlex
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT

# Reading order: README, then the pages as README's "More" table lists them, then any other.
_LISTED = re.findall(
    r"^\| \[docs/([\w-]+\.md)\]", (ROOT / "README.md").read_text("utf-8"), re.MULTILINE
)
PAGES = [
    ROOT / "README.md",
    *(ROOT / "docs" / name for name in _LISTED),
    *sorted(p for p in (ROOT / "docs").glob("*.md") if p.name not in _LISTED),
]

_FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.MULTILINE | re.DOTALL)
_PATH = re.compile(r"^(?:media|mysite|site)/[\w./-]+\.\w+$")

#: Examples whose run costs minutes, as written, and why they are run only in the slow test.
COSTLY = {
    "make post": "the post notebook's 5 clips at 1080p60 (tests/web/test_post.py: -q low)",
    ".venv/bin/python render.py post docs/post/low-rank-updates.ipynb --execute --base-url "
    "/assets/clips --captions-on -o site": "the same 5 clips at 1080p60 (~15 min on 2 cores); "
    "tests/web/test_post.py runs this command on this notebook at -q low",
    ".venv/bin/python render.py post my.ipynb --execute --base-url /assets/clips --captions-on "
    "-o site/_posts": "README's notebook cells exported at 1080p60",
    ".venv/bin/python render.py render --all --theme light": "every scene",
    ".venv/bin/python render.py render FullStory --sections": "the whole story, cut by beat",
    ".venv/bin/python render.py render --all": "every scene",
    ".venv/bin/python render.py render --all -j 1": "every scene (after --all: cached)",
    ".venv/bin/python render.py render --all --force": "every scene, rendered again",
}
#: Costly examples not even the slow test runs: they would take most of an hour.
NOT_RUN = {
    "make post",
    ".venv/bin/python render.py post docs/post/low-rank-updates.ipynb --execute --base-url "
    "/assets/clips --captions-on -o site",
}


@dataclass(frozen=True)
class Example:
    """One command line, or one Python block (a notebook cell), of a page."""

    page: Path
    line: int
    lang: str
    text: str
    expects: tuple[str, ...] = ()
    """Paths its comments (and the sample output under it) promise."""

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def without_comment(line: str) -> tuple[str, str]:
    """``line`` split into its command and its comment, as bash reads a comment."""
    from lowrank_anim.notebook import without_comment as strip

    command = strip(line)
    return command.rstrip(), line[len(command) :].lstrip("# ").strip()


def promised(comment: str) -> list[str]:
    """The paths a comment promises (``media/…/X.mp4``), not elided ones (``…/X.png``)."""
    first = comment.split()[0] if comment.split() else ""
    first = first.rstrip(",;)")
    return [first] if _PATH.match(first) else []


def examples(page: Path) -> Iterator[Example]:
    text = page.read_text("utf-8")
    for match in _FENCE.finditer(text):
        lang, body = match.group(1), match.group(2)
        start = text.count("\n", 0, match.start(2)) + 1
        if lang == "python":
            yield Example(page, start, lang, body)
            continue
        if lang != "sh":
            continue
        lines = body.split("\n")
        commands: list[Example] = []
        index = 0
        while index < len(lines):
            line, number = lines[index], start + index
            while line.endswith("\\") and index + 1 < len(lines):
                index += 1
                line = line[:-1] + " " + lines[index].strip()
            index += 1
            stripped = line.strip()
            if not stripped:
                continue
            if stripped.startswith("#"):  # sample output of the command above
                if commands:
                    last = commands[-1]
                    more = promised(stripped.lstrip("# "))
                    commands[-1] = Example(
                        last.page, last.line, last.lang, last.text, last.expects + tuple(more)
                    )
                continue
            command, comment = without_comment(stripped)
            commands.append(Example(page, number, lang, command, tuple(promised(comment))))
        yield from commands


ALL = [example for page in PAGES for example in examples(page)]
SHELL = [e for e in ALL if e.lang == "sh"]

_CLI = re.compile(
    r"^(\.venv/bin/python render\.py|\.venv/bin/python -m lowrank_anim|lowrank-anim) "
)
_FILES = re.compile(r"^(cp|cat|mkdir) ")
_DOCKER = re.compile(
    r"^(docker |DOCKER_BUILDKIT=|echo \"\$\w+\" \| docker |export LOWRANK_(ARCH|UID)"
    r"|mkdir -p media$)"
)
_EXAMPLE_ADDRESS = "tcp://10.0.0.5:8786"


def how(example: Example) -> str:
    """How the test checks ``example``: run, watch, costly, parse, make, syntax, or "" (no rule
    covers it: :func:`test_every_example_is_checked` fails)."""
    text = example.text
    if example.lang == "python":
        return "kernel"
    if text in COSTLY:
        return "costly"
    if text.startswith("make "):
        return "make"
    if _DOCKER.match(text):
        return "syntax"
    if text == ".venv/bin/dask scheduler":
        return "exists"
    if _CLI.match(text):
        if _EXAMPLE_ADDRESS in text:
            return "parse"
        return "watch" if " --watch" in text else "run"
    if _FILES.match(text):
        return "run"
    return ""


def test_every_example_is_checked() -> None:
    unchecked = [f"{e.where}: {e.text}" for e in ALL if not how(e)]
    assert not unchecked, f"examples no rule of tests/cli/test_docs_examples.py checks: {unchecked}"
    assert len([e for e in SHELL if how(e) == "run"]) > 20, "the examples were not found"
    assert not set(COSTLY) - {e.text for e in SHELL}, "COSTLY names an example no page has"


def test_the_comment_of_a_lowrank_line_is_not_part_of_it() -> None:
    """The splitter the examples use reads README's own lines as bash does."""
    assert without_comment("a b  # render's own") == ("a b", "render's own")
    assert promised("media/RankOneUpdate/480p15/RankOneUpdate.mp4") == [
        "media/RankOneUpdate/480p15/RankOneUpdate.mp4"
    ]
    assert promised("…/RankOneUpdate.section-4-alpha-is-v-dot-x.png") == []


# Running them ----------------------------------------------------------------------------------


@dataclass
class Reader:
    """A folder set up as a reader's checkout: the commands run there, through bash."""

    folder: Path
    env: dict[str, str]
    opened: Path

    def bash(self, text: str, timeout: float = 3600) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["bash", "-c", text],
            cwd=self.folder,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def reader_folder(folder: Path) -> Reader:
    """``folder`` as a reader's checkout, with README's notebook cells saved as the
    `my.ipynb` its `post` line publishes."""
    import nbformat

    from tests.notebooks import notebook_of

    folder.mkdir(parents=True, exist_ok=True)
    for name in (".venv", "render.py", "assets", "scenes"):
        if not (folder / name).is_symlink():
            (folder / name).symlink_to(ROOT / name)
    (folder / "docs" / "post").mkdir(parents=True, exist_ok=True)
    for notebook in (ROOT / "docs" / "post").glob("*.ipynb"):
        (folder / "docs" / "post" / notebook.name).write_bytes(notebook.read_bytes())
    readme_cells = [e.text for e in ALL if e.page.name == "README.md" and e.lang == "python"]
    nbformat.write(notebook_of(*readme_cells), folder / "my.ipynb")
    # `--open`: a stand-in system viewer that records what it was handed.
    tools = folder.parent / f"{folder.name}-bin"
    tools.mkdir(exist_ok=True)
    opened = folder.parent / f"{folder.name}-opened.txt"
    viewer = tools / "xdg-open"
    viewer.write_text(f'#!/bin/sh\necho "$1" >> {shlex.quote(str(opened))}\n', "utf-8")
    viewer.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k != "LOWRANK_SCHEDULER"}
    env["PATH"] = f"{tools}{os.pathsep}{env.get('PATH', '')}"
    # A kernel imports this checkout's package, also where .venv's editable install is another's.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return Reader(folder, env, opened)


def check_run(reader: Reader, example: Example) -> None:
    done = reader.bash(example.text)
    tail = (done.stdout + done.stderr)[-3000:]
    assert done.returncode == 0, (
        f"{example.where}: `{example.text}` exited {done.returncode}:\n{tail}"
    )
    missing = [p for p in example.expects if not (reader.folder / p).exists()]
    assert not missing, f"{example.where}: `{example.text}` promises {missing}; it made:\n{tail}"
    if " --open" in example.text:
        handed = reader.opened.read_text("utf-8").split() if reader.opened.exists() else []
        assert handed, f"{example.where}: nothing was handed to the viewer"
        assert (reader.folder / handed[-1]).suffix == ".png", handed
        assert (reader.folder / handed[-1]).is_file(), handed


def check_watch(reader: Reader, example: Example, timeout: float = 600) -> None:
    """Run a `--watch` example until its first rebuild, then press Ctrl-C."""
    process = subprocess.Popen(
        ["bash", "-c", f"exec {example.text}"],
        cwd=reader.folder,
        env=reader.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while not any("rebuilt" in line for line in seen):
            try:
                seen.append(lines.get(timeout=1))
            except queue.Empty:
                ended = process.poll() is not None
                if ended or time.monotonic() > deadline:
                    pytest.fail(f"{example.where}: no rebuild (exit {process.poll()}): {seen}")
                continue
            assert "error" not in seen[-1], f"{example.where}: {seen}"
    finally:
        os.killpg(process.pid, signal.SIGINT)
        code = process.wait(timeout=60)
    assert code in (0, 130), f"{example.where}: Ctrl-C gave exit {code}: {seen}"
    assert any("Ctrl-C stops" in line for line in seen), seen


def check_parse(reader: Reader, example: Example) -> None:
    """Parse a CLI example in the reader's folder with the CLI's own parser (and, for render,
    its own checks: scenes, numbers, formats), running nothing."""
    import render
    from lowrank_anim.cli.render import plan_render

    words = shlex.split(_CLI.sub("", example.text))
    command, args = words[0], words[1:]
    here = Path.cwd()
    os.chdir(reader.folder)  # the paths it names are the reader's
    try:
        if command == "render":
            plan_render(args)
        else:
            with render.cli.commands[command].make_context(f"render.py {command}", list(args)):
                pass
    finally:
        os.chdir(here)


def check_make(example: Example) -> None:
    # A synopsis's optional parts ([TAG=latest]) are left out.
    words = [w for w in shlex.split(example.text)[1:] if not w.startswith("[")]
    done = subprocess.run(
        ["make", "-n", *words], cwd=ROOT, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, f"{example.where}: `make -n {' '.join(words)}`: {done.stderr}"


def check_syntax(example: Example) -> None:
    done = subprocess.run(
        ["bash", "-n", "-c", example.text], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"{example.where}: {done.stderr}"


def check_kernel(reader: Reader, cells: list[Example]) -> None:
    """A page's Python blocks as the cells of one notebook, in a real kernel in the folder."""
    from tests.notebooks import cell_outputs, execute, notebook_of

    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = reader.env["PYTHONPATH"]  # the kernel inherits this process's
    try:
        nb = execute(notebook_of(*(cell.text for cell in cells)), reader.folder, timeout=1200)
    finally:
        if before is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = before
    for cell, ran, outputs in zip(cells, nb.cells, cell_outputs(nb), strict=True):
        shown = [o for o in outputs if o.get("metadata", {}).get("lowrank_anim")]
        if re.search(r"^(show\(|%lowrank \w)", cell.text, re.MULTILINE):
            assert shown, f"{cell.where}: the cell shows nothing: {ran.get('outputs')}"
        elif "%lowrank --help" in cell.text:
            text = "".join(o.get("text", "") for o in ran.get("outputs", []))
            assert "Usage: %lowrank" in text, f"{cell.where}: {ran.get('outputs')}"


@pytest.fixture(scope="module")
def reader(tmp_path_factory: pytest.TempPathFactory) -> Reader:
    """One folder for every page. ``LOWRANK_DOCS_READER=DIR`` keeps it between runs (its
    cache then makes a second run quick, as a reader's second time through would be)."""
    kept = os.environ.get("LOWRANK_DOCS_READER")
    return reader_folder(Path(kept).resolve() if kept else tmp_path_factory.mktemp("reader"))


@pytest.mark.render
@pytest.mark.latex
@pytest.mark.slow  # minutes a page (README's exports are 1080p60): make test, not make check
@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_the_examples_of_a_page_run_as_written(page: Path, reader: Reader) -> None:
    """Every example of ``page``, in order, in the folder the pages before it used."""
    mine = [e for e in ALL if e.page == page]
    for example in mine:
        kind = how(example)
        if kind == "run":
            check_run(reader, example)
        elif kind == "watch":
            check_watch(reader, example)
        elif kind in ("parse", "costly") and _CLI.match(example.text):
            check_parse(reader, example)
        elif kind in ("make", "costly"):
            check_make(example)
        elif kind == "syntax":
            check_syntax(example)
        elif kind == "exists":
            assert (ROOT / example.text.split()[0]).is_file(), example.where
    cells = [e for e in mine if e.lang == "python"]
    if cells:
        check_kernel(reader, cells)


@pytest.mark.render
@pytest.mark.latex
@pytest.mark.slow
def test_the_costly_examples_run_as_written(reader: Reader) -> None:
    """The :data:`COSTLY` examples, each once, as written, in the reader's folder after the
    pages (README's notebook cells are the `my.ipynb` its `post` line publishes)."""
    for example in SHELL:
        if example.text in COSTLY and example.text not in NOT_RUN:
            check_run(reader, example)
