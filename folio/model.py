"""The in-memory book: loaded and validated once, then handed to every renderer."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Problem
from .resources import Resources

if TYPE_CHECKING:  # the PDF process unpickles Images without importing the config schema (pydantic)
    from .config import BookConfig


@dataclass(frozen=True)
class Image:
    """A picture file the book uses, resolved inside the book folder."""

    path: Path
    media_type: str

    @property
    def name(self) -> str:
        return self.path.name


@dataclass(frozen=True)
class Figure:
    number: int
    id: str
    image: Image
    alt: str
    caption_html: str
    chapter_id: str


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Chapter:
    """One Markdown file, converted.

    `body` is the chapter's content as well-formed XHTML markup (no wrapper element), in
    which figures are `<figure>` elements whose `<img src>` names an image in `Book.images`,
    and footnote references are `<a class="footnote-ref" href="#NOTE-ID">` pointing at
    `Chapter.footnotes`. Each renderer turns that neutral form into its own.
    """

    source: Path
    id: str
    title: str
    body: str
    headings: tuple[Heading, ...]
    figures: tuple[Figure, ...]
    footnotes: tuple[tuple[str, str], ...]  # (id, XHTML of the note's content)


@dataclass(frozen=True)
class Book:
    root: Path
    theme_dir: Path
    config: BookConfig
    chapters: tuple[Chapter, ...]
    images: dict[str, Image] = field(default_factory=dict)  # keyed by the src used in chapter bodies
    resources: Resources | None = None  # the only way renderers read files
    warnings: tuple[Problem, ...] = ()  # things the build changed or dropped, reported but not fatal
    image_cache: Path | None = None  # processed images by content hash; None to process afresh

    def screen_image_bytes(self, image: Image) -> tuple[bytes, str]:
        """The image as the EPUB and the web page show it: sized, upright, sRGB (the PDF's: PrintJob)."""
        from .images import SCREEN_LONG_SIDE, prepared

        box = (SCREEN_LONG_SIDE, SCREEN_LONG_SIDE)
        return prepared(image, self.resources.read_file(image.path), "screen", box, self.image_cache)

    @property
    def print_figure_box_mm(self) -> tuple[float, float]:
        """The largest a figure is printed: the text measure wide, the theme's figure height high."""
        from .html import PAGE_GEOMETRY, PAGE_WIDTHS_MM

        geometry = PAGE_GEOMETRY[self.config.page_size]
        width = PAGE_WIDTHS_MM[self.config.page_size] - 2 * float(geometry["--page-margin-side"].removesuffix("mm"))
        return width, float(geometry["--figure-max-height"].removesuffix("mm"))

    @property
    def figures(self) -> tuple[Figure, ...]:
        return tuple(f for c in self.chapters for f in c.figures)
