"""Safe output files: check a directory can be written, render beside it, publish atomically.

Every file the project writes is first produced in a private scratch directory next to its
final path (same filesystem) and then moved into place with ``os.replace``, which is atomic:
readers see the old file or the new one, never half of one.

What that buys, and how each case is handled here:

* A failed, interrupted (Ctrl-C) or terminated (SIGTERM, see
  :mod:`lowrank_anim.core.termination`) render unwinds through :func:`scratch_dir`,
  which deletes its scratch directory; the previous file at the final path was never touched.
  A process that received one of those signals publishes nothing afterwards, even where Python
  lost the signal's exception (:func:`~lowrank_anim.core.termination.refuse_after_signal`).
* A render killed with SIGKILL cannot clean up, so its ``.render-*`` directory stays.  Each
  scratch directory is held under an ``flock`` for its whole life; the kernel drops the lock
  when the owner dies, however it dies, so the next render in that directory can tell a dead
  one from a live one and removes only the dead (:func:`clean_stale_scratch`).  The killed run's
  half-written clips are inside that directory and nothing ever reads them again: every render
  gets a fresh, empty manim media directory, so manim's partial-clip cache cannot hand a
  truncated file to a later run.
* Two processes rendering the same target work in two scratch directories and both publish
  with ``os.replace``; the last one wins and the file is always complete.
* A full disk or a read-only directory becomes :class:`OutputDirError`, a one-line message.
* Names that come from input (scene names, themes, formats) become path components only
  through :func:`contained_path`, which refuses anything that could leave the output directory.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from lowrank_anim.core.termination import refuse_after_signal


class OutputDirError(OSError):
    """An output directory that cannot be written; the message names the fix."""

    directory: Path | None = None
    """The directory the message names, when known."""


class UnsafeNameError(ValueError):
    """A name that would not stay a single, ordinary file name inside the output directory."""


#: Scratch directories are ``.render-<pid>-<random>``: hidden, and traceable to their owner.
SCRATCH_PREFIX = ".render-"
#: An unlocked scratch directory whose owner is still alive may be one being created right now
#: (between ``mkdtemp`` and ``flock``); it is left alone this long.
SCRATCH_GRACE_SECONDS = 60.0
#: Where locks are unsupported (some network filesystems), a scratch directory is only
#: presumed dead after this long, so a long 4k render is never pulled from under itself.
SCRATCH_UNLOCKABLE_STALE_SECONDS = 6 * 3600.0
#: Below this much free space after a failed render, the failure is reported as a full disk:
#: tools such as dvisvgm do not report ENOSPC, they just leave a truncated file behind.
NEARLY_FULL_BYTES = 1 << 20

#: Errors that mean "this place cannot take the file", as opposed to a bug.
_DISK_ERRNOS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
}

MAX_NAME_LENGTH = 128
_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")


# Directories ----------------------------------------------------------------------------------


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


def disk_error(exc: BaseException, directory: Path) -> OutputDirError | None:
    """The one-line error for ``exc`` if it (or its cause) says the disk refused a write."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OutputDirError):
            return current
        code = getattr(current, "errno", None)
        if isinstance(current, OSError) and code in _DISK_ERRNOS:
            return _disk_error_for(code, directory)
        current = current.__cause__ or current.__context__
    return None


def _disk_error_for(code: int, directory: Path) -> OutputDirError:
    reason = _DISK_ERRNOS[code]
    if code in (errno.ENOSPC, errno.EDQUOT):
        fix = "free some space or choose another --output-dir"
    else:
        fix = "choose another --output-dir or fix its permissions"
    error = OutputDirError(f"cannot write to {str(directory)!r}: {reason}; {fix}")
    error.errno = code  # kept for callers, but not in the message (OSError would print it)
    error.directory = directory
    return error


def nearly_full(path: Path) -> bool:
    """Whether the filesystem holding ``path`` has (almost) no space left."""
    try:
        return shutil.disk_usage(path).free < NEARLY_FULL_BYTES
    except OSError:
        return False


# Scratch directories --------------------------------------------------------------------------


@contextmanager
def scratch_dir(final: Path) -> Iterator[Path]:
    """A private, empty directory beside ``final``, removed afterwards whatever happens.

    Stale scratch directories of dead renders in the same place are removed first.  Disk
    failures inside the block (or while creating the directory) become :class:`OutputDirError`.
    """
    parent = final.parent
    try:
        created = _make_dirs(parent)
    except OSError as exc:
        raise disk_error(exc, parent) or exc from None
    clean_stale_scratch(parent)
    try:
        path = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-", dir=parent))
    except OSError as exc:
        _remove_empty(created)
        raise disk_error(exc, parent) or exc from None
    lock = _hold_lock(path)
    succeeded = False
    try:
        yield path
        succeeded = True
    except Exception as exc:
        # Judge "disk full" before the scratch files are deleted and the space comes back.
        full = nearly_full(path)
        explained = disk_error(exc, parent)
        if explained is None and full:
            explained = _disk_error_for(errno.ENOSPC, parent)
        # A nested scratch directory (manim's TeX cache inside ours) is no place to name.
        inner = explained.directory if explained is not None else None
        if explained is not None and inner is not None and inner.is_relative_to(path):
            explained = _disk_error_for(explained.errno or errno.ENOSPC, parent)
        if explained is not None:
            raise explained from exc
        raise
    finally:
        shutil.rmtree(path, ignore_errors=True)
        if lock is not None:
            os.close(lock)
        if not succeeded:
            _remove_empty(created)


def clean_stale_scratch(directory: Path) -> list[Path]:
    """Remove the scratch directories in ``directory`` whose renders are dead; return them.

    A live render holds an ``flock`` on its scratch directory, which the kernel releases when
    the process dies (even by SIGKILL), so "can I take the lock?" is an exact liveness test that
    also works across PID namespaces (a container sharing the output directory).
    """
    removed: list[Path] = []
    try:
        entries = list(directory.iterdir())
    except OSError:
        return removed
    for entry in entries:
        if entry.name.startswith(SCRATCH_PREFIX) and _is_stale(entry):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


def _is_stale(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return False  # gone already, or not a directory: not ours to remove
    try:
        age = time.time() - os.fstat(fd).st_mtime
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its render is alive
        except OSError:
            return age > SCRATCH_UNLOCKABLE_STALE_SECONDS and not _owner_alive(path)
        # Unlocked: dead, unless it is so young that its owner may not have locked it yet.
        return not (_owner_alive(path) and age < SCRATCH_GRACE_SECONDS)
    finally:
        os.close(fd)


def _owner_alive(path: Path) -> bool:
    match = re.match(re.escape(SCRATCH_PREFIX) + r"(\d+)-", path.name)
    if match is None:
        return False
    pid = int(match[1])
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _hold_lock(path: Path) -> int | None:
    """Lock ``path`` (a directory) for as long as the returned descriptor stays open."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return None
    # Where locks are unsupported, the age rule in _is_stale protects the directory instead.
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    return fd


def _make_dirs(directory: Path) -> list[Path]:
    """``mkdir -p`` that returns the directories it created, deepest last."""
    missing: list[Path] = []
    current = directory
    while not current.exists() and current != current.parent:
        missing.append(current)
        current = current.parent
    created: list[Path] = []
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            continue  # another render made it first
        created.append(path)
    return created


def _remove_empty(created: list[Path]) -> None:
    """Undo :func:`_make_dirs` for directories still empty, so a failure leaves no trace."""
    for path in reversed(created):
        with contextlib.suppress(OSError):
            path.rmdir()


# Publishing -----------------------------------------------------------------------------------


def publish(produced: Path, final: Path) -> Path:
    """Move a finished file into place atomically and return the final path.

    The data is flushed to disk first, so a crash right after the rename cannot leave an empty
    file where the previous good one was.
    """
    try:
        with open(produced, "rb") as f:
            os.fsync(f.fileno())
        refuse_after_signal()  # the point of no return
        os.replace(produced, final)
    except OSError as exc:
        raise disk_error(exc, final.parent) or exc from None
    return final


def publish_together(files: dict[Path, Path | None]) -> list[Path]:
    """Publish one clip's files (produced → final) as one step and return the final paths.

    Everything is flushed first, then the renames follow each other with nothing in between,
    the main file last (the last key), so an interruption can only fall in a window of
    microseconds, never while a slow step runs.  A ``None`` source means "this clip has no such
    file": a stale one left by an earlier render is removed, so it is never paired with the new
    clip (captions of an old video, numbers of another variant).
    """
    try:
        for produced in files.values():
            if produced is not None:
                with open(produced, "rb") as f:
                    os.fsync(f.fileno())
        refuse_after_signal()  # the point of no return
        published = []
        for final, produced in files.items():
            if produced is None:
                with contextlib.suppress(FileNotFoundError):
                    final.unlink()
            else:
                os.replace(produced, final)
                published.append(final)
    except OSError as exc:
        final_dir = next(iter(files)).parent
        raise disk_error(exc, final_dir) or exc from None
    return published


def write_text_atomically(path: Path, text: str) -> Path:
    """Write a small text file (README, manifest) through a temporary file and :func:`publish`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        # mkstemp makes the file private (0600); keep the mode a normal write would give.
        os.chmod(temporary, path.stat().st_mode & 0o7777 if path.exists() else 0o644)
        return publish(Path(temporary), path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


# Sizes ----------------------------------------------------------------------------------------


def human_size(size: int | None) -> str:
    """The one size formatter, in binary units as ``ls -h`` and file managers show them:
    ``1536`` → ``1.5 KiB``; ``None`` (no file) → ``-``."""
    if size is None:
        return "-"
    value = float(size)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


# Names ----------------------------------------------------------------------------------------


def check_name(name: str, what: str = "name") -> str:
    """``name`` if it is one ordinary file name, else UnsafeNameError saying what is wrong.

    Allowed: ASCII letters, digits, ``.``, ``_``, ``+`` and ``-``, starting with a letter or
    digit, at most :data:`MAX_NAME_LENGTH` characters.  That rules out ``..``, separators,
    absolute paths, NUL, control and look-alike characters, hidden files and option-like names.
    """
    problem = None
    if not name:
        problem = "it is empty"
    elif len(name) > MAX_NAME_LENGTH:
        problem = f"it is {len(name)} characters long (at most {MAX_NAME_LENGTH})"
    elif "\0" in name:
        problem = "it contains a NUL byte"
    elif "/" in name or "\\" in name:
        problem = "it contains a path separator"
    elif _SAFE_NAME.fullmatch(name) is None:
        problem = "it has characters other than letters, digits, '.', '_', '+' and '-'"
        if name[0] in ".-+_":
            problem = f"it starts with {name[0]!r}"
    if problem is not None:
        raise UnsafeNameError(f"{what} {shorten(name)} cannot be used as a file name: {problem}")
    return name


def contained_path(root: Path, *parts: str) -> Path:
    """``root/part/part…`` where every part is checked by :func:`check_name`.

    ``root`` is the user's own choice and is used as given; only the parts, which come from
    scene names and options, are constrained, so the result is always inside ``root``.
    """
    for part in parts:
        check_name(part, "path component")
    return root.joinpath(*parts)


def shorten(text: str, limit: int = 60) -> str:
    """``repr`` of ``text``, cut to about ``limit`` characters: safe to print on one line."""
    shown = repr(text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"
