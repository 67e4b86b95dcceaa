"""A long book is laid out in parts (folio.pdf_parts) to bound memory; the joined PDF must be the
PDF a single layout gives: same pages, numbers, running heads, bookmarks, links and structure."""

from __future__ import annotations

import dataclasses
import random
import subprocess

import pikepdf
import pytest

from folio import pdf as pdf_module
from folio import pdf_parts
from folio.build import build
from folio.check import check_outputs
from folio.load import load_book
from folio.pdf import print_job, render_pdf

from .conftest import write_book

WORDS = "people diplomacy exchange friendship programme relief volunteer school village forum".split()


def paragraph(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


def long_book(root):
    """Six chapters of very different lengths, with sections, a footnote each and links between them."""
    rng = random.Random(3)
    chapters = {}
    for number, paragraphs in enumerate([9, 2, 14, 5, 3, 11], start=1):
        body = [f"# Chapter {number}", ""]
        for index in range(paragraphs):
            if index % 4 == 1:
                body += [f"## Part {number}.{index}", ""]
            text = paragraph(rng, 90)
            if index == 0:
                text += f" See [the next chapter]({number % 6 + 1:02d}.md) and a note.[^n{number}]"
            body += [text, ""]
        body += [f"[^n{number}]: Note of chapter {number}.", ""]
        chapters[f"{number:02d}.md"] = "\n".join(body)
    return write_book(root, chapters, page_size="A5")


@pytest.fixture(scope="module")
def single_and_parts(tmp_path_factory):
    book = load_book(long_book(tmp_path_factory.mktemp("long")))
    job = print_job(book)
    single = render_pdf(dataclasses.replace(job, part_characters=0))
    budget = 4000
    parts = render_pdf(dataclasses.replace(job, part_characters=budget))
    plan = pdf_parts.plan([size for _, size, _ in job.chapters], budget)
    folder = tmp_path_factory.mktemp("pdfs")
    (folder / "single.pdf").write_bytes(single.data)
    (folder / "parts.pdf").write_bytes(parts.data)
    return single, parts, plan, folder, job


def layout_text(path) -> list[str]:
    """Each page's text as laid out, so a folio or running head on the wrong side shows."""
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], check=True,
                         capture_output=True, text=True).stdout
    return out.split("\f")[:-1]


def test_the_book_really_is_laid_out_in_parts_some_starting_on_a_left_page(single_and_parts):
    single, parts, plan, _, _ = single_and_parts
    assert len(plan) >= 4
    chapter_pages = [s.number for s in parts.page_starts if s.block is not None and s.block.endswith(".0")]
    assert any(page % 2 == 0 for page in chapter_pages), "no part starts on a left page: the test proves too little"


def test_parts_give_the_same_pages_as_one_layout(single_and_parts):
    single, parts, _, folder, _ = single_and_parts
    assert parts.page_count == single.page_count > 12
    assert parts.page_starts == single.page_starts
    single_pages, parts_pages = layout_text(folder / "single.pdf"), layout_text(folder / "parts.pdf")
    assert len(parts_pages) == parts.page_count
    for number, (expected, actual) in enumerate(zip(single_pages, parts_pages), start=1):
        assert actual == expected, f"page {number} differs"
    contents = parts_pages[1]
    assert all(f"Chapter {n}" in contents for n in range(1, 7)) and contents.rstrip().split()[-1].isdigit()


def outline_of(pdf) -> list[tuple[int, str, int]]:
    entries = []
    with pdf.open_outline() as outline:
        def walk(items, depth):
            for item in items:
                entries.append((depth, item.title, pdf.pages.index(pikepdf.Page(item.destination[0]))))
                walk(item.children, depth + 1)
        walk(outline.root, 0)
    return entries


def links_of(pdf) -> list[tuple[int, int]]:
    """(page of the link, page it goes to), for every link in the document."""
    destinations = pikepdf.NameTree(pdf.Root.Names.Dests)
    links = []
    for number, page in enumerate(pdf.pages):
        for annotation in page.get("/Annots", []):
            assert "/A" not in annotation or not str(annotation.A.get("/URI", "")).startswith(pdf_parts.ANCHOR_URL)
            if "/Dest" in annotation:
                target = annotation.Dest
                target = destinations[str(target)] if isinstance(target, pikepdf.String) else target
                links.append((number, pdf.pages.index(pikepdf.Page(target[0]))))
    return links


def structure_of(pdf) -> tuple[list[str], int]:
    """The structure element types in document order, and how many point at a page not in the PDF."""
    pages = {page.objgen for page in pdf.pages}
    types, stray = [], 0
    tree = pdf.Root.StructTreeRoot
    stack = [tree.K if isinstance(tree.K, pikepdf.Dictionary) else tree.K[0]]
    while stack:
        element = stack.pop()
        if isinstance(element, pikepdf.Dictionary) and element.get("/Type") == "/StructElem":
            types.append(str(element.S))
            stray += "/Pg" in element and element.Pg.objgen not in pages
            kids = element.get("/K")
            stack += reversed(list(kids)) if isinstance(kids, pikepdf.Array) else [kids] if kids is not None else []
    return types, stray


def test_bookmarks_links_and_structure_tree_survive_the_join(single_and_parts):
    _, _, _, folder, _ = single_and_parts
    with pikepdf.open(folder / "single.pdf") as single, pikepdf.open(folder / "parts.pdf") as parts:
        assert outline_of(parts) == outline_of(single)
        assert links_of(parts) == links_of(single)
        assert len(links_of(parts)) >= 6 + 6 + 6  # contents, chapter-to-chapter links, footnote calls
        single_types, _ = structure_of(single)
        parts_types, stray = structure_of(parts)
        assert parts_types == single_types and stray == 0
        keys = [int(page.StructParents) for page in parts.pages]
        assert len(set(keys)) == len(keys)
        parent_tree = pikepdf.NumberTree(parts.Root.StructTreeRoot.ParentTree)
        assert all(key in parent_tree for key in keys)
        assert str(parts.Root.Lang) == str(single.Root.Lang) and parts.Root.MarkInfo.Marked
        assert str(parts.docinfo.Title) == str(single.docinfo.Title)


def test_the_joined_pdf_is_the_same_bytes_every_time(single_and_parts):
    _, parts, _, _, job = single_and_parts
    assert render_pdf(dataclasses.replace(job, part_characters=4000)).data == parts.data


def test_a_book_built_in_parts_passes_every_check(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_module, "PART_CHARACTERS", 4000)
    book_dir = long_book(tmp_path / "book")
    result = build(book_dir, out_dir=tmp_path / "out")
    findings = check_outputs(result.book, {o.format: o.path for o in result.outputs})
    assert [f for f in findings if not f.ok] == []
