"""The benchmark: `python bench/run.py` (add --quick for fewer rounds and no 1,000-page book).

Measures, and writes to bench/RESULTS.md, medians and ratios of:
- a cold build (`render.py --force`: PDF + EPUB + HTML) against Pandoc making an EPUB and a PDF through
  WeasyPrint from the same chapters, run interleaved, and against a bare WeasyPrint render of the
  same HTML (the floor: what the layout alone costs);
- a no-op rebuild, and a rebuild after an edit with the libraries kept warm (as `watch` does);
- generated books of 100 to 1,000 pages: time per page and peak memory (this process's and the PDF
  process's peaks added up);
- the report with seven 6000 x 4000 camera photos in place of the placeholders: output sizes.
Every timing is wall-clock of a fresh process unless said otherwise. Pandoc comes from Debian's
`pandoc` package; without it those rows are left out.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from bench.books import copy_report, generated_book  # noqa: E402
from bench.photos import camera_photo  # noqa: E402

PY = sys.executable


def timed(command: list[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def render(book: Path, out: Path, *extra: str) -> list[str]:
    return [PY, str(ROOT / "render.py"), "--book", str(book), "--out", str(out), "--quiet", *extra]


def floor_inputs(book: Path, work: Path) -> list[str]:
    """The print HTML and CSS of the book, written out, and a bare WeasyPrint command for them."""
    from folio.html import PRINT_STYLESHEETS, render_print_html, theme_css
    from folio.load import load_book

    loaded = load_book(book)
    html = work / "floor.html"
    html.write_text(render_print_html(loaded), encoding="utf-8")
    css = work / "floor.css"
    fonts = (loaded.theme_dir / "fonts").as_uri()
    css.write_text(theme_css(loaded, PRINT_STYLESHEETS).replace('url("../fonts', f'url("{fonts}'), encoding="utf-8")
    code = ("import weasyprint; weasyprint.HTML(filename=%r, base_url=%r).write_pdf(%r, stylesheets=[%r], "
            "pdf_variant='pdf/ua-1')" % (str(html), book.as_uri() + "/", str(work / "floor.pdf"), str(css)))
    return [PY, "-c", code]


def pandoc_commands(book: Path, work: Path, css: Path | None = None) -> list[list[str]] | None:
    """Pandoc's EPUB and PDF (through WeasyPrint); with `css`, the PDF gets our stylesheet and fonts."""
    if shutil.which("pandoc") is None:
        return None
    chapters = sorted(str(p) for p in (book / "chapters").glob("*.md"))
    common = ["pandoc", *chapters, "--resource-path", str(book / "chapters"), "--metadata",
              "title=Beijing's People-to-People Diplomacy (I): Social Organizations", "--toc"]
    styled = ["-c", str(css)] if css else []
    return [[*common, "-o", str(work / "pandoc.epub")],
            # --self-contained inlines the figures: WeasyPrint reads Pandoc's HTML from a temporary
            # folder, where the chapters' relative image paths would point at nothing.
            [*common, *styled, "-s", "--self-contained", "--pdf-engine=weasyprint", "-o", str(work / "pandoc.pdf")]]


def warm_rebuilds(book: Path, out: Path, rounds: int) -> list[float]:
    """Edit a chapter and rebuild, as `watch` does (one process, and one PDF process kept for every
    rebuild); the first build warms them up."""
    code = f"""
import json, sys, time
sys.path.insert(0, {str(ROOT)!r})
from pathlib import Path
from folio.cli import parse_args, _build
args = parse_args(["watch", "--book", {str(book)!r}, "--out", {str(out)!r}, "--quiet"])
_build(args)
chapter = Path({str(book)!r}) / "chapters" / "01-editors-note.md"
text = chapter.read_text()
times = []
for n in range({rounds}):
    chapter.write_text(text + "\\n" * (n + 1))
    start = time.perf_counter(); _build(args); times.append(time.perf_counter() - start)
chapter.write_text(text)
if getattr(args, "pdf_worker", None): args.pdf_worker.close()
print(json.dumps(times))
"""
    return json.loads(subprocess.run([PY, "-c", code], check=True, capture_output=True, text=True).stdout)


def measure(book: Path, out: Path) -> dict:
    result = subprocess.run([PY, str(HERE / "measure.py"), str(book), "pdf,epub,html", str(out)],
                            check=True, capture_output=True, text=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--quick", action="store_true", help="3 rounds, scale up to 500 pages")
    args = parser.parse_args()
    rounds = 3 if args.quick else args.rounds
    scale = (100, 250, 500) if args.quick else (100, 250, 500, 1000)
    rows: list[tuple[str, str]] = []

    with tempfile.TemporaryDirectory(prefix="folio-bench-") as tmp:
        work = Path(tmp)
        book = copy_report(work / "report")
        out = work / "out"
        floor = floor_inputs(book, work)
        pandoc = pandoc_commands(book, work)
        pandoc_styled = pandoc_commands(book, work, css=work / "floor.css")
        cold, bare, other, other_styled = [], [], [], []
        for _ in range(rounds):  # interleaved, so that machine noise falls on all alike
            cold.append(timed(render(book, out, "--force")))
            bare.append(timed(floor))
            if pandoc:
                other.append(sum(timed(command) for command in pandoc))
                other_styled.append(sum(timed(command) for command in pandoc_styled))
        noop = [timed(render(book, out)) for _ in range(rounds)]
        warm = warm_rebuilds(book, work / "warm", rounds)

        cold_median = statistics.median(cold)
        rows.append(("cold build of the report (PDF + EPUB + HTML)", f"{cold_median:.2f} s"))
        rows.append(("bare WeasyPrint render of the same HTML (floor)", f"{statistics.median(bare):.2f} s"))
        rows.append(("cold build / floor (target <= 1.15)", f"{cold_median / statistics.median(bare):.2f}"))
        if other:
            rows.append(("Pandoc: EPUB + PDF via WeasyPrint", f"{statistics.median(other):.2f} s"))
            rows.append(("cold build / Pandoc (target <= 0.75)", f"{cold_median / statistics.median(other):.2f}"))
            rows.append(("Pandoc, PDF with our stylesheet and fonts", f"{statistics.median(other_styled):.2f} s"))
            rows.append(("cold build / Pandoc with our stylesheet", f"{cold_median / statistics.median(other_styled):.2f}"))
        rows.append(("no-op rebuild", f"{statistics.median(noop):.3f} s"))
        rows.append(("no-op / cold (target <= 0.15)", f"{statistics.median(noop) / cold_median:.3f}"))
        rows.append(("rebuild after an edit, warm (as in watch)", f"{statistics.median(warm):.2f} s"))
        rows.append(("warm rebuild / cold (target <= 0.6)", f"{statistics.median(warm) / cold_median:.2f}"))

        per_page = []
        for pages in scale:
            generated = generated_book(work / f"book-{pages}", pages)
            result = measure(generated, work / f"out-{pages}")
            per_page.append(result["seconds"] / result["pages"])
            rows.append((f"generated book, {result['pages']} pages",
                         f"{result['seconds']:.1f} s, {result['seconds'] / result['pages'] * 1000:.0f} ms/page, "
                         f"peak {result['peak_mb']:.0f} MB ({result['main_mb']:.0f} + PDF process "
                         f"{result['worker_mb']:.0f})"))
        rows.append(("time per page, largest / smallest book (linear: about 1)", f"{per_page[-1] / per_page[0]:.2f}"))

        photos = copy_report(work / "photos")
        for number, svg in enumerate(sorted((photos / "images").glob("*.svg"))):
            camera_photo(svg.with_suffix(".jpg"), seed=number)
        source_mb = sum(p.stat().st_size for p in (photos / "images").glob("*.jpg")) / 1e6
        result = measure(photos, work / "out-photos")
        rows.append((f"report with 7 photos of 6000x4000 ({source_mb:.1f} MB of JPEG)",
                     f"EPUB {result['sizes']['epub'] / 1e6:.2f} MB (target < 3), PDF "
                     f"{result['sizes']['pdf'] / 1e6:.2f} MB (target < 5), HTML {result['sizes']['html'] / 1e6:.2f} MB"))

    width = max(len(label) for label, _ in rows)
    table = "\n".join(f"| {label:<{width}} | {value} |" for label, value in rows)
    header = f"| {'measure':<{width}} | value |\n|{'-' * (width + 2)}|-------|"
    machine = subprocess.run(["uname", "-srm"], capture_output=True, text=True).stdout.strip()
    report = (f"# Benchmark results\n\n`python bench/run.py{' --quick' if args.quick else ''}`, {rounds} rounds, "
              f"medians; {machine}, Python {sys.version.split()[0]}.\n\n{header}\n{table}\n")
    (HERE / "RESULTS.md").write_text(report, encoding="utf-8")
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
