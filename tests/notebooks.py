"""Build and execute notebooks in a real Jupyter kernel (nbclient + ipykernel), for the tests
of the notebook API and of the post notebook."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient


def notebook_of(*cells: str | tuple[str, list[str]]) -> Any:
    """A notebook of code cells; a ``(source, tags)`` pair tags its cell (``raises-exception``
    marks a cell whose error is expected)."""
    nb = nbformat.v4.new_notebook()
    for cell in cells:
        source, tags = cell if isinstance(cell, tuple) else (cell, [])
        nb.cells.append(nbformat.v4.new_code_cell(source, metadata={"tags": tags}))
    return nb


def execute(nb: Any, cwd: Path, timeout: int = 600) -> Any:
    """Run every cell of ``nb`` in a fresh kernel started in ``cwd``; an error in a cell not
    tagged ``raises-exception`` fails (nbclient's CellExecutionError)."""
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}
    )
    client.execute()
    return nb


def cell_outputs(nb: Any) -> list[list[dict[str, Any]]]:
    """Each cell's outputs (Markdown cells: none), streams left out."""
    return [
        [dict(o) for o in cell.get("outputs", []) if o["output_type"] != "stream"]
        for cell in nb.cells
    ]
