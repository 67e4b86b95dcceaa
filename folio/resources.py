"""The one gate through which every output reads files: only the book folder, the theme and data: URIs."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path
from urllib.parse import unquote, urlsplit


class ResourceRefused(Exception):
    pass


class Resources:
    """Resolves references made by the book's HTML and CSS, refusing anything outside `roots`:
    symlinks are followed before the check, and only regular files and data: URLs are served."""

    def __init__(self, roots: list[Path]):
        self.roots = [r.resolve() for r in roots]

    def local_path(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ResourceRefused(f"'{url}' is not a file in the book folder (remote resources are not fetched)")
        if os.name == "nt":
            from urllib.request import url2pathname  # not imported elsewhere: it costs 25 ms

            path = Path(url2pathname(parts.path)).resolve()
        else:
            path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ResourceRefused(f"'{path}' is outside the book folder")
        if not path.is_file():
            raise ResourceRefused(f"'{path}' not found")
        return path

    def read_file(self, path: Path) -> bytes:
        """A file's bytes, if it is a regular file inside one of the roots (symlinks resolved)."""
        return self.local_path(path.resolve().as_uri()).read_bytes()

    def read(self, url: str) -> tuple[bytes, str]:
        """The bytes and media type behind a URL, or ResourceRefused."""
        if url.startswith("data:"):
            from urllib.request import urlopen

            with urlopen(url) as response:  # data: URLs are decoded locally, nothing is fetched
                return response.read(), response.headers.get_content_type()
        path = self.local_path(url)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return path.read_bytes(), media_type
