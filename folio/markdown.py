"""Markdown to the book's neutral XHTML: figures, headings and footnotes made explicit."""

from __future__ import annotations

import re
from dataclasses import dataclass

import markdown
from markdown.extensions import md_in_html
from xml.sax.saxutils import escape
from lxml import etree, html

EXTENSIONS = [
    "abbr", "attr_list", "def_list", "fenced_code", "footnotes", "md_in_html", "tables",
    "sane_lists", "smarty", "toc",
]
EXTENSION_CONFIGS = {
    "toc": {"permalink": False},
    "footnotes": {"BACKLINK_TEXT": ""},
}


@dataclass
class Converted:
    """A chapter's Markdown, converted, before its images are resolved against the book folder."""

    title: str
    title_id: str
    root: html.HtmlElement  # a <div> wrapping the chapter's content
    footnotes: list[tuple[str, str]]


class MarkdownProblem(Exception):
    """A defect in the Markdown, with the 1-based line it is on when known."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


def new_converter() -> markdown.Markdown:
    # One converter is reused for every chapter (reset between them): building it is the costly part.
    converter = markdown.Markdown(extensions=EXTENSIONS, extension_configs=EXTENSION_CONFIGS,
                                  output_format="xhtml")
    converter.preprocessors.register(_HtmlBlocks(converter), "html_block", 20)  # replaces md_in_html's
    return converter


class _Extractor(md_in_html.HTMLExtractorExtra):
    def handle_empty_tag(self, data: str, is_block: bool) -> None:
        # Python-Markdown 3.11 files an entity or character reference in the text that follows a raw
        # HTML block on the same line ("<hr> x &copy; y") under the *next* raw block, so the
        # character turns up elsewhere in the chapter. It belongs in the text where it stands.
        if self.intail and not self.inraw and not self.mdstack and not is_block:
            self.cleandoc.append(data)
            return
        super().handle_empty_tag(data, is_block)


class _HtmlBlocks(md_in_html.HtmlBlockPreprocessor):
    """md_in_html's preprocessor (same code) with the extractor above."""

    def run(self, lines: list[str]) -> list[str]:
        parser = _Extractor(self.md)
        parser.feed("\n".join(lines))
        parser.close()
        return "".join(parser.cleandoc).split("\n")


def convert(text: str, converter: markdown.Markdown) -> Converted:
    converter.reset()
    fragment = converter.convert(text)
    root = html.fragment_fromstring(fragment, create_parent="div")
    h1s = root.findall(".//h1")
    if not h1s:
        raise MarkdownProblem("no chapter title: the chapter must contain a level-1 heading ('# Title')", 1)
    if len(h1s) > 1:
        raise MarkdownProblem("more than one level-1 heading: a chapter has exactly one title",
                              line_of(text, _heading_pattern(h1s[1].text_content())))
    title_el = h1s[0]
    title = " ".join(title_el.text_content().split())
    chapter_id = title_el.get("id") or "chapter"
    footnotes = _extract_footnotes(root, chapter_id)
    return Converted(title, chapter_id, root, footnotes)


def _extract_footnotes(root: html.HtmlElement, prefix: str) -> list[tuple[str, str]]:
    """Move Python-Markdown's footnote list out of the body, giving ids unique in the whole book."""
    notes: list[tuple[str, str]] = []
    container = root.find(".//div[@class='footnote']")
    if container is None:
        return notes
    renamed: dict[str, str] = {}
    for number, item in enumerate(container.iter("li"), start=1):
        note_id = f"{prefix}-fn-{number}"
        renamed[item.get("id")] = note_id
        for backref in item.xpath(".//a[contains(@class, 'footnote-backref')]"):
            _drop_keep_tail(backref)
        notes.append((note_id, inner_xhtml(item).strip()))
    container.getparent().remove(container)
    for sup in root.xpath(".//sup[a[contains(@class, 'footnote-ref')]]"):
        link = sup.find("a")
        target = link.get("href", "").lstrip("#")
        note_id = renamed.get(target, target)
        ref = etree.Element("a", {"class": "footnote-ref", "id": f"{note_id}-ref", "href": f"#{note_id}"})
        ref.text = link.text_content()
        ref.tail = sup.tail
        sup.getparent().replace(sup, ref)
    return notes


def _drop_keep_tail(el: etree._Element) -> None:
    parent = el.getparent()
    tail = (el.tail or "").rstrip("\xa0 ")
    prev = el.getprevious()
    if prev is not None:
        prev.tail = ((prev.tail or "") + tail).rstrip("\xa0 ")
    else:
        parent.text = ((parent.text or "") + tail).rstrip("\xa0 ")
    parent.remove(el)


def to_xhtml(el: etree._Element) -> str:
    return etree.tostring(el, encoding="unicode", method="xml", with_tail=True)


def inner_xhtml(el: etree._Element) -> str:
    return escape(el.text or "") + "".join(to_xhtml(child) for child in el)


def line_of(text: str, pattern: str) -> int | None:
    """1-based line of the first match of a regular expression in the source, if any."""
    match = re.search(pattern, text, flags=re.MULTILINE)
    return text.count("\n", 0, match.start()) + 1 if match else None


def _heading_pattern(title: str) -> str:
    words = [re.escape(w) for w in title.split()[:3]]
    return r"^\s*#\s.*" + r".*".join(words) if words else r"^\s*#\s"
