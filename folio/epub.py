"""The EPUB 3: one XHTML document per chapter, assembled by ebooklib, packed reproducibly."""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import unicodedata
import zipfile
from typing import Callable

from lxml import etree

from ebooklib import epub

from .fonts import font_urls, subset_font
from .html import (
    book_characters, chapter_markup, contents_entries, metadata, render_template, template_env, theme_css,
)
from .model import Book
from .pages import PageStart, marker

EPUB_STYLESHEETS = ["fonts.css", "content.css", "epub.css"]
STYLESHEET = "styles/css/book.css"  # beside styles/fonts/, as in the theme, so font URLs need no rewriting
COVER_IMAGE = "images/cover.jpg"
COVER_WIDTH_PX = 1600


class PreparedDocument(epub.EpubHtml):
    """An XHTML document written by our templates, stored exactly as given.

    ebooklib's EpubHtml re-parses content with an HTML parser and rebuilds the head, which drops
    epub:type attributes and our stylesheet links; this keeps ebooklib for the package (OPF, NCX,
    manifest, spine) and leaves the documents alone.
    """

    def get_content(self, default=None):
        return self.content


RESERVED = {"text/cover.xhtml", "text/titlepage.xhtml", "text/nav.xhtml"}


def package_name(path: str) -> str:
    """A name every reader and EPUBCheck accept: ASCII letters, digits, '.', '_', '-' and '/'."""
    ascii_only = unicodedata.normalize("NFKD", path).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._/-]+", "-", ascii_only).strip("-") or "file"


def unique_names(names: list[str], taken: set[str] = frozenset()) -> list[str]:
    """`names`, with -2, -3... before the extension where two would be the same file."""
    seen = set(taken)
    result = []
    for name in names:
        stem, dot, suffix = name.rpartition(".") if "." in name.rsplit("/", 1)[-1] else (name, "", "")
        candidate, number = name, 1
        while candidate.lower() in seen:
            number += 1
            candidate = f"{stem}-{number}{dot}{suffix}"
        seen.add(candidate.lower())
        result.append(candidate)
    return result


def render_epub(book: Book, cover_jpeg: Callable[[], bytes], build_date: dt.datetime, page_starts: list[PageStart]) -> bytes:
    env = template_env(book.theme_dir)
    meta = metadata(book)
    config = book.config
    names = unique_names([f"text/{package_name(c.source.stem)}.xhtml" for c in book.chapters], RESERVED)
    files = {c.id: name for c, name in zip(book.chapters, names)}
    image_keys = sorted(book.images)
    image_files = dict(zip(image_keys, unique_names([package_name(k) for k in image_keys], {COVER_IMAGE})))
    id_files: dict[str, str] = {}
    for chapter in book.chapters:
        for element_id in [h.id for h in chapter.headings] + [f.id for f in chapter.figures] \
                + [n for n, _ in chapter.footnotes] + [f"{n}-ref" for n, _ in chapter.footnotes]:
            id_files[element_id] = files[chapter.id].removeprefix("text/")

    package = epub.EpubBook()
    package.set_identifier(config.identifier)
    package.set_title(config.full_title)
    package.set_language(config.language)
    for number, author in enumerate(config.authors, start=1):
        package.add_author(author, uid=f"creator{number}")
    if config.publisher:
        package.add_metadata("DC", "publisher", config.publisher)
    package.add_metadata("DC", "date", config.date.isoformat())
    if config.description:
        package.add_metadata("DC", "description", config.description)
    if config.rights:
        package.add_metadata("DC", "rights", config.rights)
    if config.source:
        package.add_metadata("DC", "source", config.source)
    for keyword in config.keywords:
        package.add_metadata("DC", "subject", keyword)
    for prop, value in accessibility_metadata(book):
        package.add_metadata(None, "meta", value, {"property": prop})

    css = theme_css(book, EPUB_STYLESHEETS)
    package.add_item(epub.EpubItem(uid="css", file_name=STYLESHEET, media_type="text/css", content=css.encode()))
    text = book_characters(book)
    css_dir = book.theme_dir / "css"
    for number, url in enumerate(font_urls(css), start=1):
        path = (css_dir / url).resolve()
        name = posixpath.normpath(posixpath.join(posixpath.dirname(STYLESHEET), url))
        media_type = "font/otf" if path.suffix == ".otf" else "font/ttf"
        package.add_item(epub.EpubItem(uid=f"font{number}", file_name=name, media_type=media_type,
                                       content=subset_font(path, text)))
    for number, key in enumerate(image_keys, start=1):
        data, media_type = book.screen_image_bytes(book.images[key])
        package.add_item(epub.EpubItem(uid=f"image{number}", file_name=image_files[key], media_type=media_type,
                                       content=data))

    def document(uid: str, file_name: str, title: str, template: str, **context) -> PreparedDocument:
        depth = file_name.count("/")
        item = PreparedDocument(uid=uid, file_name=file_name, title=title, lang=config.language)
        item.content = render_template(
            env, template, meta=meta, theme=config.theme, page_title=title,
            stylesheet="../" * depth + STYLESHEET, **context).encode("utf-8")
        package.add_item(item)
        return item

    front_pages, late_pages = _pages_outside_chapters(page_starts)
    page_files = {n: "text/cover.xhtml" for n in front_pages[:1]} | {n: "text/nav.xhtml" for n in front_pages[1:]}
    cover = document("cover", "text/cover.xhtml", "Cover", "epub-cover.xhtml.j2",
                     cover_image="../" + COVER_IMAGE, page_markers=front_pages[:1])
    titlepage = document("titlepage", "text/titlepage.xhtml", config.full_title, "epub-titlepage.xhtml.j2")
    chapters = []
    for index, chapter in enumerate(book.chapters):
        own = files[chapter.id].removeprefix("text/")
        elsewhere = {i: f for i, f in id_files.items() if f != own}
        body = chapter_markup(chapter, "epub", link_targets=elsewhere,
                              image_sources={k: "../" + v for k, v in image_files.items()},
                              chapter_index=index, page_starts=page_starts)
        placed = [int(n) for n in re.findall(r'id="page-(\d+)"', body)]
        trailing = [n for n in late_pages if placed and n > max(placed) and n not in page_files]
        body += "".join(etree.tostring(marker(n), encoding="unicode") for n in trailing)
        page_files |= {n: files[chapter.id] for n in placed + trailing}
        chapters.append(document(f"chapter-{chapter.id}", files[chapter.id], chapter.title,
                                 "epub-chapter.xhtml.j2", chapter={"id": chapter.id, "body": body}))
    toc_entries = [
        {"href": id_files[e["id"]], "title": e["title"], "children": [
            {"href": f"{id_files[e['id']]}#{h.id}", "title": h.text}
            for h in next(c for c in book.chapters if c.id == e["id"]).headings if h.level == 2]}
        for e in contents_entries(book)
    ]
    landmarks = [
        {"type": "cover", "href": "cover.xhtml", "title": "Cover"},
        {"type": "titlepage", "href": "titlepage.xhtml", "title": "Title page"},
        {"type": "toc", "href": "nav.xhtml", "title": config.theme.contents_title},
        {"type": "bodymatter", "href": id_files[book.chapters[0].id], "title": "Start of content"},
    ]
    nav = document("nav", "text/nav.xhtml", config.theme.contents_title, "epub-nav.xhtml.j2",
                   contents=toc_entries, landmarks=landmarks, page_markers=front_pages[1:],
                   page_list=[{"href": page_files[n].removeprefix("text/") + f"#page-{n}", "label": str(n)}
                              for n in sorted(page_files)])
    nav.properties = ["nav"]

    package.toc = [epub.Link(files[c.id], c.title, f"toc-{c.id}") for c in book.chapters]
    package.add_item(epub.EpubNcx())
    package.spine = [cover, titlepage, nav, *chapters]
    package.guide = [
        {"type": "cover", "href": "text/cover.xhtml", "title": "Cover"},
        {"type": "toc", "href": "text/nav.xhtml", "title": config.theme.contents_title},
        {"type": "text", "href": files[book.chapters[0].id], "title": book.chapters[0].title},
    ]
    # Last: in a parallel build the picture of the cover is the final thing the PDF process makes.
    package.set_cover(COVER_IMAGE, cover_jpeg(), create_page=False)
    raw = io.BytesIO()
    epub.write_epub(raw, package, {"mtime": build_date, "epub3_landmark": False, "epub3_pages": False,
                                   "raise_exceptions": True})
    return repack(raw.getvalue(), build_date)


def accessibility_metadata(book: Book) -> list[tuple[str, str]]:
    """EPUB Accessibility 1.1 package metadata, claiming only what every build guarantees."""
    config = book.config
    has_images = bool(book.images)
    features = ["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability",
                "pageBreakMarkers", "pageNavigation"]
    if has_images:
        features.insert(2, "alternativeText")
    summary = config.accessibility.summary or (
        "This publication meets WCAG 2.1 Level AA. It has a table of contents and navigable headings, "
        "a logical reading order, text that can be resized and restyled"
        + (", alternative text for every image" if has_images else "")
        + ", and page-break markers with a page list matching the print (PDF) edition. No hazards.")
    items = [("schema:accessMode", "textual")]
    if has_images:
        items.append(("schema:accessMode", "visual"))
    items += [("schema:accessModeSufficient", "textual")]
    items += [("schema:accessibilityFeature", feature) for feature in features]
    items += [("schema:accessibilityHazard", "none"), ("schema:accessibilitySummary", summary),
              ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA")]
    if config.accessibility.certified_by:
        items.append(("a11y:certifiedBy", config.accessibility.certified_by))
    # Unprefixed: the page-source-id proposal puts it in the default vocabulary, which EPUBCheck accepts.
    items.append(("pageBreakSource", f"{config.full_title}, PDF edition ({config.slug}.pdf)"))
    return items


def _pages_outside_chapters(starts: list[PageStart]) -> tuple[list[int], list[int]]:
    """Pages holding no chapter text: those before the first chapter page (cover, contents) and after."""
    first_text = next((s.number for s in starts if s.block is not None), len(starts) + 1)
    front = [s.number for s in starts if s.block is None and s.number < first_text]
    late = [s.number for s in starts if s.block is None and s.number > first_text]
    return front, late


def repack(data: bytes, stamp: dt.datetime) -> bytes:
    """The same archive with fixed entry times and permissions, `mimetype` first and stored.

    ebooklib stamps each entry with the wall clock; fixing them makes the same sources give the same
    bytes on every run.
    """
    date_time = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        names = source.namelist()
        ordered = ["mimetype"] + [n for n in names if n != "mimetype"]
        for name in ordered:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                target.writestr(info, source.read(name))
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                target.writestr(info, source.read(name), compresslevel=9)
    return out.getvalue()
