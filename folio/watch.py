"""`render.py watch`: rebuild on every change with the libraries kept warm, and serve a live preview.

The web page and the newest PDF are served on 127.0.0.1 only. Each page view opens a Server-Sent
Events stream; after a successful rebuild the browser reloads, after a failed one it shows the
problems over the last good page, which stays served (a failed build never touches dist/).
"""

from __future__ import annotations

import json
import queue
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

RELOAD_SCRIPT = """<script>
(() => {
  const events = new EventSource("/events");
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("problems", (e) => {
    let box = document.getElementById("folio-problems");
    if (!box) {
      box = document.createElement("pre");
      box.id = "folio-problems";
      box.style.cssText = "position:fixed;left:0;right:0;bottom:0;margin:0;padding:1em;max-height:40vh;" +
        "overflow:auto;background:#3a0d12;color:#fff;font:14px/1.4 monospace;z-index:99999";
      document.body.appendChild(box);
    }
    box.textContent = JSON.parse(e.data).join("\\n");
  });
})();
</script>"""


class Preview:
    """The preview server's state: where the outputs are, and who is listening for changes."""

    def __init__(self, out_dir: Path, slug: Callable[[], str]):
        self.out_dir = out_dir
        self.slug = slug
        self.listeners: list[queue.Queue] = []
        self.lock = threading.Lock()

    def publish(self, event: str, data: object) -> None:
        with self.lock:
            for listener in self.listeners:
                listener.put((event, json.dumps(data)))

    def handler(self) -> type[BaseHTTPRequestHandler]:
        preview = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                path = self.path.split("?", 1)[0]
                if path == "/events":
                    return self.events()
                if path in ("/", "/index.html"):
                    return self.page()
                if path in ("/book.pdf", f"/{preview.slug()}.pdf"):
                    return self.file(preview.out_dir / f"{preview.slug()}.pdf", "application/pdf")
                if path in ("/book.epub", f"/{preview.slug()}.epub"):
                    return self.file(preview.out_dir / f"{preview.slug()}.epub", "application/epub+zip")
                self.send_error(HTTPStatus.NOT_FOUND)

            def page(self):
                target = preview.out_dir / f"{preview.slug()}.html"
                if not target.is_file():
                    body = "<!DOCTYPE html><title>folio</title><p>No web page built yet.</p>" + RELOAD_SCRIPT
                else:
                    body = target.read_text(encoding="utf-8").replace("</body>", RELOAD_SCRIPT + "</body>", 1)
                self.reply(body.encode("utf-8"), "text/html; charset=utf-8")

            def file(self, path: Path, media_type: str):
                if not path.is_file():
                    return self.send_error(HTTPStatus.NOT_FOUND, f"{path.name} is not built yet")
                self.reply(path.read_bytes(), media_type)

            def reply(self, data: bytes, media_type: str):
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", media_type)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(data)

            def events(self):
                listener: queue.Queue = queue.Queue()
                with preview.lock:
                    preview.listeners.append(listener)
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                try:
                    while True:
                        try:
                            event, data = listener.get(timeout=15)
                            self.wfile.write(f"event: {event}\ndata: {data}\n\n".encode())
                        except queue.Empty:
                            self.wfile.write(b": keep-alive\n\n")
                        self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with preview.lock:
                        preview.listeners.remove(listener)

            def log_message(self, format, *args):  # noqa: A002 - quiet: the terminal shows builds
                pass

        return Handler


def serve(preview: Preview, port: int) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), preview.handler())
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="preview", daemon=True).start()
    return server


def watch(book_dir: Path, out_dir: Path, port: int, rebuild: Callable[[], list[str] | None],
          slug: Callable[[], str], say: Callable[[str], None], stop_event: threading.Event | None = None) -> None:
    """Serve, then rebuild on every change under the book and its theme until interrupted.

    `rebuild` returns None on success or the list of problems to show; `slug` names the outputs.
    """
    from watchfiles import DefaultFilter, watch as watch_changes

    from .cache import CACHE_DIR, theme_dir

    preview = Preview(out_dir, slug)
    server = serve(preview, port)
    say(f"serving http://127.0.0.1:{server.server_address[1]}/ (web page) and /book.pdf; Ctrl-C stops")
    ignored = {out_dir.resolve(), (book_dir / CACHE_DIR).resolve()}

    class BookFilter(DefaultFilter):
        def __call__(self, change, path: str) -> bool:
            resolved = Path(path).resolve()
            return super().__call__(change, path) and not any(resolved.is_relative_to(i) for i in ignored)

    roots = {str(book_dir.resolve()), str(theme_dir(book_dir.resolve()))}
    try:
        for changes in watch_changes(*sorted(roots), watch_filter=BookFilter(), stop_event=stop_event,
                                     debounce=200, raise_interrupt=False):
            names = sorted({Path(p).name for _, p in changes})
            say(f"changed: {', '.join(names[:5])}{' …' if len(names) > 5 else ''}")
            problems = rebuild()
            if problems:
                preview.publish("problems", problems)
            else:
                preview.publish("reload", {})
    finally:
        server.shutdown()
        server.server_close()
