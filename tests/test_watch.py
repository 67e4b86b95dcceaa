"""`render.py watch`: serves the preview, reloads it after a rebuild, shows problems, keeps the last good page."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .conftest import ROOT, write_book


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            get(url)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def next_event(stream) -> tuple[str, object]:
    event = data = None
    for raw in stream:
        line = raw.decode().rstrip("\n")
        if line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data = json.loads(line[6:])
        elif not line and event:
            return event, data
    raise AssertionError("the event stream ended")


def test_watch_serves_rebuilds_and_reports(tmp_path: Path):
    book = write_book(tmp_path, {"01-one.md": "# One\n\nFirst words.\n"})
    port = free_port()
    process = subprocess.Popen([sys.executable, str(ROOT / "render.py"), "watch", "--book", str(book), "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/")
        page = get(base + "/").decode()
        assert "First words." in page and 'new EventSource("/events")' in page
        assert "EventSource" not in (book / "dist" / "small.html").read_text(), "the script is for the preview only"
        assert get(base + "/book.pdf").startswith(b"%PDF-")
        with urllib.request.urlopen(base + "/events", timeout=60) as stream:
            time.sleep(0.5)
            (book / "chapters" / "01-one.md").write_text("# One\n\nSecond words.\n")
            assert next_event(stream) == ("reload", {})
            assert "Second words." in get(base + "/").decode()
            (book / "chapters" / "01-one.md").write_text("# One\n\n![x](../missing.png)\n")
            event, problems = next_event(stream)
        assert event == "problems"
        assert problems == ["chapters/01-one.md:3: image '../missing.png' not found"] or \
            any("image '../missing.png' not found" in p for p in problems)
        assert "Second words." in get(base + "/").decode(), "the last good page is still served"
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err.decode()
