"""Draw the placeholder panels in images/ for figures whose photos are not available yet.

Run once by hand (`python tools/make_placeholders.py`); the build never calls it. Text is drawn as
outlines from the vendored Inter font, so a panel looks the same in every PDF viewer and e-reader
without fonts of its own. A panel is replaced by dropping a JPEG or PNG of the same stem beside it.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools.pens.svgPathPen import SVGPathPen
from fontTools.pens.transformPen import TransformPen
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parent.parent
FONTS = ROOT / "styles" / "fonts" / "inter"
WIDTH, HEIGHT = 1500, 1000

PANELS = {
    "01-un-human-rights-council": "Representatives at the UN Human Rights Council",
    "02-cop27": "The 27th session of the Conference of the Parties of the UNFCCC (COP27)",
    "03-donations-myanmar": "Anti-Pandemic Donations to Myanmar",
    "04-donations-iran": "Anti-Pandemic Donations to Iran",
    "05-humanitarian-aid-syria": "Humanitarian Aid in Syria",
    "06-rescue-training-afghanistan": "Donations to and Emergency Rescue Training in Afghanistan",
    "07-energy-saving-stoves-cambodia": "Donation of Energy-Saving Stoves to Cambodia",
}


class Outliner:
    def __init__(self, path: Path):
        self.font = TTFont(path)
        self.glyphs = self.font.getGlyphSet()
        self.cmap = self.font.getBestCmap()
        self.upm = self.font["head"].unitsPerEm
        self.advance = self.font["hmtx"]

    def width(self, text: str, size: float, tracking: float = 0) -> float:
        units = sum(self.advance[self.cmap[ord(ch)]][0] + tracking * self.upm for ch in text)
        return units * size / self.upm

    def path(self, text: str, x: float, baseline: float, size: float, tracking: float = 0) -> str:
        pen = SVGPathPen(self.glyphs, ntos=lambda v: f"{v:.1f}".rstrip("0").rstrip("."))
        scale = size / self.upm
        cursor = 0.0
        for ch in text:
            name = self.cmap[ord(ch)]
            self.glyphs[name].draw(TransformPen(pen, (scale, 0, 0, -scale, x + cursor * scale, baseline)))
            cursor += self.advance[name][0] + tracking * self.upm
        return pen.getCommands()

    def centred(self, text: str, baseline: float, size: float, tracking: float = 0) -> str:
        return self.path(text, (WIDTH - self.width(text, size, tracking)) / 2, baseline, size, tracking)


def wrap(text: str, outliner: Outliner, size: float, measure: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and outliner.width(f"{lines[-1]} {word}", size) <= measure:
            lines[-1] += f" {word}"
        else:
            lines.append(word)
    return lines


def panel(stem: str, caption: str, regular: Outliner, semibold: Outliner) -> str:
    accent, ink, muted = "#8a1c2b", "#3a302c", "#7d6e64"
    caption_size = 58
    lines = wrap(caption, semibold, caption_size, 1080)
    caption_top = 560 - (len(lines) - 1) * 36
    caption_paths = "".join(
        semibold.centred(line, caption_top + i * 74, caption_size) for i, line in enumerate(lines))
    label = regular.centred("PHOTO PLACEHOLDER", 470 - (len(lines) - 1) * 36, 30, tracking=0.22)
    hint = regular.centred(f"Replace by adding images/{stem}.jpg", 890, 28)
    return f"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" role="img">
<title>Placeholder for the photo: {caption}</title>
<rect width="{WIDTH}" height="{HEIGHT}" fill="#f3ede7"/>
<rect x="36" y="36" width="{WIDTH - 72}" height="{HEIGHT - 72}" fill="none" stroke="#c9b6a6" stroke-width="3" stroke-dasharray="18 12"/>
<g fill="none" stroke="{accent}" stroke-width="10" stroke-linejoin="round">
<rect x="660" y="190" width="180" height="130" rx="18"/><path d="M705 190 l18 -30 h54 l18 30"/><circle cx="750" cy="255" r="38"/>
</g>
<path fill="{accent}" d="{label}"/>
<path fill="{ink}" d="{caption_paths}"/>
<rect x="600" y="{caption_top + (len(lines) - 1) * 74 + 60}" width="300" height="4" fill="{accent}"/>
<path fill="{muted}" d="{hint}"/>
</svg>
"""


def main() -> int:
    regular = Outliner(FONTS / "Inter-Regular.otf")
    semibold = Outliner(FONTS / "Inter-SemiBold.otf")
    for stem, caption in PANELS.items():
        (ROOT / "images" / f"{stem}.svg").write_text(panel(stem, caption, regular, semibold), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
