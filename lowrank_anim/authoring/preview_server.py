"""The live preview page of watch mode (``preview --watch --serve PORT``).

A tiny HTTP server on 127.0.0.1 only (nothing on the network can reach it) with three routes:
``/`` a page, ``/preview.png`` the latest PNG, ``/status`` a JSON version counter.  The page
polls ``/status`` and swaps the image when the version changes, so it refreshes itself on
every rebuild and shows the error line when a rebuild fails.  It serves nothing else: no
directory listing, no other files.  The page is a package template
(``templates/live_preview.html.j2``) rendered with Jinja2, every value escaped.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lowrank_anim.core.pages import page_templates
from lowrank_anim.maths.palette import DEFAULT_THEME, THEMES

if TYPE_CHECKING:
    from jinja2 import Environment


@dataclass(frozen=True)
class BuildStatus:
    """The outcome of one rebuild, as printed and as served to the live page."""

    ok: bool
    message: str
    """The one status line (without the timestamp)."""
    path: Path | None = None
    seconds: float = 0.0


LOCALHOST = "127.0.0.1"

#: The status line before the first rebuild, on the page and in ``/status``.
WAITING = "waiting for the first render…"


def templates() -> Environment:
    """The live page's templates (:func:`lowrank_anim.core.pages.page_templates`)."""
    return page_templates("lowrank_anim.authoring")


def live_page(title: str) -> str:
    """The live page for a scene called ``title``, in the default theme's colours."""
    page = templates().get_template("live_preview.html.j2")
    return page.render(title=title, theme=THEMES[DEFAULT_THEME], waiting=WAITING)


class PreviewServer:
    """Serve the live page on ``127.0.0.1:port`` (0 picks a free port) from a daemon thread."""

    def __init__(self, port: int, title: str) -> None:
        self._lock = threading.Lock()
        self._version = 0
        self._ok = True
        self._message = WAITING
        self._png: Path | None = None
        page = live_page(title).encode("utf-8")
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = self.path.split("?", 1)[0]
                if route == "/":
                    self.reply(page, "text/html; charset=utf-8")
                elif route == "/status":
                    self.reply(json.dumps(server.snapshot()).encode(), "application/json")
                elif route == "/preview.png" and (data := server.png_bytes()) is not None:
                    self.reply(data, "image/png")
                else:
                    self.send_error(HTTPStatus.NOT_FOUND)

            def reply(self, body: bytes, content_type: str) -> None:
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # the terminal belongs to the status lines

        self.httpd = ThreadingHTTPServer((LOCALHOST, port), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.httpd.server_address[1]}/"

    def update(self, status: BuildStatus) -> None:
        with self._lock:
            self._version += 1
            self._ok = status.ok
            self._message = status.message
            if status.path is not None:
                self._png = status.path

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                "version": self._version,
                "ok": self._ok,
                "message": self._message,
                "has_image": self._png is not None,
            }

    def png_bytes(self) -> bytes | None:
        with self._lock:
            png = self._png
        try:
            return png.read_bytes() if png is not None else None
        except OSError:
            return None

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
