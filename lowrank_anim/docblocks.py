"""The one writer of generated blocks in README.md, BENCHMARKS.md and docs/*.md.

A generated block sits between a begin and an end marker (HTML comments, invisible on GitHub)
and is rewritten in place, atomically, by the tool that owns it: the scene table and the module
map (``make readme``), the Troubleshooting table (``make readme-troubleshooting``) and the
benchmark sections (``make bench``).  Everything outside the markers is kept as written.
"""

from __future__ import annotations

from pathlib import Path

from lowrank_anim.core.outputs import write_text_atomically


class MissingMarkersError(ValueError):
    """The document has no such block; the message names the markers to add."""


def replace_block(text: str, begin: str, end: str, body: str, *, append: bool = False) -> str:
    """``text`` with the block between ``begin`` and ``end`` replaced by ``body``.

    A document without the markers gets the block appended when ``append`` is true, and
    raises :class:`MissingMarkersError` otherwise.
    """
    block = f"{begin}\n{body.strip(chr(10))}\n{end}"
    head, found, rest = text.partition(begin)
    if found:
        _, found_end, tail = rest.partition(end)
        if not found_end:
            raise MissingMarkersError(f"the document has {begin!r} but no {end!r}")
        return head + block + tail
    if not append:
        raise MissingMarkersError(f"the document has no {begin!r} … {end!r} markers")
    return text.rstrip("\n") + "\n\n" + block + "\n"


def write_block(
    path: Path, begin: str, end: str, body: str, *, append: bool = False, title: str = ""
) -> bool:
    """Rewrite one block of the file at ``path``; returns whether the file changed.

    A missing file starts as ``title`` (when ``append`` is true).
    """
    text = path.read_text(encoding="utf-8") if path.exists() else title
    new = replace_block(text, begin, end, body, append=append)
    if new == text:
        return False
    write_text_atomically(path, new)
    return True
