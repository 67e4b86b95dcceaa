"""Readers of the outputs, for assertions: text per PDF page, text per EPUB document, the seed."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

from lxml import etree, html

from folio.html import PAGE_GEOMETRY

REFERENCE = Path(__file__).parent / "reference"
XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops",
         "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
WEB_CHROME = "fontSize:"


def normalise(text: str) -> str:
    """Letters and digits only, lower-cased: equal for the seed and the typeset text whatever the
    quotes, dashes, hyphenation or line breaks."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def seed_lines() -> list[str]:
    """The article's content lines, in order: title block and web chrome left out."""
    lines = [l.strip() for l in (REFERENCE / "seed.txt").read_text(encoding="utf-8").splitlines()]
    body = [l for l in lines[4:] if l and not l.startswith(WEB_CHROME)]
    return body


def pdf_pages(path: Path, body_only: bool = False) -> list[str]:
    """Text of each page; with body_only, just the area inside the margins (no running heads or folios)."""
    command = ["pdftotext", "-enc", "UTF-8"]
    if body_only:
        page_w, page_h = _page_size(path)
        geometry = PAGE_GEOMETRY[_page_name(page_w, page_h)]
        top = _points(geometry["--page-margin-top"])
        bottom = _points(geometry["--page-margin-bottom"])
        command += ["-x", "0", "-y", str(int(top)), "-W", str(int(page_w)), "-H", str(int(page_h - top - bottom))]
    out = subprocess.run([*command, str(path), "-"], check=True, capture_output=True, text=True)
    return out.stdout.split("\f")[:-1]


def _page_size(path: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    return float(match[1]), float(match[2])


def _page_name(width: float, height: float) -> str:
    sizes = {"A4": (595, 842), "Letter": (612, 792), "A5": (420, 595)}
    return next(name for name, (w, h) in sizes.items() if abs(w - width) < 2 and abs(h - height) < 2)


def _points(length: str) -> float:
    return float(length.removesuffix("mm")) * 72 / 25.4


def epub_documents(path: Path) -> list[tuple[str, etree._Element]]:
    """(name, parsed XHTML) for every spine document, in reading order."""
    with zipfile.ZipFile(path) as archive:
        opf_name = "EPUB/content.opf"
        opf = etree.fromstring(archive.read(opf_name))
        manifest = {i.get("id"): i.get("href") for i in opf.iterfind(".//opf:manifest/opf:item", XHTML)}
        docs = []
        for ref in opf.iterfind(".//opf:spine/opf:itemref", XHTML):
            name = "EPUB/" + manifest[ref.get("idref")]
            docs.append((name, etree.fromstring(archive.read(name))))
        return docs


def element_text(el: etree._Element) -> str:
    return "".join(el.itertext())


def web_document(path: Path) -> html.HtmlElement:
    return html.fromstring(path.read_bytes())


def assert_in_order(needles: list[str], haystack: str, where: str) -> None:
    position = 0
    for needle in needles:
        found = haystack.find(normalise(needle), position)
        assert found >= 0, f"{where}: missing or out of order: {needle!r}"
        position = found + len(normalise(needle))
