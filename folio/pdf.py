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
        data = document.write_pdf(pdf_variant=book.config.pdf_variant)
    except Refused as exc:
        raise BookError([Problem(book.root, f"the layout asked for {exc}")]) from None
    finally:
        logger.removeHandler(capture)
        logger.removeFilter(decorative)
    if "pdf/ua" in book.config.pdf_variant or book.config.pdf_variant.endswith("a"):
        data = mark_untagged_content_as_artifacts(data)
    return RenderedPdf(data=data, page_count=len(document.pages), page_starts=page_starts(document),
                       warnings=capture.messages)


def mark_untagged_content_as_artifacts(data: bytes) -> bytes:
    """Turn marked content that is outside the structure tree into /Artifact.

    WeasyPrint wraps running heads and page numbers (margin boxes) and images without alt text in
    marked content that no structure element owns. PDF/UA requires such content to be an artifact,
    so that assistive technology skips it; this rewrites those sequences and clears their entries in
    the parent tree. Decorative images reach here because they have empty alt text.
    """
    import io

    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        tree = pdf.Root.get("/StructTreeRoot")
        if tree is None:
            return data
        kept = _reachable(tree)
        decorative = {e.objgen for e in _struct_elements(tree) if e.get("/S") == "/Figure" and "/Alt" not in e}
        kept -= decorative
        _detach(tree, decorative)
        nums = tree.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for page in pdf.pages:
            if "/StructParents" not in page:
                continue
            owners = parents.get(int(page.StructParents))
            if not isinstance(owners, pikepdf.Array):
                continue
            orphans = {mcid for mcid, owner in enumerate(owners)
                       if isinstance(owner, pikepdf.Dictionary) and owner.objgen not in kept}
            if not orphans:
                continue
            instructions = []
            for operands, operator in pikepdf.parse_content_stream(page):
                if (str(operator) == "BDC" and len(operands) == 2 and isinstance(operands[1], pikepdf.Dictionary)
                        and int(operands[1].get("/MCID", -1)) in orphans):
                    operands, operator = [pikepdf.Name.Artifact], pikepdf.Operator("BMC")
                instructions.append((operands, operator))
            page.Contents = pdf.make_stream(pikepdf.unparse_content_stream(instructions))
            for mcid in orphans:
                owners[mcid] = None
        out = io.BytesIO()
        # deterministic_id: the same PDF in gives the same bytes out.
        pdf.save(out, deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def _struct_elements(node, seen=None):
    import pikepdf

    seen = set() if seen is None else seen
    kids = node.get("/K")
    for kid in (kids if isinstance(kids, pikepdf.Array) else [kids]):
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid and kid.objgen not in seen:
            seen.add(kid.objgen)
            yield kid
            yield from _struct_elements(kid, seen)


def _reachable(tree) -> set:
    return {e.objgen for e in _struct_elements(tree)}


def _detach(tree, objgens: set) -> None:
    import pikepdf

    for element in [tree, *_struct_elements(tree)]:
        kids = element.get("/K")
        if isinstance(kids, pikepdf.Array):
            keep = [k for k in kids if not (isinstance(k, pikepdf.Dictionary) and k.objgen in objgens)]
            if len(keep) != len(kids):
                element.K = pikepdf.Array(keep)


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


