"""Raw HTML in chapters, reduced to static XHTML that every output (and EPUBCheck) accepts.

Authors may write HTML in Markdown; what cannot live in a static, valid EPUB is taken out and reported
as a warning: scripts and other active content, event-handler attributes, `javascript:` links,
elements and attributes HTML does not know. A link's `rel="attachment"` (which makes WeasyPrint embed a
file in the PDF) is dropped unless the book allows attachments.
"""

from __future__ import annotations

import re

from lxml import etree

# Removed with everything inside them: active content, embedded documents, document-level elements.
DROPPED = {
    "script", "noscript", "style", "iframe", "frame", "frameset", "object", "embed", "applet", "link",
    "meta", "base", "form", "input", "button", "textarea", "select", "option", "video", "audio", "source",
    "track", "canvas", "template", "dialog", "portal", "math", "svg", "head", "title",
}
ALLOWED = {
    "a", "abbr", "address", "article", "aside", "b", "bdi", "bdo", "blockquote", "br", "caption", "cite",
    "code", "col", "colgroup", "data", "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption",
    "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "i", "img", "ins", "kbd", "li",
    "mark", "nav", "ol", "p", "pre", "q", "rp", "rt", "ruby", "s", "samp", "section", "small", "span",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "time", "tr", "u",
    "ul", "var", "wbr",
}
GLOBAL_ATTRIBUTES = {"id", "class", "title", "lang", "dir", "role", "style", "hidden", "translate"}
ELEMENT_ATTRIBUTES = {
    "a": {"href", "hreflang", "rel", "type"}, "img": {"src", "alt", "width", "height"},
    "td": {"colspan", "rowspan", "headers"}, "th": {"colspan", "rowspan", "headers", "scope", "abbr"},
    "ol": {"start", "reversed", "type"}, "li": {"value"}, "col": {"span"}, "colgroup": {"span"},
    "time": {"datetime"}, "data": {"value"}, "q": {"cite"}, "blockquote": {"cite"}, "del": {"cite", "datetime"},
    "ins": {"cite", "datetime"}, "details": {"open"}, "abbr": set(), "bdo": set(),
}
# Elements that mean nothing outside their parent; found elsewhere, they are unwrapped.
REQUIRED_PARENT = {
    "li": {"ul", "ol"}, "dt": {"dl"}, "dd": {"dl"}, "tr": {"table", "thead", "tbody", "tfoot"},
    "td": {"tr"}, "th": {"tr"}, "thead": {"table"}, "tbody": {"table"}, "tfoot": {"table"},
    "caption": {"table"}, "colgroup": {"table"}, "col": {"colgroup"}, "figcaption": {"figure"},
    "summary": {"details"}, "rt": {"ruby"}, "rp": {"ruby"},
}
UNSAFE_URL = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)


def sanitize(root: etree._Element, allow_attachments: bool) -> list[str]:
    """Clean `root` in place; return one message per thing removed."""
    removed: list[str] = []
    for el in list(root.iter()):
        if el is root or not isinstance(el.tag, str):
            if not isinstance(el.tag, str) and el.getparent() is not None:  # comments, processing instructions
                _remove(el, keep_children=False)
            continue
        tag = el.tag.lower()
        if tag in DROPPED:
            removed.append(f"removed <{tag}>: active or embedded content is not allowed in a book")
            _remove(el, keep_children=False)
            continue
        if tag not in ALLOWED:
            removed.append(f"removed unknown element <{tag}> (its text is kept)")
            _remove(el, keep_children=True)
            continue
        parent = el.getparent()
        if tag in REQUIRED_PARENT and (parent is None or parent.tag not in REQUIRED_PARENT[tag]):
            removed.append(f"removed misplaced <{tag}> (its text is kept)")
            _remove(el, keep_children=True)
            continue
        if tag == "img" and UNSAFE_URL.match(el.get("src", "")) and not _inline_image(tag, "src", el.get("src")):
            removed.append(f"removed <img> with a {el.get('src').split(':', 1)[0].strip()}: source")
            _remove(el, keep_children=False)
            continue
        allowed = GLOBAL_ATTRIBUTES | ELEMENT_ATTRIBUTES.get(tag, set())
        for name in list(el.attrib):
            if name not in el.attrib:  # already dropped along with another attribute
                continue
            value = el.get(name)
            lower = name.lower()
            if lower.startswith("on"):
                removed.append(f"removed event handler {name}=\"…\" from <{tag}>")
                del el.attrib[name]
            elif lower in ("href", "src", "cite") and UNSAFE_URL.match(value) and not _inline_image(tag, lower, value):
                removed.append(f"removed {value.split(':', 1)[0].strip()}: URL from <{tag} {name}>")
                del el.attrib[name]
            elif lower == "rel" and "attachment" in value.lower().split() and not allow_attachments:
                removed.append(f"removed attachment link to '{el.get('href', '')}' "
                               "(set pdf_attachments: true in book.yaml to embed files in the PDF)")
                del el.attrib[name]
                el.attrib.pop("href", None)
            elif not (lower in allowed or lower.startswith(("aria-", "data-"))) or ":" in name:
                removed.append(f"removed attribute {name} from <{tag}>")
                del el.attrib[name]
    return removed


def _inline_image(tag: str, attribute: str, value: str) -> bool:
    return tag == "img" and attribute == "src" and value.lstrip().lower().startswith("data:image/")


def _remove(el: etree._Element, keep_children: bool) -> None:
    """Take `el` out; its tail text stays, and with keep_children so do its text and children."""
    parent = el.getparent()
    last = el.getprevious()
    if keep_children:
        _append_text(parent, last, el.text or "")
        for child in list(el):
            el.addprevious(child)  # lxml moves a child together with its tail
            last = child
    _append_text(parent, last, el.tail or "")
    parent.remove(el)


def _append_text(parent: etree._Element, after: etree._Element | None, text: str) -> None:
    if not text:
        return
    if after is None:
        parent.text = (parent.text or "") + text
    else:
        after.tail = (after.tail or "") + text
