"""`book.yaml`: its schema, declared once, and its loading with every problem located by line."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import BookError, Problem

CONFIG_NAME = "book.yaml"


class Schema(BaseModel):
    # Unknown keys are errors: a misspelt key silently ignored is a setting silently lost.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG 2.1 contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


class Theme(Schema):
    accent_color: str = Field(
        "#8a1c2b", pattern=r"^#[0-9a-fA-F]{6}$",
        description="Colour of the cover band, rules and headings' numbers, as #rrggbb.")
    @field_validator("accent_color")
    @classmethod
    def _readable_on_white(cls, colour: str) -> str:
        # The accent colours text (figure labels, numbers) on white and white text on the cover band.
        ratio = contrast_ratio(colour, "#ffffff")
        if ratio < 4.5:
            raise ValueError(f"{colour} on white has a contrast of {ratio:.2f}:1; WCAG AA needs 4.5:1 (pick a darker colour)")
        return colour

    font_size: float = Field(11, ge=7, le=16, description="Body text size in the PDF, in points.")
    contents_title: str = Field("Contents", min_length=1, description="Heading of the contents page.")
    figure_label: str = Field("Figure", min_length=1, description="Word before a figure's number.")


class Accessibility(Schema):
    certified_by: str = Field("", description="Who assessed the EPUB's accessibility (a11y:certifiedBy); empty for none.")
    summary: str = Field(
        "", description="Accessibility summary for the EPUB; empty for one written from what the build guarantees.")


PDF_VARIANTS = ("pdf/ua-1", "pdf/a-2b", "pdf/a-3b", "pdf/a-2u", "pdf/a-3u", "pdf/a-2a", "pdf/a-3a")


class BookConfig(Schema):
    title: str = Field(min_length=1, description="Main title, on the cover and in every output's metadata.")
    subtitle: str = Field("", description="Second line of the title, e.g. the part of a series.")
    authors: list[str] = Field(default_factory=list, description="Authors or issuing bodies (dc:creator).")
    publisher: str = Field("", description="Publisher, shown on the cover and title page.")
    date: dt.date = Field(description="Publication date (YYYY-MM-DD); also the outputs' creation date.")
    language: str = Field("en", pattern=r"^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$",
                          description="BCP 47 language tag of the text; drives hyphenation.")
    identifier: str = Field(min_length=1, description="Stable unique identifier, e.g. urn:uuid:...; never regenerate it.")
    description: str = Field("", description="One-paragraph summary (EPUB description, PDF subject).")
    rights: str = Field("", description="Copyright or licence statement.")
    source: str = Field("", description="Where the text comes from, shown on the title page.")
    keywords: list[str] = Field(default_factory=list, description="Keywords for the PDF and EPUB metadata.")
    slug: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$", description="Base name of the output files in dist/.")
    chapters: list[str] = Field(min_length=1, description="Chapter Markdown files, in reading order, relative to the book folder.")
    page_size: Literal["A4", "Letter", "A5"] = Field("A4", description="PDF page size.")
    pdf_variant: Literal[PDF_VARIANTS] = Field(
        "pdf/ua-1", description="PDF standard to conform to: pdf/ua-1 (accessible, tagged) or an archival PDF/A variant.")
    pdf_attachments: bool = Field(False, description="Let links with rel=\"attachment\" embed their file in the PDF.")
    max_image_pixels: int = Field(50_000_000, ge=1, description="Largest image accepted, in pixels (width x height); guards against decompression bombs.")
    theme: Theme = Field(default_factory=Theme, description="Look of the outputs (see the theme keys).")
    accessibility: Accessibility = Field(default_factory=Accessibility,
                                         description="EPUB accessibility metadata (see the accessibility keys).")

    @field_validator("chapters")
    @classmethod
    def _chapters_distinct(cls, chapters: list[str]) -> list[str]:
        seen = set()
        for name in chapters:
            if name in seen:
                raise ValueError(f"chapter {name!r} is listed twice")
            seen.add(name)
        return chapters

    @property
    def full_title(self) -> str:
        return f"{self.title} {self.subtitle}".strip()


def build_date(config: BookConfig) -> dt.datetime:
    """The moment stamped into the outputs as their modification time: SOURCE_DATE_EPOCH when set
    (the reproducible-builds convention), else the book's date, so that no output carries the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc).replace(tzinfo=None)
    return dt.datetime.combine(config.date, dt.time())


def load_config(book_dir: Path) -> BookConfig:
    """Read and validate `book.yaml`; raise BookError listing every problem with its line."""
    path = book_dir / CONFIG_NAME
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BookError([Problem(path, f"no {CONFIG_NAME} here: every book folder needs one")]) from None
    except UnicodeDecodeError as exc:
        raise BookError([Problem(path, f"not UTF-8 (byte {exc.start})")]) from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        reason = getattr(exc, "problem", None) or str(exc)
        if mark is None:
            raise BookError([Problem(path, f"YAML syntax error: {reason}")]) from None
        raise BookError([Problem(path, f"YAML syntax error: {reason}", mark.line + 1, mark.column + 1)]) from None
    if not isinstance(data, dict):
        raise BookError([Problem(path, "must be a mapping of keys to values", 1)])
    try:
        return BookConfig.model_validate(data)
    except ValidationError as exc:
        raise BookError([_problem(path, root, err) for err in exc.errors()]) from None


def _problem(path: Path, root: yaml.Node, err: dict[str, Any]) -> Problem:
    loc = tuple(err["loc"])
    key = ".".join(str(part) for part in loc)
    if err["type"] == "extra_forbidden":
        parent = _model_at(loc[:-1])
        known = ", ".join(parent.model_fields)
        message = f"unknown key '{key}'; known keys: {known}"
    elif err["type"] == "missing":
        message = f"missing required key '{key}'"
    else:
        message = f"'{key}': {_reason(err)}"
    node = _node_at(root, loc)
    line = node.start_mark.line + 1 if node is not None else 1
    return Problem(path, message, line)


def _reason(err: dict[str, Any]) -> str:
    msg = err["msg"]
    msg = re.sub(r"^Value error, ", "", msg)
    if err["type"] == "literal_error":
        msg = "must be one of " + msg.removeprefix("Input should be ")
    return f"{msg} (got {err['input']!r})" if err["type"] not in {"value_error"} else msg


def _model_at(loc: tuple) -> type[BaseModel]:
    model: type[BaseModel] = BookConfig
    for part in loc:
        annotation = model.model_fields[part].annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            model = annotation
    return model


def _node_at(root: yaml.Node, loc: tuple) -> yaml.Node | None:
    """The YAML node for a key path, or its nearest existing ancestor."""
    node = root
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == part]
            if not match:
                return node
            key_node, value_node = match[0]
            # For an unknown key the key itself is the culprit; otherwise point at the value.
            node = value_node if part != loc[-1] else key_node
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node
