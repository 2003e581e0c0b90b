"""Watch mode: one long-lived process that re-renders a preview whenever a scene file is saved.

Why it is fast: manim is imported once, compiled LaTeX stays in the preview's persistent cache,
and only the project's own modules are re-imported after a save.  A cold ``manim -s -ql``
pays for all three on every run (``bench/preview_watch.py`` measures the difference).

How a rebuild works:

1. watchdog (manim's own dependency) reports file events under ``scenes/`` and ``assets/``;
   a burst of events (editors write, rename and touch in quick succession) is collapsed into
   one rebuild by waiting until the tree has been quiet for a moment.
2. Every ``scenes.*`` module, and every ``lowrank_anim.*`` module the CLI itself did not need
   before the first render (e.g. the model), is dropped from :data:`sys.modules`, so the next
   import reads the files as they are now, in their own dependency order.  The CLI's modules
   (registry, rendering, this one) stay: they are running.
3. :func:`lowrank_anim.authoring.preview.render_preview` renders the PNG.  A failure of any
   kind in the scene becomes one status line naming the exception and ``file:line``; the loop
   then waits for the next save.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import queue
import sys
import time
import traceback
from collections.abc import Callable, Collection, Iterable, MutableMapping
from datetime import datetime
from pathlib import Path
from types import ModuleType

from watchdog.events import (
    EVENT_TYPE_CLOSED_NO_WRITE,
    EVENT_TYPE_OPENED,
    FileSystemEvent,
    FileSystemEventHandler,
)

from lowrank_anim.authoring.preview import PreviewRequest, render_preview
from lowrank_anim.authoring.preview_server import BuildStatus

#: Folders (relative to the project root) whose changes trigger a rebuild.
WATCHED_FOLDERS = ("scenes", "assets")

#: Quiet time that ends a burst of events, and the longest a burst may postpone a rebuild.
DEBOUNCE_SECONDS = 0.05
MAX_DEBOUNCE_SECONDS = 1.0

#: Editor droppings and caches that never change what a scene draws.
IGNORED_SUFFIXES = (".pyc", ".pyo", ".swp", ".swo", ".swx", ".tmp", ".bak", "~")
IGNORED_NAMES = frozenset({"4913", "__pycache__"})  # 4913: vim's write-permission probe

#: Reading a file changes nothing.
IGNORED_EVENTS = (EVENT_TYPE_OPENED, EVENT_TYPE_CLOSED_NO_WRITE)

PROJECT_PACKAGES = ("scenes", "lowrank_anim")


def project_root() -> Path:
    """The directory that holds the ``scenes`` package (the project being watched)."""
    spec = importlib.util.find_spec("scenes")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("cannot find the scenes package; run from the project directory")
    return Path(next(iter(spec.submodule_search_locations))).resolve().parent


def watched_dirs(root: Path) -> list[Path]:
    """The existing folders among :data:`WATCHED_FOLDERS`."""
    return [root / name for name in WATCHED_FOLDERS if (root / name).is_dir()]


def is_relevant(path: Path) -> bool:
    """Whether a changed path can change a render (not a cache, lock or swap file)."""
    if any(part in IGNORED_NAMES for part in path.parts):
        return False
    name = path.name
    return not (name.startswith(".") or name.endswith(IGNORED_SUFFIXES))


def collect_changes(
    events: queue.Queue[Path],
    quiet: float = DEBOUNCE_SECONDS,
    max_wait: float = MAX_DEBOUNCE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> set[Path]:
    """Block until a change arrives, then gather the rest of its burst.

    The burst ends when nothing new has arrived for ``quiet`` seconds, or ``max_wait`` after
    its first event, so a process that writes continuously cannot postpone rebuilds forever.
    """
    while True:
        try:
            # A timeout keeps the main thread responsive to Ctrl-C on every platform.
            changed = {events.get(timeout=0.5)}
            break
        except queue.Empty:
            continue
    started = clock()
    while True:
        remaining = min(quiet, started + max_wait - clock())
        if remaining <= 0:
            return changed
        try:
            changed.add(events.get(timeout=remaining))
        except queue.Empty:
            return changed


def forget_project_modules(
    keep: Collection[str], modules: MutableMapping[str, ModuleType] | None = None
) -> list[str]:
    """Drop the project's modules (except ``keep``) so the next import re-reads them.

    Dropping instead of :func:`importlib.reload` means the import system itself re-imports
    them in dependency order (``scenes.rank_one`` imports ``scenes.base`` imports the model).
    """
    table: MutableMapping[str, ModuleType] = sys.modules if modules is None else modules
    stale = [
        name
        for name in list(table)
        if name.partition(".")[0] in PROJECT_PACKAGES and name not in keep
    ]
    for name in stale:
        del table[name]
    importlib.invalidate_caches()
    return stale


def drop_stale_bytecode(paths: Iterable[Path]) -> None:
    """Delete the cached bytecode of changed sources.

    Python trusts a ``.pyc`` whose recorded source mtime (whole seconds) and size match, so
    two same-sized saves within one second would otherwise re-import the old code.
    """
    for path in paths:
        if path.suffix != ".py":
            continue
        with contextlib.suppress(OSError, ValueError, NotImplementedError):
            Path(importlib.util.cache_from_source(str(path))).unlink(missing_ok=True)


def relative_to(path: str | Path, root: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(root))
    except ValueError:
        return str(path)


def describe_error(exc: BaseException, root: Path) -> str:
    """One line for a failed rebuild: the exception and the ``file:line`` to look at.

    The place is where the project's code went wrong: a syntax error's own position, else the
    innermost traceback frame in a watched folder, else in the project, else the innermost.
    """
    summary = " ".join(str(exc).split()) if str(exc) else ""
    if isinstance(exc, SyntaxError):
        summary = exc.msg or "invalid syntax"
        location = f"{relative_to(exc.filename or '?', root)}:{exc.lineno or '?'}"
    else:
        frames = traceback.extract_tb(exc.__traceback__)
        project = [f for f in frames if is_project_file(f.filename, root)]
        watched = [f for f in project if relative_to(f.filename, root).startswith(WATCHED_FOLDERS)]
        candidates = watched or project or frames
        if candidates:
            chosen = candidates[-1]
            location = f"{relative_to(chosen.filename, root)}:{chosen.lineno}"
        else:
            location = "?"
    if len(summary) > 240:
        summary = summary[:239] + "…"
    text = f"{type(exc).__name__}: {summary}" if summary else type(exc).__name__
    return f"{text} ({location})"


def is_project_file(filename: str, root: Path) -> bool:
    path = Path(filename)
    if not path.is_absolute() or "site-packages" in path.parts:
        return False
    try:
        path.resolve().relative_to(root)
    except ValueError:
        return False
    return True


def rebuild(
    request: PreviewRequest,
    output_dir: Path,
    root: Path,
    keep: Collection[str],
    changed: Iterable[Path] = (),
) -> BuildStatus:
    """Re-import the project's scene modules and render the preview; never raises for a
    broken scene (the status says what broke)."""
    drop_stale_bytecode(changed)
    forget_project_modules(keep)
    started = time.perf_counter()
    try:
        result = render_preview(request, output_dir, verbosity="CRITICAL")
    except Exception as exc:
        return BuildStatus(False, f"error: {describe_error(exc, root)}; waiting for the next save")
    seconds = time.perf_counter() - started
    return BuildStatus(
        True,
        f"rebuilt {request.scene.name} in {seconds:.2f} s -> {result.path}",
        result.path,
        seconds,
    )


def timestamped(status: BuildStatus) -> str:
    return f"[{datetime.now():%H:%M:%S}] {status.message}"


class ChangeQueue(FileSystemEventHandler):
    """A watchdog event handler that queues every relevant changed path."""

    def __init__(self, events: queue.Queue[Path]) -> None:
        super().__init__()
        self.events = events

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.is_directory or event.event_type in IGNORED_EVENTS:
            return
        for raw in (event.src_path, event.dest_path):
            if raw:
                path = Path(raw.decode() if isinstance(raw, bytes) else raw)
                if is_relevant(path):
                    self.events.put(path)


def watch(
    request: PreviewRequest,
    output_dir: Path,
    report: Callable[[BuildStatus], None],
    *,
    announce: Callable[[str], None] = print,
    serve_port: int | None = None,
    on_first_success: Callable[[Path], None] | None = None,
) -> None:
    """Render now, then again after every save, until Ctrl-C (which returns normally).

    SIGTERM follows the CLI's one policy (:mod:`lowrank_anim.core.termination`): it
    unwinds through the clean-up below and the command exits with status 143.
    """
    from watchdog.observers import Observer

    from lowrank_anim.authoring.preview_server import PreviewServer

    root = project_root()
    # What is imported now is the CLI itself; everything else the scene pulls in is reloadable.
    keep = frozenset(name for name in sys.modules if name.partition(".")[0] == "lowrank_anim")
    events: queue.Queue[Path] = queue.Queue()
    observer = Observer()
    folders = watched_dirs(root)
    for folder in folders:
        observer.schedule(ChangeQueue(events), str(folder), recursive=True)
    server = PreviewServer(serve_port, request.scene.name) if serve_port is not None else None
    opened = False
    try:
        observer.start()
        names = ", ".join(f"{relative_to(f, root)}/" for f in folders) or "(nothing: no scenes/)"
        announce(f"watching {names} for {request.scene.name}; Ctrl-C stops")
        if server is not None:
            announce(f"live preview at {server.url} (this machine only)")
        changed: set[Path] = set()
        while True:
            status = rebuild(request, output_dir, root, keep, changed)
            report(status)
            if server is not None:
                server.update(status)
            if status.ok and status.path is not None and not opened and on_first_success:
                on_first_success(status.path)
                opened = True
            changed = collect_changes(events)
    except KeyboardInterrupt:
        announce("stopped watching")
    finally:
        observer.stop()
        if server is not None:
            server.close()
        observer.join(timeout=5)
