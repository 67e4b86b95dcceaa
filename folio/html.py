"""The book as semantic HTML: the print document WeasyPrint lays out, and the single-page web edition.

Both are rendered from the same `Book` through the theme's Jinja2 templates; the EPUB renderer reuses
`chapter_markup`, `template_env` and `theme_css` from here.
"""

from __future__ import annotations

import base64
import re
import traceback
from pathlib import Path
from typing import Literal

import jinja2
from lxml import etree

from . import __version__
from .config import build_date
from .errors import BookError, Problem
from .fonts import font_urls, subset_font
from .model import Book, Chapter
from .pages import OPS_NS, PageStart, insert_markers, mark_blocks

# Page height (the cover fills it) and margins that keep a measure of about 70 characters.
PAGE_WIDTHS_MM = {"A4": 210.0, "Letter": 215.9, "A5": 148.0}
PAGE_GEOMETRY = {
    "A4": {"--page-height": "297mm", "--page-margin-top": "26mm", "--page-margin-side": "34mm",
           "--page-margin-bottom": "27mm", "--figure-max-height": "100mm"},
    "Letter": {"--page-height": "279.4mm", "--page-margin-top": "25mm", "--page-margin-side": "35mm",
               "--page-margin-bottom": "26mm", "--figure-max-height": "95mm"},
    "A5": {"--page-height": "210mm", "--page-margin-top": "20mm", "--page-margin-side": "17mm",
           "--page-margin-bottom": "21mm", "--figure-max-height": "75mm"},
}
NUMBERED_TITLE = re.compile(r"^(?P<number>[IVXLCDM]+\.|\d+(?:\.\d+)*\.?)\s+(?P<text>.+)$")
NoteStyle = Literal["float", "endnotes", "epub"]


def template_env(theme_dir: Path) -> jinja2.Environment:
    # Autoescape everything (the templates end in .j2, which select_autoescape() would miss) and
    # make a misspelt variable an error rather than empty text.
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(theme_dir / "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
    )


def render_template(env: jinja2.Environment, name: str, **context) -> str:
    """Render a theme template; a mistake in a theme becomes a problem naming the template and line."""
    try:
        return env.get_template(name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise BookError([Problem(Path(exc.filename or name), f"template error: {exc.message}", exc.lineno)]) from None
    except jinja2.TemplateError as exc:
        # The innermost template frame is where the mistake is (an include's, not the includer's).
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.endswith(".j2")]
        where = (Path(frames[-1].filename), frames[-1].lineno) if frames else (Path(name), None)
        raise BookError([Problem(where[0], f"template error: {exc}", where[1])]) from None


def theme_variables(book: Book) -> dict[str, str]:
    theme = book.config.theme
    return {
        "--accent": theme.accent_color,
        "--font-size": f"{theme.font_size}pt",
        "--page-size": book.config.page_size,
        **PAGE_GEOMETRY[book.config.page_size],
    }


def theme_css(book: Book, names: list[str]) -> str:
    """The theme's stylesheets joined, with var(--x) replaced by the book's values.

    Substituted rather than left to the cascade because several e-readers (Adobe's engine, older
    Kobo firmware) ignore custom properties, and @page descriptors cannot use them at all.
    """
    variables = theme_variables(book)
    css = "\n".join((book.theme_dir / "css" / name).read_text(encoding="utf-8") for name in names)
    return re.sub(r"var\((--[a-z-]+)\)", lambda m: variables[m.group(1)], css)


def metadata(book: Book) -> dict:
    config = book.config
    return {
        "title": config.title, "subtitle": config.subtitle, "full_title": config.full_title,
        "authors": config.authors, "publisher": config.publisher, "source": config.source,
        "date": config.date.isoformat(), "modified": build_date(config).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "date_display": f"{config.date.day} {config.date:%B %Y}",
        "language": config.language, "description": config.description, "rights": config.rights,
        "keywords": config.keywords, "identifier": config.identifier,
        "generator": f"folio {__version__}",
    }


def contents_entries(book: Book) -> list[dict]:
    entries = []
    for chapter in book.chapters:
        match = NUMBERED_TITLE.match(chapter.title)
        number, text = (match["number"], match["text"]) if match else ("", chapter.title)
        entries.append({"id": chapter.id, "number": number, "text": text, "title": chapter.title})
    return entries


def chapter_markup(chapter: Chapter, notes: NoteStyle, link_targets: dict[str, str] | None = None,
                   image_sources: dict[str, str] | None = None, chapter_index: int | None = None,
                   page_starts: list[PageStart] | None = None) -> str:
    """A chapter's body for one output: footnotes in that output's form, links and images re-pointed.

    `link_targets` maps element ids to the file that holds them (EPUB: one file per chapter), so that
    a link to another chapter keeps working; `image_sources` maps each image's path in the book to
    what the output's `src` must be (a path in the package, a data: URL). With
    `chapter_index`, blocks get the ids that tie PDF pages to text (kept for print, where layout reads
    them); with `page_starts` too, page-break markers are placed and the ids removed.
    """
    root = etree.fromstring(f'<div xmlns:epub="{OPS_NS}">{chapter.body}</div>')
    if chapter_index is not None:
        mark_blocks(root, chapter_index)
    note_bodies = dict(chapter.footnotes)
    for ref in root.xpath(".//a[@class='footnote-ref']"):
        note_id = ref.get("href")[1:]
        if notes == "float":
            # WeasyPrint moves a float:footnote element to the page foot and numbers call and marker.
            note = etree.fromstring(f"<span>{note_bodies.get(note_id, '')}</span>")
            note.set("class", "footnote")
            note.set("id", note_id)
            for para in note.findall("p"):
                para.tag = "span"
            note.tail = ref.tail
            ref.getparent().replace(ref, note)
        else:
            number = ref.text
            ref.text = None
            sup = etree.SubElement(ref, "sup")
            sup.text = number
            ref.set("role", "doc-noteref")
            if notes == "epub":
                ref.set(f"{{{OPS_NS}}}type", "noteref")
    if notes != "float":
        # Attachments are a PDF feature; elsewhere the link would point at a file the output lacks.
        for link in root.iter("a"):
            if "attachment" in (link.get("rel") or "").split():
                link.attrib.pop("href", None)
                link.attrib.pop("rel", None)
    if link_targets:
        for link in root.iter("a"):
            href = link.get("href", "")
            if href.startswith("#") and href[1:] in link_targets:
                link.set("href", link_targets[href[1:]] + href)
    if image_sources:
        for img in root.iter("img"):
            if img.get("src") in image_sources:
                img.set("src", image_sources[img.get("src")])
    if page_starts is not None:
        insert_markers(root, page_starts)
    # Serialised whole so the epub: namespace is declared once, on the wrapper that is then cut off.
    markup = etree.tostring(root, encoding="unicode")
    markup = markup[markup.index(">") + 1:markup.rindex("</div>")]
    if notes != "float" and chapter.footnotes:
        markup += _notes_section(chapter, epub=notes == "epub")
    return markup


def _notes_section(chapter: Chapter, epub: bool) -> str:
    items = []
    for note_id, body in chapter.footnotes:
        if epub:
            items.append(f'<aside id="{note_id}" epub:type="footnote" role="doc-footnote">{body}</aside>')
        else:
            items.append(f'<li id="{note_id}">{body} <a href="#{note_id}-ref" role="doc-backlink" '
                         f'aria-label="Back to the text">&#8617;</a></li>')
    if epub:
        return '<section class="footnotes" aria-label="Notes">' + "".join(items) + "</section>"
    return '<section class="footnotes" role="doc-endnotes" aria-label="Notes"><ol>' + "".join(items) + "</ol></section>"


def render_print_html(book: Book) -> str:
    env = template_env(book.theme_dir)
    chapters = [{"id": c.id, "title": c.title, "body": chapter_markup(c, "float", chapter_index=i)}
                for i, c in enumerate(book.chapters)]
    return render_template(env, "print.html.j2",
        meta=metadata(book), theme=book.config.theme, contents=contents_entries(book), chapters=chapters)


PRINT_STYLESHEETS = ["fonts.css", "content.css", "print.css"]
WEB_STYLESHEETS = ["fonts.css", "content.css", "web.css"]


def render_web_html(book: Book) -> str:
    """One self-contained page: stylesheets inline, fonts (subset) and images as data: URIs."""
    env = template_env(book.theme_dir)
    css = theme_css(book, WEB_STYLESHEETS)
    text = book_characters(book)
    css_dir = book.theme_dir / "css"
    for url in font_urls(css):
        font = subset_font((css_dir / url).resolve(), text, flavor="woff2")
        css = css.replace(f'url("{url}")', f'url("data:font/woff2;base64,{_b64(font)}")')
        css = re.sub(r'format\("(truetype|opentype)"\)', 'format("woff2")', css)
    inline = {}
    for key, image in book.images.items():
        data, media_type = book.screen_image_bytes(image)
        inline[key] = f"data:{media_type};base64,{_b64(data)}"
    chapters = [{"id": c.id, "title": c.title, "body": chapter_markup(c, "endnotes", image_sources=inline)}
                for c in book.chapters]
    return render_template(env, "web.html.j2",
        meta=metadata(book), theme=book.config.theme, contents=contents_entries(book), chapters=chapters,
        css=css)


def book_characters(book: Book) -> str:
    """Every character the outputs can show: what a font subset must keep."""
    meta = metadata(book)
    return "".join(str(v) for v in meta.values()) + "".join(
        c.title + c.body + str(c.footnotes) for c in book.chapters) + book.config.theme.contents_title \
        + book.config.theme.figure_label + "Cover Title page Landmarks Start of content Source: Back to the text" \
        + "0123456789.,:;!?()[]‘’“”–—…•↩·"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")
