"""The PDF laid out in a second process (folio.worker): same bytes as in one process, and every
failure there reported here, with nothing written."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

import pytest

from folio import worker as worker_module
from folio.build import build
from folio.errors import BookError
from folio.load import load_book
from folio.pdf import print_job
from folio.worker import PdfWorker, WorkerFailed

from .conftest import ROOT, write_book

CHAPTERS = {
    "01-one.md": "# One\n\nFirst chapter, with a note.[^a] See [two](02-two.md).\n\n[^a]: The note.\n",
    "02-two.md": "# Two\n\n## A section\n\nSecond chapter.\n",
}


def outputs(folder) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def test_a_parallel_build_writes_the_same_bytes_as_one_process(tmp_path):
    book = write_book(tmp_path / "book", CHAPTERS)
    build(book, out_dir=tmp_path / "one", use_cache=False)
    result = build(book, out_dir=tmp_path / "two", use_cache=False, parallel=True)
    assert [o.format for o in result.outputs] == ["pdf", "epub", "html"]
    assert outputs(tmp_path / "two") == outputs(tmp_path / "one")
    assert len(outputs(tmp_path / "one")) == 3


def test_a_book_error_in_the_pdf_process_is_reported_as_in_one_process(tmp_path):
    stylesheet = "@page { background: url(http://127.0.0.1:9/bg.png) }"
    errors = []
    for parallel in (False, True):
        loaded = load_book(write_book(tmp_path / f"b{parallel}", CHAPTERS))
        job = dataclasses.replace(print_job(loaded), css=print_job(loaded).css + stylesheet)
        with pytest.raises(BookError) as caught:
            if parallel:
                with PdfWorker() as worker:
                    worker.submit(job, cover_page=False)
                    worker.pdf()
            else:
                from folio.pdf import render_pdf

                render_pdf(job)
        errors.append([p.message for p in caught.value.problems])
    assert errors[0] == errors[1] == ["the layout asked for 'http://127.0.0.1:9/bg.png' is not a file in the "
                                      "book folder (remote resources are not fetched)"]


def test_an_unexpected_failure_there_comes_back_with_its_traceback_and_the_process_goes_on(tmp_path):
    job = print_job(load_book(write_book(tmp_path / "book", CHAPTERS)))
    with PdfWorker() as worker:
        worker.submit(dataclasses.replace(job, pdf_variant="pdf/x-9"), cover_page=False)
        worker.layout()  # the variant is only looked at when the PDF is written
        with pytest.raises(WorkerFailed) as caught:
            worker.pdf()
        assert worker.reusable
        worker.submit(job, cover_page=True)
        assert worker.layout()[0].number == 1
        assert worker.cover_page().startswith(b"%PDF") and worker.pdf().page_count == 4
    assert "Traceback" in caught.value.details and "render_pdf" in caught.value.details


def test_a_crashed_pdf_process_fails_the_build_and_keeps_the_last_outputs(tmp_path, monkeypatch):
    book = write_book(tmp_path / "book", CHAPTERS)
    out = tmp_path / "out"
    build(book, out_dir=out)
    before = outputs(out)
    (book / "chapters" / "02-two.md").write_text("# Two\n\nChanged.\n")
    submit = PdfWorker.submit

    def submit_then_die(self, job, cover_page):
        submit(self, job, cover_page)
        self._process.kill()

    monkeypatch.setattr(PdfWorker, "submit", submit_then_die)
    with pytest.raises(WorkerFailed, match=r"the PDF process stopped unexpectedly \(exit status -9\)"):
        build(book, out_dir=out, parallel=True)
    assert outputs(out) == before


def test_a_book_that_fails_to_load_stops_the_pdf_process_at_once(tmp_path, monkeypatch):
    book = write_book(tmp_path / "book", {"01.md": "# One\n\n![](missing.png)\n"})
    started = []
    monkeypatch.setattr(worker_module, "PdfWorker", lambda: started.append(PdfWorker()) or started[-1])
    with pytest.raises(BookError):
        build(book, out_dir=tmp_path / "out", parallel=True)
    assert len(started) == 1 and started[0]._process.returncode is not None
    assert not (tmp_path / "out").exists()


def test_weasyprint_is_imported_without_leaving_the_library_search_switched_off():
    code = ("import ctypes.util; search = ctypes.util.find_library\n"
            "from folio.pdf import import_weasyprint; import_weasyprint()\n"
            "assert ctypes.util.find_library is search and search('c')")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_watch_keeps_one_warm_pdf_process_for_all_its_rebuilds(tmp_path, monkeypatch):
    from folio.cli import _build, parse_args

    monkeypatch.setattr(worker_module, "worth_it", lambda: True)  # even on a one-processor machine
    book = write_book(tmp_path / "book", CHAPTERS)
    out = tmp_path / "out"
    args = parse_args(["watch", "--book", str(book), "--out", str(out), "--quiet"])
    chapter = book / "chapters" / "02-two.md"
    try:
        assert _build(args) == 0
        first = args.pdf_worker
        assert first is not None and first.reusable
        chapter.write_text("# Two\n\n![](missing.png)\n")
        assert _build(args) == 2  # the book is wrong: the process is not even asked
        chapter.write_text("# Two\n\nEdited while watching.\n")
        assert _build(args) == 0
        assert args.pdf_worker is first and first.reusable
        text = subprocess.run(["pdftotext", str(out / "small.pdf"), "-"], capture_output=True, text=True).stdout
        assert "Edited while watching." in text
        first._busy = True  # as a rebuild interrupted mid-layout leaves it
        chapter.write_text("# Two\n\nEdited again.\n")
        assert _build(args) == 0
        assert args.pdf_worker is not first and first._process.returncode is not None
    finally:
        args.pdf_worker.close()
