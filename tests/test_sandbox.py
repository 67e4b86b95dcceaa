"""The build reads only the book folder and the theme, escapes what it templates, and fetches nothing."""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest

from folio.cli import main

from .conftest import ROOT, write_book


@pytest.fixture
def listener():
    """A local TCP server that records whether anyone connected."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.setblocking(False)
    yield server
    server.close()


def connections(server: socket.socket) -> int:
    count = 0
    while True:
        try:
            conn, _ = server.accept()
        except BlockingIOError:
            return count
        conn.close()
        count += 1


def test_a_network_reference_in_a_chapter_fails_the_build_without_connecting(tmp_path, listener, capsys, monkeypatch):
    port = listener.getsockname()[1]
    book = write_book(tmp_path, {"01-one.md": f"# One\n\n![x](http://127.0.0.1:{port}/photo.png)\n\n"
                                              f"<img src=\"https://127.0.0.1:{port}/b.png\" alt=\"b\">\n"})
    monkeypatch.chdir(book)
    assert main(["--book", str(book)]) == 2
    err = capsys.readouterr().err
    assert f"chapters/01-one.md:3: image 'http://127.0.0.1:{port}/photo.png' is not a file in the book folder" in err
    assert f"chapters/01-one.md:5: image 'https://127.0.0.1:{port}/b.png' is not a file in the book folder" in err
    assert connections(listener) == 0
    assert not (book / "dist").exists()


def test_a_network_reference_in_a_theme_is_refused_by_the_fetcher_without_connecting(tmp_path, listener, capsys):
    port = listener.getsockname()[1]
    book = write_book(tmp_path, {"01-one.md": "# One\n\nText.\n"})
    shutil.copytree(ROOT / "styles", book / "styles")
    with open(book / "styles" / "css" / "print.css", "a") as css:
        css.write(f'\n.chapter {{ background: url("http://127.0.0.1:{port}/bg.png"); }}\n')
    assert main(["--book", str(book), "--format", "pdf"]) == 2
    err = capsys.readouterr().err
    assert f"the layout asked for 'http://127.0.0.1:{port}/bg.png' is not a file in the book folder" in err
    assert connections(listener) == 0


def test_a_theme_cannot_read_files_outside_the_book_and_theme(tmp_path, capsys):
    book = write_book(tmp_path / "book", {"01-one.md": "# One\n\nText.\n"})
    (tmp_path / "outside.png").write_bytes(b"\x89PNG")
    shutil.copytree(ROOT / "styles", book / "styles")
    with open(book / "styles" / "css" / "print.css", "a") as css:
        css.write(f'\n.chapter {{ background: url("{(tmp_path / "outside.png").as_uri()}"); }}\n')
    assert main(["--book", str(book), "--format", "pdf"]) == 2
    assert "outside.png' is outside the book folder" in capsys.readouterr().err


def test_no_attachment_is_embedded_unless_book_yaml_allows_it(tmp_path):
    chapter = "# One\n\n<a rel=\"attachment\" href=\"../data.csv\">the data</a>\n"
    for allowed in (False, True):
        book = write_book(tmp_path / str(allowed), {"01-one.md": chapter}, pdf_attachments=allowed)
        (book / "data.csv").write_text("a,b\n1,2\n")
        assert main(["--book", str(book), "--quiet"]) == 0
        with pikepdf.open(book / "dist" / "small.pdf") as pdf:
            files = list(pdf.attachments) + [
                a for page in pdf.pages for a in page.get("/Annots", []) if a.get("/Subtype") == "/FileAttachment"]
        assert bool(files) == allowed
        with zipfile.ZipFile(book / "dist" / "small.epub") as archive:
            assert "data.csv" not in archive.read("EPUB/text/01-one.xhtml").decode()


def test_metadata_is_escaped_in_markup_and_exact_in_the_outputs(tmp_path):
    book = write_book(tmp_path, {"01-one.md": "# One\n\nText.\n"}, title="Tom & <Jerry>", authors=['"Quote" & Co'])
    assert main(["--book", str(book), "--quiet"]) == 0
    with pikepdf.open(book / "dist" / "small.pdf") as pdf:
        assert str(pdf.docinfo["/Title"]) == "Tom & <Jerry>"
        assert str(pdf.docinfo["/Author"]) == '"Quote" & Co'
    page = (book / "dist" / "small.html").read_text()
    assert "<title>Tom &amp; &lt;Jerry&gt;</title>" in page and "<Jerry>" not in page
    with zipfile.ZipFile(book / "dist" / "small.epub") as archive:
        opf = archive.read("EPUB/content.opf").decode()
        titlepage = archive.read("EPUB/text/titlepage.xhtml").decode()
    assert "<dc:title>Tom &amp; &lt;Jerry&gt;</dc:title>" in opf
    assert "Tom &amp; &lt;Jerry&gt;" in titlepage


def test_a_misspelt_template_variable_is_an_error_naming_the_template(tmp_path, capsys):
    book = write_book(tmp_path, {"01-one.md": "# One\n\nText.\n"})
    shutil.copytree(ROOT / "styles", book / "styles")
    template = book / "styles" / "templates" / "_cover.html.j2"
    template.write_text(template.read_text().replace("{{ meta.title }}", "{{ meta.titel }}"))
    assert main(["--book", str(book), "--format", "html"]) == 2
    err = capsys.readouterr().err
    assert "styles/templates/_cover.html.j2:4: template error:" in err and "titel" in err


def _build_hashes(out: Path, env: dict) -> dict[str, str]:
    subprocess.run([sys.executable, str(ROOT / "render.py"), "--out", str(out), "--quiet"], cwd=ROOT,
                   env={**os.environ, **env}, check=True, timeout=300)
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}


def test_the_same_sources_give_the_same_bytes_in_any_time_zone_and_hash_seed(tmp_path):
    first = _build_hashes(tmp_path / "a", {"TZ": "Asia/Shanghai", "PYTHONHASHSEED": "1"})
    second = _build_hashes(tmp_path / "b", {"TZ": "America/Los_Angeles", "PYTHONHASHSEED": "4242"})
    assert len(first) == 3
    assert first == second


def test_source_date_epoch_sets_the_modification_date(tmp_path):
    book = write_book(tmp_path, {"01-one.md": "# One\n\nText.\n"})
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1700000000"}
    subprocess.run([sys.executable, str(ROOT / "render.py"), "--book", str(book), "--quiet"], env=env, check=True)
    with zipfile.ZipFile(book / "dist" / "small.epub") as archive:
        assert '<meta property="dcterms:modified">2023-11-14T22:13:20Z</meta>' in archive.read("EPUB/content.opf").decode()
        assert {i.date_time for i in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}
    with pikepdf.open(book / "dist" / "small.pdf") as pdf:
        assert str(pdf.docinfo["/ModDate"]).startswith("D:20231114221320")
        assert str(pdf.docinfo["/CreationDate"]).startswith("D:20240506")
