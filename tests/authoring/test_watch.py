"""Watch mode: the pieces (event filter, debounce, module reload, one-line errors) and the real
thing — ``render.py preview --watch`` in a subprocess on a temporary copy of the project."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import ModuleType

import pytest

from lowrank_anim.authoring.preview_server import BuildStatus
from lowrank_anim.authoring.watch import (
    collect_changes,
    describe_error,
    drop_stale_bytecode,
    forget_project_modules,
    is_relevant,
    timestamped,
)
from lowrank_anim.core.termination import SIGTERM_EXIT_CODE
from lowrank_anim.paths import copy_project
from tests.conftest import ROOT


@pytest.mark.parametrize(
    ("path", "relevant"),
    [
        ("scenes/rank_one.py", True),
        ("assets/params.toml", True),
        ("scenes/__pycache__/rank_one.cpython-311.pyc", False),
        ("scenes/.rank_one.py.swp", False),
        ("scenes/rank_one.py~", False),
        ("scenes/.#rank_one.py", False),
        ("scenes/4913", False),
    ],
)
def test_only_real_edits_count(path: str, relevant: bool) -> None:
    assert is_relevant(Path(path)) is relevant


class FakeClock:
    """A clock that moves only when the queue is asked to wait, so debounce logic is tested
    without sleeping."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_of_saves_is_one_rebuild() -> None:
    events: queue.Queue[Path] = queue.Queue()
    for name in ("a.py", "b.py", "a.py"):
        events.put(Path(name))
    assert collect_changes(events, quiet=0.01, clock=FakeClock()) == {Path("a.py"), Path("b.py")}
    assert events.empty()


def test_a_never_ending_burst_still_rebuilds() -> None:
    class Endless(queue.Queue[Path]):
        def __init__(self, clock: FakeClock) -> None:
            super().__init__()
            self.clock = clock
            self.count = 0

        def get(self, block: bool = True, timeout: float | None = None) -> Path:
            self.clock.now += 0.05
            self.count += 1
            return Path(f"f{self.count}.py")

    clock = FakeClock()
    events = Endless(clock)
    changed = collect_changes(events, quiet=0.1, max_wait=1.0, clock=clock)
    assert 15 <= len(changed) <= 25, "stopped gathering after max_wait"


def test_forget_drops_scenes_and_reloadable_library_modules_only() -> None:
    table = {
        name: ModuleType(name)
        for name in (
            "scenes",
            "scenes.base",
            "scenes.rank_one",
            "lowrank_anim",
            "lowrank_anim.authoring.watch",
            "lowrank_anim.maths.model",
            "manim",
            "scenes_other",
        )
    }
    keep = {"lowrank_anim", "lowrank_anim.authoring.watch"}
    dropped = forget_project_modules(keep, table)
    assert sorted(dropped) == [
        "lowrank_anim.maths.model",
        "scenes",
        "scenes.base",
        "scenes.rank_one",
    ]
    assert sorted(table) == [
        "lowrank_anim",
        "lowrank_anim.authoring.watch",
        "manim",
        "scenes_other",
    ]


def test_changed_sources_lose_their_bytecode(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text("x = 1\n")
    import importlib.util
    import py_compile

    py_compile.compile(str(source))
    cached = Path(importlib.util.cache_from_source(str(source)))
    assert cached.exists()
    drop_stale_bytecode([source, tmp_path / "data.toml"])
    assert not cached.exists()


def raise_from(code: str, filename: Path) -> BaseException:
    try:
        exec(compile(code, str(filename), "exec"), {})
    except Exception as exc:
        return exc
    raise AssertionError("no exception")


def test_syntax_error_is_one_line_with_file_and_line(tmp_path: Path) -> None:
    scene = tmp_path / "scenes" / "rank_one.py"
    exc = raise_from("x = 1\ndef broken(:\n", scene)
    line = describe_error(exc, tmp_path)
    assert line.startswith("SyntaxError: ")
    assert line.endswith("(scenes/rank_one.py:2)")
    assert "\n" not in line


def test_runtime_error_points_at_the_scene_line(tmp_path: Path) -> None:
    scene = tmp_path / "scenes" / "rank_one.py"
    exc = raise_from("a = 1\nb = 2\nc = a / (b - 2)\n", scene)
    assert describe_error(exc, tmp_path) == (
        "ZeroDivisionError: division by zero (scenes/rank_one.py:3)"
    )


def test_multiline_messages_become_one_line(tmp_path: Path) -> None:
    exc = ValueError("latex error converting to dvi.\nSee the log\n  above")
    assert describe_error(exc, tmp_path) == (
        "ValueError: latex error converting to dvi. See the log above (?)"
    )


def test_status_line_has_a_time() -> None:
    line = timestamped(BuildStatus(True, "rebuilt X in 0.50 s -> x.png"))
    assert line.endswith("] rebuilt X in 0.50 s -> x.png")
    assert line.startswith("[")


# The real thing ----------------------------------------------------------------------------


class Watcher:
    """``render.py preview --watch`` running in a copy of the project, its output in queues."""

    def __init__(self, project: Path, media: Path) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "render.py", "preview", "RankOneUpdate", "--watch", "-o", str(media)],
            cwd=project,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        self.out: queue.Queue[str] = queue.Queue()
        self.err: queue.Queue[str] = queue.Queue()
        self.stderr_lines: list[str] = []
        assert self.proc.stdout is not None
        assert self.proc.stderr is not None
        for stream, target in ((self.proc.stdout, self.out), (self.proc.stderr, self.err)):
            threading.Thread(target=self.pump, args=(stream, target), daemon=True).start()

    def pump(self, stream: object, target: queue.Queue[str]) -> None:
        for line in stream:  # type: ignore[attr-defined]
            target.put(line.rstrip("\n"))

    def next_line(self, stream: queue.Queue[str], contains: str, timeout: float = 180) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = stream.get(timeout=0.5)
            except queue.Empty:
                assert self.proc.poll() is None, f"watch exited with {self.proc.returncode}"
                continue
            if stream is self.err:
                self.stderr_lines.append(line)
            if contains in line:
                return line
        raise AssertionError(f"no line with {contains!r} within {timeout} s")

    def rebuilt(self) -> Path:
        line = self.next_line(self.out, "rebuilt RankOneUpdate in ")
        return Path(line.rsplit(" -> ", 1)[1])


def save(path: Path, text: str) -> None:
    """Save like an editor does, with a fresh mtime even within the same second."""
    path.write_text(text, encoding="utf-8")
    now = time.time()
    os.utime(path, (now, now))


@pytest.mark.render
def test_watch_rebuilds_on_save_survives_errors_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "project")
    scene_file = project / "scenes" / "rank_one.py"
    original = scene_file.read_text(encoding="utf-8")
    watcher = Watcher(project, tmp_path / "media")
    try:
        first = watcher.rebuilt()
        assert first == tmp_path / "media" / "RankOneUpdate" / "preview" / "RankOneUpdate.png"
        before = first.read_bytes()

        # An edit that changes the picture: a dot at the end of the story.
        edited = original.replace(
            "        scene.wait(2)\n",
            "        scene.wait(2)\n        scene.add(Dot(scene.c2p((2, -2)), radius=0.3))\n",
        )
        assert edited != original
        save(scene_file, edited)
        assert watcher.rebuilt() == first
        after_edit = first.read_bytes()
        assert after_edit != before, "the new PNG shows the edit"

        # A syntax error: one line naming the file and line, and the process keeps running.
        save(scene_file, edited + "\ndef broken(:\n")
        line = watcher.next_line(watcher.err, "error: ")
        assert "SyntaxError" in line
        assert "scenes/rank_one.py:" in line
        assert line.endswith("waiting for the next save")
        assert watcher.proc.poll() is None

        # Fixed again: a new PNG.
        stat = first.stat()
        save(scene_file, edited)
        assert watcher.rebuilt() == first
        assert first.stat().st_ino != stat.st_ino or first.stat().st_mtime_ns > stat.st_mtime_ns

        # Ctrl-C: a clean exit, no traceback.
        watcher.proc.send_signal(signal.SIGINT)
        code = watcher.proc.wait(timeout=60)
        assert code in (0, 130)
        time.sleep(0.2)
        while not watcher.err.empty():
            watcher.stderr_lines.append(watcher.err.get())
        assert not any("Traceback" in line for line in watcher.stderr_lines), watcher.stderr_lines
        assert watcher.stderr_lines[-1] == "stopped watching"
    finally:
        if watcher.proc.poll() is None:
            watcher.proc.kill()
            watcher.proc.wait()
    assert not [p for p in first.parent.iterdir() if p.name.startswith(".render-")]


@pytest.mark.render
def test_sigterm_stops_watch_with_the_cli_exit_status_143(tmp_path: Path) -> None:
    """One SIGTERM policy: watch unwinds and exits 143 with the one-line message, as render."""
    watcher = Watcher(ROOT, tmp_path / "media")
    try:
        png = watcher.rebuilt()
        watcher.proc.send_signal(signal.SIGTERM)
        assert watcher.proc.wait(timeout=60) == SIGTERM_EXIT_CODE == 143
        time.sleep(0.2)
        while not watcher.err.empty():
            watcher.stderr_lines.append(watcher.err.get())
        assert not any("Traceback" in line for line in watcher.stderr_lines)
        assert watcher.stderr_lines[-1] == (
            "Error: terminated (SIGTERM); no file was left half-written"
        )
    finally:
        if watcher.proc.poll() is None:
            watcher.proc.kill()
            watcher.proc.wait()
    assert png.is_file()
    assert not [p for p in png.parent.iterdir() if p.name.startswith(".render-")]


def test_live_page_serves_only_its_three_routes_on_localhost(tmp_path: Path) -> None:
    import json
    import urllib.error
    import urllib.request

    from lowrank_anim.authoring.preview_server import PreviewServer

    png = tmp_path / "p.png"
    png.write_bytes(b"\x89PNG fake")
    server = PreviewServer(0, "<Scene>")
    try:
        assert server.url.startswith("http://127.0.0.1:")
        assert server.httpd.server_address[0] == "127.0.0.1"

        def get(path: str) -> tuple[int, bytes]:
            try:
                with urllib.request.urlopen(server.url + path.lstrip("/"), timeout=10) as reply:
                    return reply.status, reply.read()
            except urllib.error.HTTPError as err:
                return err.code, b""

        code, page = get("/")
        assert code == 200
        assert b"&lt;Scene&gt;" in page
        assert b"<Scene>" not in page
        assert get("/preview.png")[0] == 404, "nothing to show before the first render"
        server.update(BuildStatus(True, "rebuilt", png))
        assert get("/preview.png?v=1") == (200, b"\x89PNG fake")
        server.update(BuildStatus(False, "error: SyntaxError (scenes/x.py:1)"))
        status = json.loads(get("/status")[1])
        assert status == {
            "version": 2,
            "ok": False,
            "message": "error: SyntaxError (scenes/x.py:1)",
            "has_image": True,
        }
        for other in ("/p.png", "/../p.png", "/etc/passwd", "/index.html"):
            assert get(other)[0] == 404
    finally:
        server.close()
