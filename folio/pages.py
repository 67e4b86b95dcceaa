"""Print page numbers for the EPUB: where each PDF page begins, carried into the reflowable text.

Every block that a page can start in (paragraph, heading, list item, figure, caption, cell...) gets the
same `data-b` id in the print HTML and in the EPUB. After layout, each PDF page's start is recorded as
(block id, characters of that block already laid out on earlier pages), counting only non-space
characters so that line breaks, collapsed spaces and inserted hyphens do not matter. The EPUB then gets
a page-break marker at that very character, moved back to the start of its word.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

OPS_NS = "http://www.idpf.org/2007/ops"
BLOCK_ATTRIBUTE = "data-b"
BREAKABLE = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dt", "dd", "figure", "figcaption", "pre",
             "td", "th", "caption", "blockquote")
# WeasyPrint's hyphenate-character and soft hyphens appear in laid-out text but not in the source.
NOT_COUNTED = {"\u2010", "\u00ad"}


@dataclass(frozen=True)
class PageStart:
    number: int
    block: str | None  # None: the page holds no chapter text (cover, contents)
    offset: int = 0


def mark_blocks(root: etree._Element, chapter_index: int) -> None:
    for number, el in enumerate(root.iter(*BREAKABLE)):
        el.set(BLOCK_ATTRIBUTE, f"{chapter_index}.{number}")


def counted(text: str) -> int:
    return sum(1 for ch in text if not ch.isspace() and ch not in NOT_COUNTED)


def page_starts(document) -> list[PageStart]:
    """From a laid-out WeasyPrint document: where each page begins."""
    consumed: dict[str, int] = {}
    starts: list[PageStart] = []
    for number, page in enumerate(document.pages, start=1):
        first: PageStart | None = None
        for block, box in _leaf_boxes(page._page_box, None):
            if block is None:
                continue
            if first is None:
                first = PageStart(number, block, consumed.get(block, 0))
            text = getattr(box, "text", None)
            if text and "::" not in (box.element_tag or ""):  # generated content is not in the source
                consumed[block] = consumed.get(block, 0) + counted(text)
        starts.append(first or PageStart(number, None))
    return starts


def _leaf_boxes(box, block):
    from weasyprint.formatting_structure import boxes

    if isinstance(box, boxes.MarginBox):
        return
    element = getattr(box, "element", None)
    if element is not None and "::" not in (box.element_tag or "") and element.get(BLOCK_ATTRIBUTE):
        block = element.get(BLOCK_ATTRIBUTE)
    if isinstance(box, (boxes.TextBox, boxes.ReplacedBox)):
        yield block, box
        return
    for child in getattr(box, "children", ()):
        yield from _leaf_boxes(child, block)


def insert_markers(root: etree._Element, starts: list[PageStart]) -> list[int]:
    """Put a page-break marker where each page starts; return the page numbers placed in `root`."""
    by_block: dict[str, list[PageStart]] = {}
    for start in starts:
        if start.block is not None:
            by_block.setdefault(start.block, []).append(start)
    placed = []
    for el in list(root.iter()):
        for start in by_block.get(el.get(BLOCK_ATTRIBUTE), ()) if isinstance(el.tag, str) else ():
            _insert(el, start.offset, marker(start.number))  # a marker adds no text: offsets stay valid
            placed.append(start.number)
    for el in root.iter():
        if isinstance(el.tag, str):
            el.attrib.pop(BLOCK_ATTRIBUTE, None)
    return sorted(placed)


def marker(number: int) -> etree._Element:
    label = str(number)
    return etree.Element("span", {"id": f"page-{label}", f"{{{OPS_NS}}}type": "pagebreak",
                                  "role": "doc-pagebreak", "aria-label": label})


def _insert(block: etree._Element, offset: int, mark: etree._Element) -> None:
    if offset == 0:
        mark.tail = block.text
        block.text = None
        block.insert(0, mark)
        return
    count = 0
    for node, slot in _text_slots(block):
        text = getattr(node, slot) or ""
        for index, ch in enumerate(text):
            if ch.isspace() or ch in NOT_COUNTED:
                continue
            if count == offset:
                while index > 0 and not text[index - 1].isspace():
                    index -= 1  # a page that starts inside a hyphenated word starts at that word
                _split(node, slot, index, mark)
                return
            count += 1
    block.append(mark)


def _text_slots(block: etree._Element):
    """(element, "text" or "tail") in reading order, leaving out nested blocks and footnote calls."""
    yield block, "text"
    for child in block:
        if isinstance(child.tag, str) and not child.get(BLOCK_ATTRIBUTE) and child.get("class") != "footnote-ref":
            yield from _text_slots(child)
        yield child, "tail"


def _split(node: etree._Element, slot: str, index: int, mark: etree._Element) -> None:
    text = getattr(node, slot)
    if slot == "text":
        node.text = text[:index]
        node.insert(0, mark)
    else:
        node.addnext(mark)
        node.tail = text[:index]
    mark.tail = text[index:]
