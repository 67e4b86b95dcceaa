"""Rebuilds: nothing to do costs nothing, a change rebuilds what it touches, --force rebuilds all."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, write_book


def run(book: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-X", "importtime", str(ROOT / "render.py"), "--book", str(book), *args],
                          capture_output=True, text=True, timeout=300, check=True)


def built(result: subprocess.CompletedProcess) -> list[str]:
    return [line.split()[0].rsplit(".", 1)[1] for line in result.stdout.splitlines() if "up to date" not in line]


def fresh(result: subprocess.CompletedProcess) -> list[str]:
    return [line.split()[0].rsplit(".", 1)[1] for line in result.stdout.splitlines() if "up to date" in line]


@pytest.fixture
def book(tmp_path) -> Path:
    root = write_book(tmp_path / "book", {"01-one.md": "# One\n\nText.\n"})
    shutil.copytree(ROOT / "styles", root / "styles")
    return root


def test_a_second_build_with_nothing_changed_does_nothing_and_imports_no_weasyprint(book):
    first = run(book)
    assert built(first) == ["pdf", "epub", "html"]
    second = run(book)
    assert built(second) == [] and fresh(second) == ["pdf", "epub", "html"]
    imported = {line.split("|")[-1].strip() for line in second.stderr.splitlines() if line.startswith("import time")}
    assert "weasyprint" not in imported and "markdown" not in imported and "pydantic" not in imported
    assert "folio.cache" in imported


def test_a_change_rebuilds_only_the_outputs_it_touches(book):
    run(book)
    with open(book / "styles" / "css" / "web.css", "a") as css:
        css.write("\n/* a comment */\n")
    assert built(run(book)) == ["html"]
    with open(book / "styles" / "css" / "epub.css", "a") as css:
        css.write("\n/* a comment */\n")
    assert built(run(book)) == ["epub"]
    (book / "chapters" / "01-one.md").write_text("# One\n\nOther text.\n")
    assert built(run(book)) == ["pdf", "epub", "html"]


def test_a_missing_or_altered_output_is_rebuilt_and_force_rebuilds_everything(book):
    run(book)
    (book / "dist" / "small.pdf").unlink()
    (book / "dist" / "small.html").write_text("edited by hand")
    result = run(book)
    assert built(result) == ["pdf", "html"] and fresh(result) == ["epub"]
    assert built(run(book, "--force")) == ["pdf", "epub", "html"]


def test_build_records_stay_out_of_dist(book):
    run(book)
    assert sorted(p.name for p in (book / "dist").iterdir()) == ["small.epub", "small.html", "small.pdf"]
    assert list((book / ".folio-cache").glob("build-*.json"))
