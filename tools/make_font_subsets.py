"""Cut the theme's fonts down to Western European text, once, for the EPUB and the web page.

Run by hand after changing a font (`python tools/make_font_subsets.py`); the build reads the results
from styles/fonts/*/subset/ and only subsets at build time a book that needs more characters.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from folio.fonts import PREPARED_COVERAGE, make_subset, prepared_subset, reflavor  # noqa: E402

FONTS = Path(__file__).resolve().parent.parent / "styles" / "fonts"


def main() -> int:
    for font in sorted(p for p in FONTS.glob("*/*") if p.suffix in (".ttf", ".otf")):
        sfnt = make_subset(font, PREPARED_COVERAGE)
        target = prepared_subset(font, None)
        target.parent.mkdir(exist_ok=True)
        target.write_bytes(sfnt)
        prepared_subset(font, "woff2").write_bytes(reflavor(sfnt, "woff2"))
        print(f"{target.relative_to(FONTS)}: {len(sfnt) // 1024} KB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
