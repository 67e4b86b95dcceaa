"""book.yaml: every problem reported at once, each with its line and key."""

from __future__ import annotations

import textwrap

import pytest

from folio.config import BookConfig, load_config
from folio.errors import BookError

VALID = textwrap.dedent("""\
    title: T
    date: 2024-01-02
    identifier: urn:uuid:1
    slug: t
    chapters: [a.md]
    """)
KNOWN = ", ".join(BookConfig.model_fields)


def problems(tmp_path, text: str) -> list[str]:
    (tmp_path / "book.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(BookError) as caught:
        load_config(tmp_path)
    return [f"{p.file.name}:{p.line}: {p.message}" for p in caught.value.problems]


@pytest.mark.parametrize("text, expected", [
    (VALID + "titel: X\n", [f"book.yaml:6: unknown key 'titel'; known keys: {KNOWN}"]),
    (VALID.replace("title: T\n", ""), ["book.yaml:1: missing required key 'title'"]),
    (VALID + "page_size: B5\n", ["book.yaml:6: 'page_size': must be one of 'A4', 'Letter' or 'A5' (got 'B5')"]),
    (VALID.replace("2024-01-02", "soon"), ["book.yaml:2: 'date': Input should be a valid date or datetime, input is too short (got 'soon')"]),
    (VALID + "theme:\n  accent_colour: red\n",
     ["book.yaml:7: unknown key 'theme.accent_colour'; known keys: accent_color, font_size, contents_title, figure_label"]),
    (VALID + "theme:\n  accent_color: red\n",
     ["book.yaml:7: 'theme.accent_color': String should match pattern '^#[0-9a-fA-F]{6}$' (got 'red')"]),
    (VALID.replace("chapters: [a.md]", "chapters: [a.md, a.md]"), ["book.yaml:5: 'chapters': chapter 'a.md' is listed twice"]),
    (VALID.replace("chapters: [a.md]", "chapters: []"), ["book.yaml:5: 'chapters': List should have at least 1 item after validation, not 0 (got [])"]),
    (VALID.replace("slug: t", "slug: My Book"), ["book.yaml:4: 'slug': String should match pattern '^[a-z0-9][a-z0-9._-]*$' (got 'My Book')"]),
    ("title: [unclosed\n", ["book.yaml:2: YAML syntax error: expected ',' or ']', but got '<stream end>'"]),
    ("- just\n- a list\n", ["book.yaml:1: must be a mapping of keys to values"]),
])
def test_each_problem_names_file_line_and_key(tmp_path, text, expected):
    assert problems(tmp_path, text) == expected


def test_all_problems_are_reported_together(tmp_path):
    text = VALID.replace("title: T\n", "") + "page_size: B5\nfoo: 1\n"
    found = problems(tmp_path, text)
    assert len(found) == 3
    assert any("missing required key 'title'" in f for f in found)
    assert any("page_size" in f for f in found)
    assert any("unknown key 'foo'" in f for f in found)


def test_a_valid_file_gets_the_declared_defaults(tmp_path):
    (tmp_path / "book.yaml").write_text("\ufeff" + VALID, encoding="utf-8")  # a BOM is fine
    config = load_config(tmp_path)
    assert config.page_size == "A4" and config.language == "en"
    assert config.theme.accent_color == "#8a1c2b" and config.theme.contents_title == "Contents"


def test_every_key_is_documented_in_the_schema_and_the_readme():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for model in (BookConfig, BookConfig.model_fields["theme"].annotation,
                  BookConfig.model_fields["accessibility"].annotation):
        for name, field in model.model_fields.items():
            assert field.description, name
            assert f"`{name}`" in readme, f"README documents {name}"
