"""The PDF, laid out by WeasyPrint from the print HTML. WeasyPrint is imported only here."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from .errors import BookError, Problem
from .html import PRINT_STYLESHEETS, render_print_html, theme_css
from .model import Book
from .pages import PageStart, page_starts
from .resources import ResourceRefused, Resources


@dataclass
class RenderedPdf:
    data: bytes
    page_count: int
    page_starts: list[PageStart]
    warnings: list[str] = field(default_factory=list)


class _DecorativeImages(logging.Filter):
    """Images marked decorative have empty alt text on purpose; they become artifacts afterwards."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().endswith("has no required alt description")


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def render_pdf(book: Book) -> RenderedPdf:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    resources = book.resources or Resources([book.root, book.theme_dir])

    class Refused(FatalURLFetchingError):
        """Fatal, so WeasyPrint stops instead of logging and leaving the picture out."""

    images = {image.path: image for image in book.images.values()}

    class BookFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            try:
                if not url.startswith("data:") and (image := images.get(resources.local_path(url))):
                    data, media_type = book.image_bytes(image, "print")
                    # Not a file: URL, or WeasyPrint would read the original file from disk
                    # instead of these processed bytes.
                    url = f"processed-image:{url}"
                else:
                    data, media_type = resources.read(url)
            except ResourceRefused as exc:
                raise Refused(str(exc)) from None
            return URLFetcherResponse(url, data, {"Content-Type": media_type})

    fetcher = BookFetcher()
    html = render_print_html(book)
    capture = _Capture()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(capture)
    decorative = _DecorativeImages()
    logger.addFilter(decorative)
    try:
        font_config = FontConfiguration()
        stylesheet = weasyprint.CSS(
            string=theme_css(book, PRINT_STYLESHEETS),
            base_url=(book.theme_dir / "css" / "print.css").as_uri(),
            url_fetcher=fetcher, font_config=font_config)
        document = weasyprint.HTML(string=html, base_url=book.root.as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=[stylesheet], font_config=font_config)
        tagged = "pdf/ua" in book.config.pdf_variant or book.config.pdf_variant.endswith("a")
        data = document.write_pdf(pdf_variant=book.config.pdf_variant,
                                  finisher=mark_untagged_content_as_artifacts if tagged else None)
    except Refused as exc:
        raise BookError([Problem(book.root, f"the layout asked for {exc}")]) from None
    finally:
        logger.removeHandler(capture)
        logger.removeFilter(decorative)
    return RenderedPdf(data=data, page_count=len(document.pages), page_starts=page_starts(document),
                       warnings=capture.messages)


def mark_untagged_content_as_artifacts(document, pdf) -> None:
    """A WeasyPrint finisher: marked content that no structure element owns becomes /Artifact.

    WeasyPrint wraps running heads and page numbers (margin boxes), and images without alt text, in
    marked content with an MCID that no element of the structure tree claims. PDF/UA requires such
    content to be an artifact, so that assistive technology skips it. Rewriting the pydyf objects
    before they are serialised costs nothing; reopening the written PDF would cost a parse and a save.
    Decorative images (empty alt text, on purpose) are detached from the tree and handled the same way.
    """
    import pydyf

    def deref(reference):
        return pdf.objects[int(reference.split()[0])]

    if "StructTreeRoot" not in pdf.catalog:
        return
    tree = deref(pdf.catalog["StructTreeRoot"])
    elements = []
    stack = [tree]
    while stack:
        node = stack.pop()
        for kid in node.get("K", ()) if isinstance(node.get("K"), list) else ():
            if isinstance(kid, bytes) and kid.endswith(b" R"):
                child = deref(kid)
                if isinstance(child, pydyf.Dictionary) and child.get("Type") == "/StructElem":
                    elements.append(child)
                    stack.append(child)
    decorative = [e for e in elements if e.get("S") == "/Figure" and "Alt" not in e]
    for element in decorative:
        parent = deref(element["P"])
        parent["K"] = pydyf.Array(k for k in parent["K"] if k != element.reference)
    kept = {id(e) for e in elements} - {id(e) for e in decorative}

    nums = deref(tree["ParentTree"])["Nums"]
    owners_by_key = {nums[i]: nums[i + 1] for i in range(0, len(nums), 2)}
    for reference in pdf.page_references:
        page = deref(reference)
        owners = owners_by_key.get(page.get("StructParents"))
        if not isinstance(owners, list):
            continue
        orphans = {mcid for mcid, owner in enumerate(owners)
                   if isinstance(owner, bytes) and owner.endswith(b" R") and id(deref(owner)) not in kept}
        if not orphans:
            continue
        stream = deref(page["Contents"]).stream
        for index in range(len(stream) - 2):
            properties = stream[index + 1]
            if (stream[index + 2] == b"BDC" and isinstance(properties, pydyf.Dictionary)
                    and properties.get("MCID") in orphans):
                stream[index], stream[index + 1], stream[index + 2] = "/Artifact", b"", b"BMC"
        for mcid in orphans:
            owners[mcid] = b"null"


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


