"""The one gate through which every output reads files: only the book folder, the theme and data: URIs."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

from .errors import Problem


class ResourceRefused(Exception):
    pass


class Resources:
    """Resolves references made by the book's HTML and CSS, refusing anything outside `roots`.

    Refusals are remembered in `problems` too, because WeasyPrint catches a fetcher's exceptions and
    only logs them: the build reads `problems` afterwards and fails instead of dropping a picture.
    """

    def __init__(self, roots: list[Path]):
        self.roots = [r.resolve() for r in roots]
        self.problems: list[Problem] = []

    def local_path(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise ResourceRefused(f"'{url}' is not a file in the book folder (remote resources are not fetched)")
        path = Path(url2pathname(unquote(parts.path))).resolve()
        if not any(path.is_relative_to(root) for root in self.roots):
            raise ResourceRefused(f"'{path}' is outside the book folder")
        if not path.is_file():
            raise ResourceRefused(f"'{path}' not found")
        return path

    def read(self, url: str) -> tuple[bytes, str]:
        """The bytes and media type behind a URL, or ResourceRefused."""
        if url.startswith("data:"):
            from urllib.request import urlopen

            with urlopen(url) as response:  # data: URLs are decoded locally, nothing is fetched
                return response.read(), response.headers.get_content_type()
        path = self.local_path(url)
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return path.read_bytes(), media_type

    def refuse(self, source: Path, message: str) -> None:
        self.problems.append(Problem(source, message))
