from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pytest

from folio.build import FORMATS, Output, build
from folio.model import Book

ROOT = Path(__file__).resolve().parent.parent
BOOKS = Path(__file__).resolve().parent / "books"


def pytest_addoption(parser):
    parser.addoption("--update-fixtures", action="store_true",
                     help="rewrite the expected files under tests/books/*/expected from the current code")


@dataclass
class Built:
    book: Book
    outputs: dict[str, Output]

    @property
    def pdf(self) -> Path:
        return self.outputs["pdf"].path

    @property
    def epub(self) -> Path:
        return self.outputs["epub"].path

    @property
    def html(self) -> Path:
        return self.outputs["html"].path


def build_into(book_dir: Path, out_dir: Path, formats=FORMATS) -> Built:
    result = build(book_dir, formats, out_dir)
    return Built(result.book, {o.format: o for o in result.outputs})


@pytest.fixture(scope="session")
def report(tmp_path_factory) -> Built:
    """The real report, built once per test session."""
    return build_into(ROOT, tmp_path_factory.mktemp("report"))


@pytest.fixture(scope="session")
def features(tmp_path_factory) -> Built:
    return build_into(BOOKS / "markdown-features", tmp_path_factory.mktemp("features"))


@pytest.fixture(autouse=True)
def no_unexpected_logs(caplog):
    """Like WeasyPrint's assert_no_logs: a warning from any library fails the test that caused it."""
    caplog.set_level(logging.WARNING)
    yield
    unexpected = [r for r in caplog.get_records("call") if r.levelno >= logging.WARNING]
    assert not unexpected, "unexpected log records: " + "; ".join(r.getMessage() for r in unexpected)


def write_book(root: Path, chapters: dict[str, str], **config) -> Path:
    """A small book folder: chapters/<name> files and a book.yaml listing them, config overriding."""
    import yaml

    (root / "chapters").mkdir(parents=True, exist_ok=True)
    for name, text in chapters.items():
        (root / "chapters" / name).write_text(text, encoding="utf-8")
    settings = {
        "title": "A Small Book", "date": "2024-05-06", "identifier": "urn:uuid:00000000-0000-4000-8000-000000000001",
        "slug": "small", "chapters": [f"chapters/{name}" for name in chapters], **config,
    }
    (root / "book.yaml").write_text(yaml.safe_dump(settings, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return root
