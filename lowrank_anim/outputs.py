"""Safe output files: check a directory can be written, render beside it, publish atomically.

Every file the project writes is first produced in a private scratch directory next to its
final path (same filesystem) and then moved into place with ``os.replace``, which is atomic:
readers see the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class OutputDirError(OSError):
    """An output directory that cannot be written; the message names the fix."""


def ensure_writable(directory: Path) -> Path:
    """Create ``directory`` if needed and prove a file can be written in it."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".write-test-"):
            pass
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputDirError(
            f"cannot write to output directory {str(directory)!r}: {reason}; "
            "choose another --output-dir or fix its permissions"
        ) from None
    return directory


@contextmanager
def scratch_dir(final: Path) -> Iterator[Path]:
    """A private directory beside ``final``, removed afterwards whatever happens."""
    final.parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=".render-", dir=final.parent))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def publish(produced: Path, final: Path) -> Path:
    """Move a finished file into place atomically and return the final path."""
    os.replace(produced, final)
    return final
