"""Before/after pictures of a directory tree, to prove a failed command changed nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

Entry = tuple[object, ...]


#: The project's own bookkeeping under an output directory (shared LaTeX/text SVGs, failure
#: logs): a render that starts may create it, and no user file lives there.
BOOKKEEPING = (".cache", ".logs")


def snapshot(root: Path, skip: tuple[str, ...] = ()) -> dict[str, Entry]:
    """Every path under ``root``: directories by name, files by size, mtime and SHA-256
    (except under the top-level names in ``skip``)."""
    entries: dict[str, Entry] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if rel.split("/", 1)[0] in skip:
            continue
        if path.is_dir() and not path.is_symlink():
            entries[rel] = ("dir",)
            continue
        st = path.lstat()
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "-"
        entries[rel] = (st.st_size, st.st_mtime_ns, digest)
    return entries


def leftovers(root: Path) -> list[Path]:
    """Scratch or temporary files a command should have removed."""
    return sorted(
        p
        for p in root.rglob("*")
        if p.name.startswith((".render-", ".write-test-", ".doctor-write-test-"))
        or p.name.endswith(".tmp")
    )
