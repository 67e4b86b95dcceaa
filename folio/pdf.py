"""The PDF, laid out by WeasyPrint from the print HTML. WeasyPrint is imported only here."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .errors import BookError, Problem
from .model import Image
from .pages import PageStart, page_starts
from .resources import ResourceRefused, Resources

if TYPE_CHECKING:
    from .model import Book


PART_CHARACTERS = 250_000  # about 80 pages: some 60 MB of laid-out pages in WeasyPrint


@dataclass(frozen=True)
class PrintJob:
    """What the layout needs from a book: the print HTML and CSS, and the files they may use.

    Free of the config schema, so that the PDF process (folio.worker) starts without importing it.
    """

    html: str
    css: str
    root: Path
    theme_dir: Path
    pdf_variant: str
    resources: Resources
    images: dict[Path, Image]  # by resolved path: what the fetcher serves processed
    print_box_px: tuple[int, int]  # the largest a figure is printed, in pixels at the print resolution
    image_cache: Path | None
    # Per chapter: the id of the element holding it in `html`, its characters, its footnotes. A book
    # longer than `part_characters` is laid out in parts (folio.pdf_parts) to bound the memory used.
    chapters: tuple[tuple[str, int, int], ...] = ()
    part_characters: int = 0  # 0: one document

    def image_bytes(self, image: Image) -> tuple[bytes, str]:
        from .images import prepared

        return prepared(image, self.resources.read_file(image.path), "print", self.print_box_px, self.image_cache)


def print_job(book: Book) -> PrintJob:
    from .html import PRINT_STYLESHEETS, render_print_html, theme_css
    from .images import print_pixels

    return PrintJob(
        html=render_print_html(book), css=theme_css(book, PRINT_STYLESHEETS), root=book.root,
        theme_dir=book.theme_dir, pdf_variant=book.config.pdf_variant,
        resources=book.resources or Resources([book.root, book.theme_dir]),
        images={image.path: image for image in book.images.values()},
        print_box_px=print_pixels(*book.print_figure_box_mm), image_cache=book.image_cache,
        chapters=tuple((f"section-{c.id}", len(c.body), len(c.footnotes)) for c in book.chapters),
        part_characters=PART_CHARACTERS)


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


def import_weasyprint():
    """WeasyPrint, imported about 0.1 s faster than a plain `import weasyprint` on Linux.

    WeasyPrint opens Pango, HarfBuzz and friends by trying several names per library, most of which
    do not exist on a given platform; for each miss cffi asks ctypes.util.find_library, which runs
    `ldconfig -p` (and more) in a subprocess. Every list also holds the exact file name for each
    platform (libpango-1.0.so.0, .dylib, .dll), which the dynamic loader finds by itself, so the
    search is skipped while WeasyPrint loads; should that ever fail, the plain import runs.
    """
    import sys

    if "weasyprint" in sys.modules:
        return sys.modules["weasyprint"]
    import ctypes.util

    search = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint
    except OSError:
        for name in [m for m in sys.modules if m == "weasyprint" or m.startswith("weasyprint.")]:
            del sys.modules[name]
        ctypes.util.find_library = search
        import weasyprint
    finally:
        ctypes.util.find_library = search
    return weasyprint


def render_pdf(job: PrintJob, on_layout: Callable[[list[PageStart], Callable[[], bytes]], None] | None = None,
               ) -> RenderedPdf:
    """The PDF of a book, from its `print_job`.

    `on_layout` is called as soon as the pages are laid out, before the PDF is drawn, with the page
    starts and a function making a PDF of the first page alone, so that the EPUB (whose page markers
    and cover picture come from the layout) can be made meanwhile.
    """
    weasyprint = import_weasyprint()
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse

    resources = job.resources

    class Refused(FatalURLFetchingError):
        """Fatal, so WeasyPrint stops instead of logging and leaving the picture out."""


    class BookFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            try:
                if not url.startswith("data:") and (image := job.images.get(resources.local_path(url))):
                    data, media_type = job.image_bytes(image)
                    # Not a file: URL, or WeasyPrint would read the original file from disk
                    # instead of these processed bytes.
                    url = f"processed-image:{url}"
                else:
                    data, media_type = resources.read(url)
            except ResourceRefused as exc:
                raise Refused(str(exc)) from None
            return URLFetcherResponse(url, data, {"Content-Type": media_type})

    fetcher = BookFetcher()
    capture = _Capture()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(capture)
    decorative = _DecorativeImages()
    logger.addFilter(decorative)
    font_config = FontConfiguration()
    css_url = (job.theme_dir / "css" / "print.css").as_uri()
    tagged = "pdf/ua" in job.pdf_variant or job.pdf_variant.endswith("a")

    def lay_out(html: str, *css: str):
        stylesheets = [weasyprint.CSS(string=c, base_url=css_url, url_fetcher=fetcher, font_config=font_config)
                       for c in css]
        return weasyprint.HTML(string=html, base_url=job.root.as_uri() + "/", url_fetcher=fetcher).render(
            stylesheets=stylesheets, font_config=font_config)

    def write(document) -> bytes:
        return document.write_pdf(pdf_variant=job.pdf_variant,
                                  finisher=mark_untagged_content_as_artifacts if tagged else None)

    on_layout = on_layout or (lambda starts, first_page_pdf: None)
    try:
        sizes = [size for _, size, _ in job.chapters]
        parts = _plan_parts(job, sizes) if 0 < job.part_characters < sum(sizes) else []
        if len(parts) < 2:
            document = lay_out(job.html, job.css)
            starts = page_starts(document)
            on_layout(starts, lambda: document.copy(document.pages[:1]).write_pdf())
            data, page_count = write(document), len(document.pages)
        else:
            data, page_count, starts = _lay_out_in_parts(job, parts, lay_out, write, on_layout)
    except Refused as exc:
        raise BookError([Problem(job.root, f"the layout asked for {exc}")]) from None
    finally:
        logger.removeHandler(capture)
        logger.removeFilter(decorative)
    # A part laid out twice (the contents) would report its warnings twice.
    return RenderedPdf(data=data, page_count=page_count, page_starts=starts,
                       warnings=list(dict.fromkeys(capture.messages)))


def _plan_parts(job: PrintJob, sizes: list[int]) -> list[list[int]]:
    from . import pdf_parts

    # A theme whose print template does not mark its chapters as the default one does is laid out whole.
    if not all(f'id="{element_id}"' in job.html for element_id, _, _ in job.chapters):
        return []
    return pdf_parts.plan(sizes, job.part_characters)


def _lay_out_in_parts(job: PrintJob, parts: list[list[int]], lay_out, write, on_layout):
    """The PDF of a long book, laid out a few chapters at a time (see folio.pdf_parts)."""
    import gc

    from . import pdf_parts

    splitter = pdf_parts.Splitter(job.html, [element_id for element_id, _, _ in job.chapters])
    front_css = pdf_parts.contents_css(job.css)
    front_pages = len(lay_out(splitter.part(None, {}), front_css).pages)
    for _ in range(3):  # the contents, with their page numbers written in, may need another page
        pdfs, starts, pages = [], [], {}
        next_page, footnotes = front_pages + 1, 0
        for chapters in parts:
            document = lay_out(splitter.part(chapters), job.css, pdf_parts.continuation_css(next_page, footnotes))
            for index, page in enumerate(document.pages):
                pages.update(dict.fromkeys(page.anchors, next_page + index))
            starts += [PageStart(s.number + next_page - 1, s.block, s.offset) for s in page_starts(document)]
            pdfs.append(write(document))
            next_page += len(document.pages)
            footnotes += sum(job.chapters[i][2] for i in chapters)
            del document
            gc.collect()  # laid-out boxes hold reference cycles: free this part before the next
        front = lay_out(splitter.part(None, pages), front_css)
        if len(front.pages) == front_pages:
            break
        front_pages = len(front.pages)
    starts = page_starts(front) + starts
    on_layout(starts, lambda: front.copy(front.pages[:1]).write_pdf())
    return pdf_parts.join([write(front), *pdfs]), next_page - 1, starts


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


