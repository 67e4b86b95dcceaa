"""Books for the benchmark: a copy of the report, and generated books of a given number of pages."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("social organizations international exchanges cooperation people diplomacy programs "
         "development community partners foundation relief supplies training governance culture "
         "heritage volunteers festival dialogue friendship schools hospitals villages rescue teams "
         "forum delegation research report charity network exhibition scholarship youth").split()
PAGES_PER_CHAPTER = 5.2  # what one generated chapter fills at A4, 11 pt Charis SIL (measured)


def copy_report(target: Path) -> Path:
    """The report's sources without its dist/ or caches, so a benchmark never touches them."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "book.yaml", target / "book.yaml")
    for folder in ("chapters", "images"):
        shutil.copytree(ROOT / folder, target / folder, dirs_exist_ok=True)
    return target


def generated_book(target: Path, pages: int, seed: int = 7) -> Path:
    """About `pages` pages of text in chapters of about five pages, with headings and a footnote each."""
    rng = random.Random(seed)
    (target / "chapters").mkdir(parents=True, exist_ok=True)
    chapters = []
    for number in range(1, max(1, round(pages / PAGES_PER_CHAPTER)) + 1):
        lines = [f"# Chapter {number} {{#chapter-{number}}}", ""]
        for section in range(1, 4):
            lines += [f"## Section {number}.{section} {{#s-{number}-{section}}}", ""]
            for _ in range(7):
                sentences = []
                for _ in range(rng.randrange(4, 8)):
                    words = [rng.choice(WORDS) for _ in range(rng.randrange(8, 18))]
                    sentences.append(" ".join(words).capitalize() + ".")
                lines += [" ".join(sentences), ""]
        lines[-2] += "[^n]"
        lines += [f"[^n]: A note to chapter {number}.", ""]
        name = f"{number:04d}.md"
        (target / "chapters" / name).write_text("\n".join(lines), encoding="utf-8")
        chapters.append(f"chapters/{name}")
    config = {"title": f"A Book of {pages} Pages", "date": "2024-01-01", "slug": "generated",
              "identifier": f"urn:uuid:00000000-0000-4000-8000-{pages:012d}", "chapters": chapters}
    (target / "book.yaml").write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return target
