"""Read a book folder into the in-memory `Book`, collecting every problem before anything is written."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from . import markdown as md
from .config import BookConfig, load_config
from .errors import BookError, Problem
from .model import Book, Chapter, Figure, Heading, Image

DEFAULT_THEME = Path(__file__).resolve().parent.parent / "styles"
MEDIA_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".svg": "image/svg+xml",
}
# A photo dropped beside a placeholder of the same stem replaces it, with no change to the chapter.
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")


def load_book(book_dir: Path) -> Book:
    root = book_dir.resolve()
    if not root.is_dir():
        raise BookError([Problem(book_dir, "no such book folder")])
    config = load_config(root)
    problems: list[Problem] = []
    converter = md.new_converter()
    images: dict[str, Image] = {}
    chapters: list[Chapter] = []
    figure_count = 0
    for name in config.chapters:
        path = root / name
        text = _read_chapter(path, root, problems)
        if text is None:
            continue
        try:
            converted = md.convert(text, converter)
        except md.MarkdownProblem as exc:
            problems.append(Problem(path, str(exc), exc.line))
            continue
        chapter, figure_count = _assemble(converted, path, text, root, config, images, figure_count, problems)
        chapters.append(chapter)
    _check_unique_ids(chapters, root, problems)
    if problems:
        raise BookError(problems)
    return Book(root=root, theme_dir=theme_dir(root), config=config, chapters=tuple(chapters), images=images)


def theme_dir(root: Path) -> Path:
    own = root / "styles"
    return own if (own / "templates").is_dir() else DEFAULT_THEME


def _read_chapter(path: Path, root: Path, problems: list[Problem]) -> str | None:
    rel = path.relative_to(root) if path.is_relative_to(root) else path
    if not path.resolve().is_relative_to(root):
        problems.append(Problem(Path("book.yaml"), f"chapter '{rel}' is outside the book folder"))
        return None
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        problems.append(Problem(path, "chapter file not found (listed in book.yaml 'chapters')"))
        return None
    except IsADirectoryError:
        problems.append(Problem(path, "is a folder, not a chapter file"))
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems.append(Problem(path, f"not valid UTF-8: byte 0x{data[exc.start]:02x} at offset {exc.start}", line))
        return None
    if not text.strip():
        problems.append(Problem(path, "chapter file is empty", 1))
        return None
    return text


def _assemble(converted: md.Converted, path: Path, text: str, root: Path, config: BookConfig,
              images: dict[str, Image], figure_count: int, problems: list[Problem]) -> tuple[Chapter, int]:
    body = converted.root
    figures: list[Figure] = []
    for img in body.iter("img"):
        src = img.get("src", "")
        if src.startswith("data:"):
            continue
        image = _resolve_image(src, path, root)
        if isinstance(image, str):
            problems.append(Problem(path, image, md.line_of(text, re.escape(src))))
            continue
        key = image.path.relative_to(root).as_posix()
        images[key] = image
        img.set("src", key)
        if img.get("alt") is None:
            img.set("alt", "")
    for para in list(body.iter("p")):
        figure = _figure_from_paragraph(para, figure_count + 1, converted.title_id, config, images)
        if figure is not None:
            figure_count += 1
            figures.append(figure)
    headings = tuple(
        Heading(int(el.tag[1]), el.get("id", ""), " ".join(el.text_content().split()))
        for el in body.iter("h1", "h2", "h3", "h4", "h5", "h6")
    )
    chapter = Chapter(
        source=path, id=converted.title_id, title=converted.title, body=md.inner_xhtml(body),
        headings=headings, figures=tuple(figures), footnotes=tuple(converted.footnotes),
    )
    return chapter, figure_count


def _figure_from_paragraph(para, number: int, chapter_id: str, config: BookConfig,
                           images: dict[str, Image]) -> Figure | None:
    """A paragraph holding nothing but a titled image becomes a numbered figure; the title is its caption."""
    children = list(para)
    if len(children) != 1 or children[0].tag != "img" or (para.text or "").strip() or (children[0].tail or "").strip():
        return None
    img = children[0]
    caption = img.get("title")
    if not caption or img.get("src") not in images:
        return None
    figure_id = para.get("id") or f"figure-{number}"
    label = f"{config.theme.figure_label} {number}"
    figure = etree.Element("figure", {"id": figure_id, "class": " ".join(filter(None, ["figure", para.get("class")]))})
    new_img = etree.SubElement(figure, "img", {"src": img.get("src"), "alt": img.get("alt", "")})
    for attr in ("width", "height", "class"):
        if img.get(attr):
            new_img.set(attr, img.get(attr))
    figcaption = etree.SubElement(figure, "figcaption")
    label_el = etree.SubElement(figcaption, "span", {"class": "figure-label"})
    label_el.text = label
    label_el.tail = " " + caption
    figure.tail = para.tail
    para.getparent().replace(para, figure)
    return Figure(number, figure_id, images[img.get("src")], img.get("alt", ""),
                  md.inner_xhtml(figcaption), chapter_id)


def _resolve_image(src: str, chapter_path: Path, root: Path) -> Image | str:
    parts = urlsplit(src)
    if parts.scheme and parts.scheme != "file" or parts.netloc:
        return f"image '{src}' is not a file in the book folder (remote resources are not fetched)"
    rel = unquote(parts.path)
    candidates = [chapter_path.parent / rel, root / rel] if not rel.startswith("/") else [Path(rel)]
    for candidate in candidates:
        found = _with_photo_override(candidate)
        if found is None:
            continue
        real = found.resolve()
        if not real.is_relative_to(root):
            return f"image '{src}' is outside the book folder"
        suffix = real.suffix.lower()
        if suffix not in MEDIA_TYPES:
            return f"image '{src}' has an unsupported type (use JPEG, PNG, GIF, WebP or SVG)"
        return Image(path=real, media_type=MEDIA_TYPES[suffix])
    return f"image '{src}' not found"


def _with_photo_override(path: Path) -> Path | None:
    if path.suffix.lower() in ("", ".svg"):
        for suffix in PHOTO_SUFFIXES:
            photo = path.with_suffix(suffix)
            if photo.is_file():
                return photo
        if path.suffix == "" and path.with_suffix(".svg").is_file():
            return path.with_suffix(".svg")
    return path if path.is_file() else None


def _check_unique_ids(chapters: list[Chapter], root: Path, problems: list[Problem]) -> None:
    seen: dict[str, Path] = {}
    for chapter in chapters:
        ids = [h.id for h in chapter.headings] + [f.id for f in chapter.figures]
        for element_id in ids:
            if not element_id:
                continue
            if element_id in seen and seen[element_id] != chapter.source:
                text = chapter.source.read_text(encoding="utf-8-sig")
                line = md.line_of(text, r"^#+\s")
                problems.append(Problem(
                    chapter.source,
                    f"heading id '{element_id}' is also used in {seen[element_id].relative_to(root)}; "
                    "give one of them an explicit id with {#other-id}", line))
            seen.setdefault(element_id, chapter.source)
