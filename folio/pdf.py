"""The PDF, laid out by WeasyPrint from the print HTML. WeasyPrint is imported only here."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

from .errors import BookError, Problem
from .html import PRINT_STYLESHEETS, render_print_html, theme_css
from .model import Book
from .resources import ResourceRefused, Resources


@dataclass
class RenderedPdf:
    data: bytes
    page_count: int
    warnings: list[str] = field(default_factory=list)


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def render_pdf(book: Book, html: str | None = None) -> RenderedPdf:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    resources = book.resources or Resources([book.root, book.theme_dir])

    class Refused(FatalURLFetchingError):
        """Fatal, so WeasyPrint stops instead of logging and leaving the picture out."""

    class BookFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            try:
                data, media_type = resources.read(url)
            except ResourceRefused as exc:
                raise Refused(str(exc)) from None
            return URLFetcherResponse(url, data, {"Content-Type": media_type})

    fetcher = BookFetcher()
    html = html if html is not None else render_print_html(book)
    capture = _Capture()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(capture)
    try:
        font_config = FontConfiguration()
        stylesheet = weasyprint.CSS(
            string=theme_css(book, PRINT_STYLESHEETS),
            base_url=(book.theme_dir / "css" / "print.css").as_uri(),
            url_fetcher=fetcher, font_config=font_config)
        document = weasyprint.HTML(string=html, base_url=book.root.as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=[stylesheet], font_config=font_config)
        data = document.write_pdf()
    except Refused as exc:
        raise BookError([Problem(book.root, f"the layout asked for {exc}")]) from None
    finally:
        logger.removeHandler(capture)
    return RenderedPdf(data=data, page_count=len(document.pages), warnings=capture.messages)


def render_cover_pdf(book: Book) -> bytes:
    """Just the cover page, for the EPUB's cover image when no PDF is being built."""
    from .html import metadata, render_template, template_env

    env = template_env(book.theme_dir)
    html = render_template(env, "cover-only.html.j2", meta=metadata(book), theme=book.config.theme)
    return render_pdf(book, html).data


def rasterize_first_page(pdf: bytes, width_px: int) -> bytes:
    """Page 1 as a JPEG `width_px` wide: the EPUB cover is a picture of the PDF cover."""
    import io

    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    try:
        page = document[0]
        scale = width_px / page.get_width()
        image = page.render(scale=scale).to_pil().convert("RGB")
    finally:
        document.close()
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88, optimize=True, progressive=False)
    return out.getvalue()


