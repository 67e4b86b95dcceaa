"""A long book laid out in parts, so that memory stays flat however many pages it has.

WeasyPrint keeps every laid-out page of a document until the PDF is written: about 0.6 MB a page.
A long book is therefore laid out a few chapters at a time, each part written to a PDF and
dropped before the next, and the parts' PDFs are joined.

Each part is the print HTML with only its chapters. A few lines of CSS continue the page numbers,
the footnote numbers and the left/right alternation from the part before; links to another part
go through a placeholder URL until the join turns them into ordinary links; the contents, which
need every chapter's page number, are laid out last with those numbers written in. The join
(pikepdf) appends each part's pages, structure tree, bookmarks and named destinations to the first.
"""

from __future__ import annotations

import io
from urllib.parse import quote, unquote

from lxml import etree, html as lxml_html

ANCHOR_URL = "urn:x-folio-anchor:"
PAGE_ATTRIBUTE = "data-page"


def plan(sizes: list[int], budget: int) -> list[list[int]]:
    """Consecutive chapters (by index) grouped into parts of at most `budget` characters each,
    a chapter longer than that making a part of its own."""
    parts: list[list[int]] = []
    size = 0
    for index, chapter_size in enumerate(sizes):
        if not parts or size + chapter_size > budget:
            parts.append([])
            size = 0
        parts[-1].append(index)
        size += chapter_size
    return parts


class Splitter:
    """The print HTML, parsed once, cut into a front part (all but the chapters) and chapter parts."""

    def __init__(self, html: str, chapter_element_ids: list[str]):
        self.html = html
        self.chapter_element_ids = chapter_element_ids

    def part(self, chapters: list[int] | None, pages: dict[str, int] | None = None) -> str:
        """The HTML of the part holding `chapters`, or of the front part if None. Links to elements
        outside the part point at ANCHOR_URL; in the front part they carry the target's page number
        from `pages` (see contents_css)."""
        root = lxml_html.document_fromstring(self.html)
        kept = set() if chapters is None else {self.chapter_element_ids[i] for i in chapters}
        sections = [root.get_element_by_id(i) for i in self.chapter_element_ids]
        for section in sections:
            if section.get("id") not in kept:
                _remove_with_empty_ancestors(section)
        if chapters is not None:
            _keep_only(root.body, [s for s in sections if s.get("id") in kept])
        present = {element_id for element_id in root.xpath("//@id")}
        for link in root.iter("a"):
            href = link.get("href") or ""
            if href.startswith("#") and href[1:] not in present:
                link.set("href", ANCHOR_URL + quote(href[1:], safe=""))
                if pages is not None:
                    link.set(PAGE_ATTRIBUTE, str(pages.get(href[1:], "")))
        return lxml_html.tostring(root, encoding="unicode", doctype="<!DOCTYPE html>")


def _remove_with_empty_ancestors(element: etree._Element) -> None:
    """Remove `element`, and its container if that holds nothing else (an empty <main> would still
    begin a page of its own)."""
    parent = element.getparent()
    parent.remove(element)
    while parent.tag != "body" and len(parent) == 0 and not (parent.text or "").strip():
        element, parent = parent, parent.getparent()
        parent.remove(element)


def _keep_only(body: etree._Element, sections: list[etree._Element]) -> None:
    """Remove everything in `body` that neither is nor holds one of `sections` (cover, contents...)."""
    # lxml hands out one Python object per element only while one is referenced: keep them all.
    ancestors = [a for s in sections for a in s.iterancestors()]
    spine = {id(e) for e in ancestors} | {id(s) for s in sections}
    section_ids = {id(s) for s in sections}
    stack = [body]
    while stack:
        element = stack.pop()
        if id(element) in section_ids:
            continue
        for child in list(element):
            if id(child) in spine:
                stack.append(child)
            else:
                element.remove(child)  # lxml keeps the child's tail text with it; only whitespace here


def continuation_css(first_page: int, footnotes_before: int) -> str:
    """CSS for a part whose first page is `first_page` of the book, after `footnotes_before` notes."""
    side = "right" if first_page % 2 else "left"
    return (f"@page :first {{ counter-reset: page {first_page}; }}\n"
            f"html {{ break-before: {side}; }}\n"  # WeasyPrint takes the first page's side from this
            f"body {{ counter-reset: footnote {footnotes_before}; }}\n")


def contents_css(theme_css: str) -> str:
    """The theme's CSS for the front part: page numbers of other parts come written in."""
    return theme_css.replace("target-counter(attr(href url), page)", f"attr({PAGE_ATTRIBUTE})")


def join(parts: list[bytes]) -> bytes:
    """One PDF of the parts' pages, in order, with one structure tree, outline and set of
    destinations, and the links between parts resolved."""
    import pikepdf

    book = pikepdf.open(io.BytesIO(parts[0]))
    for data in parts[1:]:
        with pikepdf.open(io.BytesIO(data)) as part:
            _append(book, part)
    _resolve_links(book)
    out = io.BytesIO()
    # Generated object streams compress the many small structure elements, as WeasyPrint's own do.
    book.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue()


def _append(book, part) -> None:
    import pikepdf

    first_new = len(book.pages)
    book_tree, part_tree = book.Root.get("/StructTreeRoot"), part.Root.get("/StructTreeRoot")
    key_offset = _next_parent_key(book_tree) if book_tree is not None else 0
    book.pages.extend(part.pages)
    # Objects copied after the pages that refer to them (structure elements, bookmarks,
    # destinations) are mapped onto those copies by pikepdf.

    if book_tree is not None and part_tree is not None:
        document = _document_element(book_tree)
        kids = _copy(book, _document_element(part_tree).K)
        for kid in kids:
            if isinstance(kid, pikepdf.Dictionary):
                kid.P = document
        if not isinstance(document.get("/K"), pikepdf.Array):
            document.K = pikepdf.Array([document.K] if "/K" in document else [])
        document.K.extend(kids)
        parents = pikepdf.NumberTree(book_tree.ParentTree)
        for key, value in pikepdf.NumberTree(part_tree.ParentTree).items():
            parents[key + key_offset] = _copy(book, value)
        for page in book.pages[first_new:]:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + key_offset
            for annotation in page.obj.get("/Annots", []):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + key_offset
        if "/ParentTreeNextKey" in book_tree:
            book_tree.ParentTreeNextKey = _next_parent_key(book_tree)

    part_outline = part.Root.get("/Outlines")
    if part_outline is not None and "/First" in part_outline:
        _append_outline(book, part_outline)

    part_names = part.Root.get("/Names")
    if part_names is not None and "/Dests" in part_names:
        if "/Names" not in book.Root:
            book.Root.Names = book.make_indirect(pikepdf.Dictionary())
        if "/Dests" not in book.Root.Names:
            book.Root.Names.Dests = pikepdf.NameTree.new(book).obj
        destinations = pikepdf.NameTree(book.Root.Names.Dests)
        for name, destination in pikepdf.NameTree(part_names.Dests).items():
            destinations[name] = _copy(book, destination)


def _copy(book, obj):
    """`obj` of another PDF, copied into `book`; pikepdf copies only indirect objects by itself."""
    import pikepdf

    if isinstance(obj, pikepdf.Object) and obj.is_indirect:
        return book.copy_foreign(obj)
    if isinstance(obj, pikepdf.Array):
        return pikepdf.Array([_copy(book, item) for item in obj])
    if isinstance(obj, pikepdf.Dictionary):
        return pikepdf.Dictionary({key: _copy(book, value) for key, value in obj.items()})
    return obj


def _document_element(tree):
    import pikepdf

    kids = tree.K
    return kids[0] if isinstance(kids, pikepdf.Array) else kids


def _next_parent_key(tree) -> int:
    import pikepdf

    keys = [key for key, _ in pikepdf.NumberTree(tree.ParentTree).items()]
    return max(keys, default=-1) + 1


def _append_outline(book, part_outline) -> None:
    import pikepdf

    first = _copy(book, part_outline.First)
    items = [first]
    while "/Next" in items[-1]:
        items.append(items[-1].Next)
    outline = book.Root.get("/Outlines")
    if outline is None:
        outline = book.Root.Outlines = book.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Outlines, Count=0))
    for item in items:
        item.Parent = outline
    if "/Last" in outline:
        outline.Last.Next = first
        first.Prev = outline.Last
    else:
        outline.First = first
    outline.Last = items[-1]
    outline.Count = int(outline.get("/Count", 0)) + int(part_outline.get("/Count", len(items)))


def _resolve_links(book) -> None:
    """Links to another part were laid out as ANCHOR_URL links; each becomes a go-to of the named
    destination WeasyPrint made for that element in its own part."""
    import pikepdf

    for page in book.pages:
        for annotation in page.obj.get("/Annots", []):
            action = annotation.get("/A")
            if action is not None and action.get("/S") == "/URI" and str(action.URI).startswith(ANCHOR_URL):
                del annotation["/A"]
                annotation.Dest = pikepdf.String(unquote(str(action.URI)[len(ANCHOR_URL):]))
