"""Notebook → post: turn an executed notebook into a Jekyll-ready Markdown post.

The notebook is read as the JSON it is (no Jupyter package needed).  Its front matter comes
from a first raw (or Markdown) cell that is a ``---`` block, or from the notebook metadata's
``lowrank_anim.front_matter`` mapping.  Markdown cells are copied with their maths rewritten
for kramdown (Jekyll's Markdown): every formula becomes ``$$…$$``, which kramdown hands to
MathJax untouched (inline ``$…$`` would lose its backslashes and underscores), with ``|``
written ``\\vert`` so no formula is mistaken for a table row.  Each player that
``show()``/``%lowrank`` left in an output (its metadata record,
:data:`lowrank_anim.notebook.METADATA_KEY`) becomes the exported clip's embed snippet; a code
cell that only shows scenes disappears (so does any cell tagged ``remove-cell``), other code
cells stay as code blocks.

A still (``show(..., format="png")``) becomes a Markdown image of the scene's last frame.

Exporting is the caller's job (``render.py post`` exports each record as ``render.py export``
does, through the same :func:`lowrank_anim.web.webexport.export_scene`, in its own export
folder, and copies beside the post only the files the snippets name):
:func:`build_post` takes a function from a record's export options to the exported
:class:`~lowrank_anim.web.embed.Clip`, and one from a still's options to its image.
Every cell is checked before anything is exported, and a cell that cannot become part of the
post is named by its number and first line.
"""

from __future__ import annotations

import ast
import json
import re
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lowrank_anim.core.outputs import publish_together, scratch_dir
from lowrank_anim.web.embed import Clip, markdown_snippet, url_for

#: The key of a player's record in an output's metadata (as lowrank_anim.notebook writes it).
RECORD_KEY = "lowrank_anim"

#: The tag (Jupyter Book's) of a cell that belongs to the notebook only, not to the post.
REMOVE_TAG = "remove-cell"

#: Statements and magics that only set up or show scenes; a cell of nothing else disappears.
SHOW_FUNCTIONS = frozenset({"show"})
_MAGIC = re.compile(r"^\s*%(lowrank\b|load_ext\s+lowrank_anim\b)")
_FENCE = re.compile(r"^(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# $$…$$ (maybe over several lines) or $…$ (one line, no space just inside the dollars).
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?![\s$])([^$\n]+?)(?<![\s\\])\$(?!\$)", re.DOTALL)


class PostError(ValueError):
    """A notebook that cannot become a post; the message names the fix."""


ExportFunction = Callable[[Sequence[str]], Clip]
#: From a still's recorded options to the Markdown that shows it (an image).
StillFunction = Callable[[Sequence[str]], str]

#: The files of a clip its snippets name: the videos, the poster and the WebVTT captions.
SNIPPET_ROLES = ("mp4", "webm", "poster", "vtt")


@dataclass(frozen=True)
class Post:
    """The Markdown of a post and the clips it embeds."""

    markdown: str
    clips: list[Clip]
    filename: str
    """``YYYY-MM-DD-slug.md`` when the front matter has a date (Jekyll's ``_posts`` name)."""


def load_notebook(path: Path) -> dict[str, Any]:
    """The notebook's JSON, or :class:`PostError` naming what is wrong with the file."""
    try:
        nb: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PostError(f"cannot read {path}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise PostError(f"{path} is not a notebook (.ipynb JSON): {exc}") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise PostError(f"{path} is not a notebook: it has no list of cells")
    return nb


def source_of(cell: dict[str, Any]) -> str:
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def front_matter(nb: dict[str, Any]) -> tuple[str, bool]:
    """The post's ``---`` front matter block (or ``""``), and whether it came from the
    first cell (which then is not part of the body)."""
    cells = nb["cells"]
    first = source_of(cells[0]).strip() if cells else ""
    if cells and cells[0].get("cell_type") in ("raw", "markdown") and first.startswith("---"):
        if first.count("\n---") == 0:
            raise PostError("the first cell opens front matter with --- but never closes it")
        return first + "\n", True
    mapping = nb.get("metadata", {}).get(RECORD_KEY, {}).get("front_matter")
    if not mapping:
        return "", False
    # JSON scalars are valid YAML, so each value keeps its type and its quoting.
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in mapping.items()]
    return "---\n" + "\n".join(lines) + "\n---\n", False


def post_filename(matter: str, stem: str) -> str:
    """``2024-05-01-stem.md`` when the front matter has a ``date``, else ``stem.md``."""
    match = re.search(r"^date:\s*[\"']?(\d{4}-\d\d-\d\d)", matter, re.MULTILINE)
    return f"{match.group(1)}-{stem}.md" if match else f"{stem}.md"


def kramdown_math(markdown: str) -> str:
    """``markdown`` with every formula as ``$$…$$`` (kramdown's only maths delimiter) and
    ``|`` inside formulas as ``\\vert``; code spans and fenced code are left alone."""
    out: list[str] = []
    in_fence = False
    block: list[str] = []

    def flush() -> None:
        if block:
            out.append(_rewrite_math("\n".join(block)))
            block.clear()

    for line in markdown.split("\n"):
        if _FENCE.match(line.strip()):
            flush()
            in_fence = not in_fence
            out.append(line)
        elif in_fence:
            out.append(line)
        else:
            block.append(line)
    flush()
    return "\n".join(out)


def _rewrite_math(text: str) -> str:
    # Code spans are cut out first so a $ inside one stays literal.
    spans: list[str] = []

    def keep(match: re.Match[str]) -> str:
        spans.append(match.group(0))
        return f"\0{len(spans) - 1}\0"

    def formula(match: re.Match[str]) -> str:
        body = match.group(1) if match.group(1) is not None else match.group(2)
        return "$$" + body.replace("|", r"\vert ") + "$$"

    text = _MATH.sub(formula, _CODE_SPAN.sub(keep, text))
    return re.sub(r"\0(\d+)\0", lambda m: spans[int(m.group(1))], text)


def only_shows(source: str) -> bool:
    """Whether a code cell does nothing but show scenes: ``show(...)`` calls, ``%lowrank``
    lines, ``%load_ext lowrank_anim`` and imports from ``lowrank_anim``."""
    code = "\n".join("" if _MAGIC.match(line) else line for line in source.split("\n"))
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return False
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lowrank_anim"):
            continue
        if isinstance(node, ast.Import) and all(
            a.name.startswith("lowrank_anim") for a in node.names
        ):
            continue
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id in SHOW_FUNCTIONS
        ):
            continue
        return False
    return True


def records(cell: dict[str, Any]) -> list[dict[str, Any]]:
    """What a code cell's outputs show, in order (their metadata records): players, and
    stills (``format`` ``png``)."""
    found = []
    for output in cell.get("outputs", []):
        record = output.get("metadata", {}).get(RECORD_KEY)
        if isinstance(record, dict):
            found.append(record)
    return found


def cell_name(number: int, source: str) -> str:
    """``cell 7 (`show("RankOneUpdate", format="png")`)``: how messages name a cell."""
    first = source.strip().split("\n", 1)[0]
    if len(first) > 60:
        first = first[:59] + "…"
    return f"cell {number} (`{first}`)" if first else f"cell {number}"


def record_options(record: dict[str, Any], where: str) -> tuple[str, ...]:
    options = tuple(str(word) for word in record.get("options", []))
    if not options:
        raise PostError(f"{where}: a player's record has no export options: {record}")
    return options


def check_cells(cells: Sequence[dict[str, Any]], first_number: int, executed: bool) -> None:
    """Refuse, before anything is exported, a cell that shows a scene but holds no player."""
    for number, cell in enumerate(cells, start=first_number):
        source = source_of(cell)
        if cell.get("cell_type") != "code" or REMOVE_TAG in cell.get("metadata", {}).get(
            "tags", []
        ):
            continue
        shown = records(cell)
        for record in shown:
            record_options(record, cell_name(number, source))
        if shown or not re.search(r"\bshow\(|%lowrank\b", source):
            continue
        where = cell_name(number, source)
        if executed:
            raise PostError(
                f"{where} shows a scene but left no player in its outputs: make the show() "
                "call the cell's last line (its value is what Jupyter displays), or tag the "
                f"cell {REMOVE_TAG}"
            )
        raise PostError(
            f"{where} shows a scene but has no player in its outputs: run the notebook "
            "(Run All, then save) or pass --execute"
        )


def no_stills(options: Sequence[str]) -> str:
    raise PostError(f"this post cannot show the still of {' '.join(options)}")


def build_post(
    nb: dict[str, Any],
    stem: str,
    export: ExportFunction,
    snippet: Callable[[Clip], str] = markdown_snippet,
    still: StillFunction = no_stills,
    *,
    executed: bool = False,
) -> Post:
    """The post for notebook ``nb``: front matter, Markdown cells, remaining code, and each
    player replaced by the ``snippet`` (the Jekyll variant, unless another engine's) of the clip
    ``export`` returns for its options, each still by what ``still`` returns for its options.
    Every cell is checked first (``executed``: the notebook was just run, so running it again
    is not the fix), so a bad cell stops the post before anything is exported."""
    matter, from_cell = front_matter(nb)
    cells = nb["cells"][1:] if from_cell else nb["cells"]
    check_cells(cells, 2 if from_cell else 1, executed)
    parts: list[str] = []
    clips: list[Clip] = []
    exported: dict[tuple[str, ...], Clip] = {}
    stills: dict[tuple[str, ...], str] = {}
    for cell in cells:
        kind, source = cell.get("cell_type"), source_of(cell).strip()
        if REMOVE_TAG in cell.get("metadata", {}).get("tags", []):
            continue
        if kind == "markdown":
            parts.append(kramdown_math(source))
        elif kind == "code":
            if source and not only_shows(source):
                parts.append(f"```python\n{source}\n```")
            for record in records(cell):
                options = record_options(record, "a cell")
                if record.get("format") == "png":
                    if options not in stills:
                        stills[options] = still(options)
                    parts.append(stills[options])
                    continue
                if options not in exported:
                    exported[options] = export(options)
                    clips.append(exported[options])
                parts.append(snippet(exported[options]).rstrip("\n"))
    body = "\n\n".join(part for part in parts if part) + "\n"
    return Post(f"{matter}\n{body}" if matter else body, clips, post_filename(matter, stem))


def execute_notebook(path: Path, timeout: int = 1800) -> dict[str, Any]:
    """Run every cell of the notebook at ``path`` in a fresh kernel started in its folder and
    return the executed notebook's JSON (the file is not changed); a failing cell is a
    :class:`PostError` naming it."""
    try:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError:
        raise PostError(
            "--execute needs the notebook extra: pip install -e '.[notebook]'"
        ) from None
    nb = nbformat.read(path, as_version=4)  # type: ignore[no-untyped-call]
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    try:
        client.execute()
    except CellExecutionError as exc:
        where = "a cell"
        for number, cell in enumerate(nb.cells, start=1):
            if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                where = cell_name(number, source_of(cell))
        raise PostError(f"{where} of {path} failed: {exc.ename}: {exc.evalue}") from None
    executed: dict[str, Any] = json.loads(nbformat.writes(nb))  # type: ignore[no-untyped-call]
    return executed


def copy_beside_post(files: Sequence[tuple[Path, str]], folder: Path) -> list[Path]:
    """Copy each ``(source, name)`` into ``folder`` as ``name``, together and atomically;
    a file already there with the same size and time is left as it is."""
    folder.mkdir(parents=True, exist_ok=True)
    wanted: list[tuple[Path, Path]] = []
    for source, name in files:
        target = folder / name
        there, here = (target.stat() if target.is_file() else None), source.stat()
        if there is None or (there.st_size, there.st_mtime_ns) != (
            here.st_size,
            here.st_mtime_ns,
        ):
            wanted.append((source, target))
    if wanted:
        with scratch_dir(folder / ".post-files") as scratch:
            staged = {}
            for index, (source, target) in enumerate(wanted):
                target.parent.mkdir(parents=True, exist_ok=True)  # layouts/shortcodes/ …
                staged[target] = scratch / f"{index}-{target.name}"
                shutil.copy2(source, staged[target])
            publish_together(dict(staged))
    return [folder / name for _, name in files]


def clip_files(clip: Clip, export_dir: Path) -> list[tuple[Path, str]]:
    """The exported files of ``clip`` that its snippets name (no manifest, no other engine's
    snippet, no SRT or GIF), as ``(source, name)``."""
    return [
        (export_dir / clip.files[role].name, clip.files[role].name)
        for role in SNIPPET_ROLES
        if role in clip.files
    ]


def image_markdown(description: str, base_url: str, name: str) -> str:
    """A Markdown image (every engine's Markdown, MDX included, reads it)."""
    alt = re.sub(r"([\\\[\]])", r"\\\1", description)
    return f"![{alt}]({url_for(base_url, name)})"
