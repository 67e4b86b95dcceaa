"""`render.py check`: passes on a good build, and each check catches the defect it is for."""

from __future__ import annotations

import os
import shutil
import zipfile
from pathlib import Path

from folio.check import check_alt_text, check_epubcheck, check_links, check_outputs, check_text
from folio.cli import main

from .conftest import write_book


def test_the_report_passes_every_check(report):
    findings = check_outputs(report.book, {f: o.path for f, o in report.outputs.items()})
    assert [(f.check, f.ok, f.defects) for f in findings] == [
        ("EPUBCheck", True, ()), ("PDF", True, ()), ("links", True, ()), ("alt text", True, ()), ("text", True, ())]
    assert findings[0].detail == "0 fatal, 0 errors, 0 warnings"
    assert findings[4].detail.startswith("21 blocks of 5 chapters found whole in the PDF, EPUB, web page")


def test_check_command_prints_a_report_and_exits_0(tmp_path, capsys):
    book = write_book(tmp_path, {"01-one.md": "# One\n\nText.\n"})
    assert main(["check", "--book", str(book)]) == 0
    out = capsys.readouterr().out
    assert "ok   EPUBCheck: 0 fatal, 0 errors, 0 warnings" in out
    assert "check: 5 of 5 checks passed" in out


def _rewrite_epub(path: Path, name: str, change) -> None:
    with zipfile.ZipFile(path) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for info, data in entries:
            target.writestr(info, change(data) if info.filename == name else data)


def test_broken_links_missing_alt_text_and_missing_text_are_found(tmp_path):
    book_dir = write_book(tmp_path, {"01-one.md": "# One {#one}\n\nSee [one](#one).\n\n![Dark.](../pic.png)\n"})
    from PIL import Image

    Image.new("RGB", (10, 10)).save(book_dir / "pic.png")
    assert main(["--book", str(book_dir), "--quiet", "--format", "epub,html"]) == 0
    epub = book_dir / "dist" / "small.epub"
    paths = {"epub": epub, "html": book_dir / "dist" / "small.html"}
    from folio.load import load_book

    book = load_book(book_dir)
    assert check_alt_text(paths).ok
    _rewrite_epub(epub, "EPUB/text/01-one.xhtml", lambda d: d.replace(b'alt="Dark."', b'alt=""'))
    paths["html"].write_text(paths["html"].read_text().replace('alt="Dark."', 'alt=""'))
    alt = check_alt_text(paths)
    assert not alt.ok
    assert alt.defects == ("EPUB EPUB/text/01-one.xhtml: image '../pic.png' has no alt text",
                           "web page: image 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAoAAAAKCAIAAA' has no alt text")
    _rewrite_epub(epub, "EPUB/text/01-one.xhtml", lambda d: d.replace(b'id="one"', b'id="uno"').replace(b"Text", b""))
    links = check_links({"epub": epub})
    assert not links.ok and "EPUB EPUB/text/01-one.xhtml: '#one' names no element" in links.defects
    text = check_text(book, {"epub": epub})
    assert text.ok  # "See one" is still there
    _rewrite_epub(epub, "EPUB/text/01-one.xhtml", lambda d: d.replace(b"See ", b"Saw "))
    text = check_text(book, {"epub": epub})
    assert not text.ok and text.defects == ("EPUB: text of 01-one.md missing: 'See one.'",)


def test_without_java_epubcheck_says_what_is_missing(tmp_path, monkeypatch, report):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    finding = check_epubcheck(report.epub)
    assert not finding.ok
    assert "EPUBCheck needs Java 11 or newer on the PATH" in finding.detail
    assert shutil.which("java", path=os.environ["PATH"]) is None
