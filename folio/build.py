"""A whole build: load and validate the book, render every requested output in memory, then write them.

Nothing is written until every output has rendered, and each file is replaced atomically, so a failed
or interrupted build leaves the previous outputs as they were.
"""

from __future__ import annotations

import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from .model import Book
    from .worker import PdfWorker

FORMATS = ("pdf", "epub", "html")


@dataclass(frozen=True)
class Output:
    format: str
    path: Path
    size: int
    seconds: float
    detail: str  # e.g. "12 pages"
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class BuildResult:
    book: Book
    outputs: list[Output]

    @property
    def warnings(self) -> list[str]:
        return [str(w) for w in self.book.warnings] + [w for o in self.outputs for w in o.warnings]


def build(book_dir: Path, formats: tuple[str, ...] = FORMATS, out_dir: Path | None = None,
          use_cache: bool = True, progress: Callable[[str], None] = lambda step: None,
          parallel: bool = False, worker: PdfWorker | None = None) -> BuildResult:
    """Build `formats` of the book in `book_dir`.

    With `parallel`, the PDF is laid out in a second process (folio.worker), started at once, while
    this one makes the EPUB and the web page; `worker` is such a process kept by the caller (watch
    reuses one for every rebuild), started already, and left running.
    """
    needs_layout = "pdf" in formats or "epub" in formats
    own_worker = None
    if worker is None and parallel and needs_layout:
        from .worker import PdfWorker

        worker = own_worker = PdfWorker()
    try:
        from .load import load_book  # after the PDF process has started: this import is not small

        progress("reading the book")
        book = load_book(book_dir, use_cache=use_cache)
        return _render_all(book, formats, out_dir or book.root / "dist", progress, worker if needs_layout else None)
    finally:
        if own_worker is not None:
            own_worker.close()


def _render_all(book: Book, formats: tuple[str, ...], out_dir: Path, progress: Callable[[str], None],
                worker: PdfWorker | None) -> BuildResult:
    from .config import build_date
    from .epub import COVER_WIDTH_PX
    from .pdf import print_job

    slug = book.config.slug
    rendered: list[tuple[Output, bytes]] = []
    start = time.perf_counter()
    in_process = None
    if worker is not None:
        worker.submit(print_job(book), cover_page="epub" in formats)
    elif "pdf" in formats or "epub" in formats:
        # The EPUB needs the layout too: its cover is the PDF's and its page markers are the PDF's pages.
        from .pdf import render_pdf

        progress(f"laying out {_count(len(book.chapters), 'chapter')}")
        in_process = render_pdf(print_job(book))

    if "html" in formats:
        from .html import render_web_html

        progress("writing the web page")
        html_start = time.perf_counter()
        data = render_web_html(book).encode("utf-8")
        rendered.append((Output("html", out_dir / f"{slug}.html", len(data), time.perf_counter() - html_start,
                                "single page"), data))
    if "epub" in formats:
        from .epub import render_epub
        from .pdf import rasterize_first_page

        if worker is not None:
            progress(f"laying out {_count(len(book.chapters), 'chapter')}")
            starts, cover_page = worker.layout(), worker.cover_page
        else:
            starts, cover_page = in_process.page_starts, lambda: in_process.data
        progress("packing the EPUB")
        epub_start = time.perf_counter()
        data = render_epub(book, lambda: rasterize_first_page(cover_page(), COVER_WIDTH_PX),
                           build_date(book.config), starts)
        rendered.append((Output("epub", out_dir / f"{slug}.epub", len(data), time.perf_counter() - epub_start,
                                f"{_count(len(book.chapters), 'chapter')}, {_count(len(book.figures), 'figure')}"), data))
    if "pdf" in formats:
        if worker is not None:
            progress("drawing the PDF")
        pdf = worker.pdf() if worker is not None else in_process
        rendered.append((Output("pdf", out_dir / f"{slug}.pdf", len(pdf.data), time.perf_counter() - start,
                                _count(pdf.page_count, "page"), tuple(pdf.warnings)), pdf.data))

    rendered.sort(key=lambda pair: FORMATS.index(pair[0].format))
    progress("writing the outputs")
    out_dir.mkdir(parents=True, exist_ok=True)
    write_all_or_nothing({output.path: data for output, data in rendered})
    return BuildResult(book, [output for output, _ in rendered])


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def remove_stale_parts(path: Path) -> None:
    """Temporary files a killed build (SIGKILL cannot be caught) left beside `path`."""
    for stale in path.parent.glob(f".{path.name}.*.part"):
        stale.unlink(missing_ok=True)


def write_all_or_nothing(files: dict[Path, bytes]) -> None:
    """Stage every file beside its target, then rename them all over their targets.

    Until every file is staged, no target changes: an error or interrupt removes the staged files and
    leaves the previous outputs byte-identical. Each rename is atomic, so a reader never sees half a file.
    """
    staged: dict[Path, str] = {}
    try:
        for path, data in files.items():
            remove_stale_parts(path)
            staged[path] = _stage(path, data)
        for path, tmp in staged.items():
            os.replace(tmp, path)
    finally:
        for tmp in staged.values():
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass


def _stage(path: Path, data: bytes) -> str:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; outputs are for sharing
    except BaseException:
        os.unlink(tmp)
        raise
    return tmp
