"""Font subsets for the outputs that carry their own fonts (EPUB, web page); WeasyPrint subsets the PDF's."""

from __future__ import annotations

import io
import re
from functools import lru_cache
from pathlib import Path

FONT_URL = re.compile(r'url\("(?P<url>[^"]+\.(?:ttf|otf))"\)')


def font_urls(css: str) -> list[str]:
    return list(dict.fromkeys(m["url"] for m in FONT_URL.finditer(css)))


# What the prepared subsets in the theme (fonts/*/subset/, made by tools/make_font_subsets.py) cover:
# Western European text with its punctuation. A book within it embeds them as they are, at no cost;
# a book beyond it gets subsets cut at build time from the full faces.
PREPARED_COVERAGE = frozenset(
    [chr(c) for c in range(0x20, 0x7F)] + [chr(c) for c in range(0xA0, 0x180)]
    + [chr(c) for c in range(0x2010, 0x2028)] + list("‰′″‹›€™←↑→↓↩−")
)


def subset_font(path: Path, text: str, flavor: str | None = None) -> bytes:
    """The font cut down to the characters of `text`, keeping kerning and ligatures.

    A subset is a fraction of the full face (Charis SIL is 750 KB with its Cyrillic, Greek and IPA),
    which keeps the EPUB small; the Open Font License allows subsetting for embedding in documents.
    """
    prepared = prepared_subset(path, flavor)
    if prepared.is_file() and frozenset(text) - frozenset("\n\r\t") <= PREPARED_COVERAGE:
        return prepared.read_bytes()
    sfnt = _subset(path, frozenset(text) | frozenset(map(chr, range(0x20, 0x7F))))
    if flavor is None:
        return sfnt
    return reflavor(sfnt, flavor)


def prepared_subset(path: Path, flavor: str | None) -> Path:
    name = path.with_suffix(".woff2").name if flavor == "woff2" else path.name
    return path.parent / "subset" / name


def make_subset(path: Path, characters: frozenset[str]) -> bytes:
    return _subset(path, characters)


def reflavor(sfnt: bytes, flavor: str) -> bytes:
    from fontTools.ttLib import TTFont

    font = TTFont(io.BytesIO(sfnt), recalcTimestamp=False)
    font.flavor = flavor
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


@lru_cache(maxsize=64)
def _subset(path: Path, characters: frozenset[str]) -> bytes:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.layout_features = ["kern", "liga", "clig", "calt", "ccmp", "locl", "mark", "mkmk", "onum", "lnum", "pnum", "tnum"]
    options.name_IDs = ["*"]  # keep the copyright and licence records
    options.notdef_outline = True
    # Graphite and FontForge tables mean nothing to e-readers; dropping them up front keeps fontTools quiet.
    options.drop_tables += ["Silf", "Silt", "Sill", "Glat", "Gloc", "Feat", "FFTM"]
    # recalcTimestamp=False: saving must not stamp the current time into the head table.
    font = TTFont(path, lazy=False, recalcTimestamp=False)
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(ord(c) for c in characters))
    subsetter.subset(font)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()
