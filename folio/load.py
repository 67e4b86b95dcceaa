"""Read a book folder into the in-memory `Book`, collecting every problem before anything is written."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from . import markdown as md
from .cache import CACHE_DIR, theme_dir
from .config import BookConfig, load_config
from .errors import BookError, Problem
from .model import Book, Chapter, Figure, Heading, Image
from .resources import ResourceRefused, Resources
from .sanitize import sanitize

MEDIA_TYPES = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".svg": "image/svg+xml",
}
# A photo dropped beside a placeholder of the same stem replaces it, with no change to the chapter.
PHOTO_SUFFIXES = (".jpg", ".jpeg", ".png")
# WeasyPrint recurses once per nesting level and fails near 150; refuse well before with a clear message.
MAX_NESTING = 60
WEB_SCHEMES = ("http", "https", "mailto", "tel")


def load_book(book_dir: Path, use_cache: bool = True) -> Book:
    root = book_dir.resolve()
    if not root.is_dir():
        raise BookError([Problem(book_dir, "no such book folder")])
    config = load_config(root)
    theme = theme_dir(root)
    resources = Resources([root, theme])
    problems: list[Problem] = []
    warnings: list[Problem] = []
    converter = md.new_converter()
    images: dict[str, Image] = {}
    sources: dict[Path, str] = {}
    converted: list[tuple[Path, md.Converted]] = []
    for name in config.chapters:
        path = root / name
        text = _read_chapter(path, root, problems)
        if text is None:
            continue
        try:
            result = md.convert(text, converter)
        except md.MarkdownProblem as exc:
            problems.append(Problem(path, str(exc), exc.line))
            continue
        sources[path] = text
        converted.append((path, result))
    chapter_ids = {path.name: result.title_id for path, result in converted}
    chapters: list[Chapter] = []
    for path, result in converted:
        check = _ChapterCheck(path, sources[path], root, config, resources, problems, warnings)
        check.clean(result.root)
        check.resolve_links(result.root, chapter_ids)
        check.resolve_images(result.root, images)
        check.nesting(result.root)
        chapters.append(_assemble(result, path, config, images, len([f for c in chapters for f in c.figures])))
    if len(converted) == len(config.chapters):  # with a chapter missing, its anchors would be false alarms
        _check_ids_and_anchors(chapters, sources, root, problems)
    if problems:
        raise BookError(problems)
    return Book(root=root, theme_dir=theme, config=config, chapters=tuple(chapters), images=images,
                resources=resources, warnings=tuple(warnings),
                image_cache=root / CACHE_DIR / "images" if use_cache else None)


def _read_chapter(path: Path, root: Path, problems: list[Problem]) -> str | None:
    if not path.resolve().is_relative_to(root):
        problems.append(Problem(root / "book.yaml", f"chapter '{path.relative_to(root) if path.is_relative_to(root) else path}' is outside the book folder"))
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


class _ChapterCheck:
    """The checks of one converted chapter, each adding problems that name the file and line."""

    def __init__(self, path: Path, text: str, root: Path, config: BookConfig, resources: Resources,
                 problems: list[Problem], warnings: list[Problem]):
        self.path, self.text, self.root, self.config = path, text, root, config
        self.resources, self.problems, self.warnings = resources, problems, warnings

    def line(self, needle: str) -> int | None:
        return md.line_of(self.text, re.escape(needle)) if needle else None

    def clean(self, body: etree._Element) -> None:
        for message in sanitize(body, allow_attachments=self.config.pdf_attachments):
            tag = re.search(r"<(\w+)", message)
            attribute = re.search(r"(?:handler |attribute )([\w:-]+)", message)
            needle = f"<{tag[1]}" if tag else (attribute[1] if attribute else "")
            self.warnings.append(Problem(self.path, message, self.line(needle)))
        for el in body.iter():
            style = el.get("style", "") if isinstance(el.tag, str) else ""
            if re.search(r"url\s*\(|expression\s*\(|@import", style, re.IGNORECASE):
                self.problems.append(Problem(
                    self.path, f"style attribute loads a resource ({style.strip()!r}); use an image instead",
                    self.line("url(")))

    def resolve_links(self, body: etree._Element, chapter_ids: dict[str, str]) -> None:
        for link in body.iter("a"):
            href = link.get("href")
            if href is None or href.startswith("#"):
                continue
            parts = urlsplit(href)
            if parts.scheme in WEB_SCHEMES:
                continue
            target = unquote(parts.path)
            if not parts.scheme and target.endswith(".md") and Path(target).name in chapter_ids:
                link.set("href", "#" + (parts.fragment or chapter_ids[Path(target).name]))
                continue
            if "attachment" in (link.get("rel") or "").split():
                try:
                    path = self.resources.local_path((self.path.parent / target).resolve().as_uri())
                except ResourceRefused as exc:
                    self.problems.append(Problem(self.path, f"attachment {exc}", self.line(href)))
                else:
                    link.set("href", path.relative_to(self.root).as_posix())  # outputs resolve from the root
                continue
            self.problems.append(Problem(
                self.path, f"link to '{href}' is neither a web address nor a heading or chapter of the book",
                self.line(href)))

    def resolve_images(self, body: etree._Element, images: dict[str, Image]) -> None:
        for img in body.iter("img"):
            src = img.get("src", "")
            decorative = img.get("role") in ("presentation", "none") or "decorative" in (img.get("class") or "").split()
            if decorative:
                img.set("alt", "")
                img.set("role", "presentation")
            elif not (img.get("alt") or "").strip():
                self.problems.append(Problem(
                    self.path, f"image '{src[:60]}' has no alt text: describe it in ![...] or mark a purely "
                    "decorative image with {: .decorative }", self.line(src) if src else self.line("<img")))
            if src.startswith("data:"):
                continue
            image = _resolve_image(src, self.path, self.root, self.config.max_image_pixels)
            if isinstance(image, str):
                self.problems.append(Problem(self.path, image, self.line(src) if src else self.line("<img")))
                continue
            key = image.path.relative_to(self.root).as_posix()
            images[key] = image
            img.set("src", key)

    def nesting(self, body: etree._Element) -> None:
        deepest = max((len(list(el.iterancestors())) for el in body.iter()), default=0)
        if deepest > MAX_NESTING:
            self.problems.append(Problem(
                self.path, f"elements nested {deepest} levels deep; at most {MAX_NESTING} can be laid out"))


def _assemble(converted: md.Converted, path: Path, config: BookConfig, images: dict[str, Image],
              figures_before: int) -> Chapter:
    body = converted.root
    figures: list[Figure] = []
    for para in list(body.iter("p")):
        figure = _figure_from_paragraph(para, figures_before + len(figures) + 1, converted.title_id, config, images)
        if figure is not None:
            figures.append(figure)
    headings = tuple(
        Heading(int(el.tag[1]), el.get("id", ""), " ".join(el.text_content().split()))
        for el in body.iter("h1", "h2", "h3", "h4", "h5", "h6")
    )
    return Chapter(
        source=path, id=converted.title_id, title=converted.title, body=md.inner_xhtml(body),
        headings=headings, figures=tuple(figures), footnotes=tuple(converted.footnotes),
    )


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


def _resolve_image(src: str, chapter_path: Path, root: Path, max_pixels: int) -> Image | str:
    parts = urlsplit(src)
    if not src.strip():
        return "image with an empty source"
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
        if suffix != ".svg":
            problem = _check_raster(real, src, max_pixels)
            if problem:
                return problem
        return Image(path=real, media_type=MEDIA_TYPES[suffix])
    return f"image '{src}' not found"


def _check_raster(path: Path, src: str, max_pixels: int) -> str | None:
    """Read only the header: a decompression bomb is refused before a single pixel is decoded."""
    import warnings

    from PIL import Image as Pillow, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            # Our own limit (max_image_pixels) decides; Pillow's fixed one would only warn or raise.
            warnings.simplefilter("ignore", Pillow.DecompressionBombWarning)
            with Pillow.open(path) as image:
                width, height = image.size
    except Pillow.DecompressionBombError:
        return f"image '{src}' has more than {2 * Pillow.MAX_IMAGE_PIXELS} pixels: refused as a decompression bomb"
    except (UnidentifiedImageError, OSError) as exc:
        return f"image '{src}' cannot be read ({exc.__class__.__name__})"
    if width * height > max_pixels:
        return (f"image '{src}' is {width}x{height} pixels, more than max_image_pixels ({max_pixels}) "
                "allows; scale it down or raise the limit in book.yaml")
    return None


def _with_photo_override(path: Path) -> Path | None:
    if path.suffix.lower() in ("", ".svg"):
        for suffix in PHOTO_SUFFIXES:
            photo = path.with_suffix(suffix)
            if photo.is_file():
                return photo
        if path.suffix == "" and path.with_suffix(".svg").is_file():
            return path.with_suffix(".svg")
    return path if path.is_file() else None


def _check_ids_and_anchors(chapters: list[Chapter], sources: dict[Path, str], root: Path,
                           problems: list[Problem]) -> None:
    owner: dict[str, Path] = {}
    bodies = [etree.fromstring(f"<div>{chapter.body}</div>") for chapter in chapters]  # parsed once, read twice
    for chapter, body in zip(chapters, bodies):
        for el in body.iter():
            element_id = el.get("id") if isinstance(el.tag, str) else None
            if not element_id:
                continue
            if element_id in owner:
                other = owner[element_id]
                where = "earlier in this chapter" if other == chapter.source else f"in {other.relative_to(root)}"
                problems.append(Problem(
                    chapter.source, f"id '{element_id}' is already used {where}; give one of them another "
                    "id with {#other-id}", _id_line(sources[chapter.source], element_id, el)))
            else:
                owner[element_id] = chapter.source
        for note_id, _ in chapter.footnotes:
            owner.setdefault(note_id, chapter.source)
    for chapter, body in zip(chapters, bodies):
        for link in body.iter("a"):
            href = link.get("href", "")
            if href.startswith("#") and href[1:] not in owner:
                problems.append(Problem(chapter.source, f"link to '{href}' points at no heading or element in the book",
                                        md.line_of(sources[chapter.source], re.escape(href))))


def _id_line(text: str, element_id: str, el: etree._Element) -> int | None:
    explicit = md.line_of(text, r"\{[^}]*#" + re.escape(element_id) + r"\b")
    if explicit:
        return explicit
    words = " ".join("".join(el.itertext()).split()[:4])
    return md.line_of(text, r"^#+\s+" + re.escape(words)) if words else None
